package dev.switchboard.routing;

/**
 * Does a prompt show code or math? The {@code containsCode} and {@code containsMath} facts of
 * {@link LlmRequest}, read in one pass over the text with a few flags of state: time grows with the length of
 * the prompt and nothing else, because callers (anonymous ones included) choose the text. Regular expressions
 * with {@code \d+\s*[-+*]\s*\d+} or {@code keyword[^\n]*[;=]} backtracked quadratically on long digit runs or
 * keyword-filled lines, so a single 60,000-digit prompt held a core for half a minute.
 *
 * <p>These are routing hints, not parsers: they answer "looks like" questions cheaply and may be fooled by
 * prose that happens to look like code. The whole text is examined (no cap), so a fact never depends on where
 * in a long conversation the code or the sum sits.
 */
public final class PromptFeatures {
    /** Words that start a line of code in the common languages, matched whole and case-sensitively. */
    private static final String[] CODE_KEYWORDS = {
            "def", "class", "function", "import", "return", "public", "private", "const", "let", "var", "SELECT", "FROM"};
    /** {@code #include}: the keyword that starts with a non-word character, matched as '#' then this word. */
    private static final String INCLUDE = "include";
    /** After a keyword, one of these on the same line makes it code ({@code def f(}, {@code x = }, {@code return;}). */
    private static final String CODE_PUNCTUATION = "({;:=";
    /** A Markdown code fence. */
    private static final int FENCE_LENGTH = 3;

    /** Between two numbers these make arithmetic ({@code 2 + 2}, {@code 3*4}, {@code x^2 = 9}). */
    private static final String OPERATORS = "-+*/^=";
    /** LaTeX commands, after a backslash, any case, and also as the start of a longer command ({@code \integral}). */
    private static final String[] LATEX_COMMANDS = {"frac", "sum", "int", "sqrt"};
    /** Words and phrases of math talk, matched whole and in any case. */
    private static final String[] MATH_WORDS = {"integral", "derivative", "equation", "solve for", "theorem", "prove"};

    private PromptFeatures() {
    }

    /**
     * True when the text has a Markdown code fence (three backticks), or a line where a code keyword (a whole
     * word: {@code def class function import return public private const let var #include SELECT FROM}) is
     * followed, later on the same line, by one of {@code ( { ; : =}.
     */
    public static boolean containsCode(CharSequence text) {
        int length = text.length();
        boolean keywordOnLine = false;
        int backticks = 0;
        int i = 0;
        while (i < length) {
            char c = text.charAt(i);
            if (isWordChar(c)) {
                int end = endOfWord(text, i);
                keywordOnLine = keywordOnLine || isCodeKeyword(text, i, end);
                backticks = 0;
                i = end;
                continue;
            }
            if (c == '\n') {
                keywordOnLine = false;
            } else if (keywordOnLine && CODE_PUNCTUATION.indexOf(c) >= 0) {
                return true;
            }
            backticks = c == '`' ? backticks + 1 : 0;
            if (backticks == FENCE_LENGTH) {
                return true;
            }
            i++;
        }
        return false;
    }

    /**
     * True when the text has arithmetic (a number, an operator {@code - + * / ^ =}, a number, with optional
     * white space between: {@code 2+2}, {@code 12 * 7}), a LaTeX command ({@code \frac \sum \int \sqrt}), or a
     * math word ({@code integral derivative equation theorem prove}, the phrase {@code solve for}; whole words,
     * any case).
     */
    public static boolean containsMath(CharSequence text) {
        int length = text.length();
        Arithmetic arithmetic = Arithmetic.NOTHING;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            arithmetic = arithmetic.next(c);
            if (arithmetic == Arithmetic.COMPLETE
                    || c == '\\' && startsWithAny(text, i + 1, LATEX_COMMANDS)
                    || isWordStart(text, i) && isMathWord(text, i)) {
                return true;
            }
        }
        return false;
    }

    /** How far the text just read has got towards "number, operator, number"; white space keeps the state. */
    private enum Arithmetic {
        NOTHING, NUMBER, OPERATOR, COMPLETE;

        Arithmetic next(char c) {
            if (c >= '0' && c <= '9') {
                return this == OPERATOR ? COMPLETE : NUMBER;
            }
            if (isSpace(c)) {
                return this;
            }
            return this == NUMBER && OPERATORS.indexOf(c) >= 0 ? OPERATOR : NOTHING;
        }
    }

    private static boolean isCodeKeyword(CharSequence text, int start, int end) {
        int length = end - start;
        if (length == INCLUDE.length() && start > 0 && text.charAt(start - 1) == '#' && regionEquals(text, start, INCLUDE, false)) {
            return true;
        }
        for (String keyword : CODE_KEYWORDS) {
            if (keyword.length() == length && regionEquals(text, start, keyword, false)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMathWord(CharSequence text, int start) {
        for (String word : MATH_WORDS) {
            int end = start + word.length();
            if (end <= text.length() && regionEquals(text, start, word, true) && (end == text.length() || !isWordChar(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWithAny(CharSequence text, int start, String[] prefixes) {
        for (String prefix : prefixes) {
            if (start + prefix.length() <= text.length() && regionEquals(text, start, prefix, true)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code word} sits at {@code start}; the caller has checked it fits. ASCII case folding only. */
    private static boolean regionEquals(CharSequence text, int start, String word, boolean ignoreCase) {
        for (int k = 0; k < word.length(); k++) {
            char a = text.charAt(start + k);
            char b = word.charAt(k);
            if (a != b && !(ignoreCase && a < 128 && Character.toLowerCase(a) == b)) {
                return false;
            }
        }
        return true;
    }

    private static int endOfWord(CharSequence text, int start) {
        int end = start + 1;
        while (end < text.length() && isWordChar(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static boolean isWordStart(CharSequence text, int i) {
        return isWordChar(text.charAt(i)) && (i == 0 || !isWordChar(text.charAt(i - 1)));
    }

    /** A regular expression's {@code \w}: letters, digits and '_'. */
    private static boolean isWordChar(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    /** A regular expression's {@code \s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }
}

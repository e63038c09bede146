package dev.switchboard.routing;

/**
 * Does a prompt show code or math? The {@code containsCode} and {@code containsMath} facts of
 * {@link LlmRequest}, each read in a single pass with a few flags of state, so time grows with the length of
 * the text and nothing else: callers (anonymous ones included) choose the text. The regular expressions this
 * replaces ({@code \d+\s*[-+*]\s*\d+}, {@code keyword[^\n]*[;=]}) backtracked quadratically on long digit runs
 * or keyword-filled lines; one 60,000-digit prompt held a core for half a minute.
 *
 * <p>These are routing hints, not parsers: they answer "looks like" cheaply and prose may fool them. A long
 * prompt is read at both ends only, {@link #HEAD_CHARS} and {@link #TAIL_CHARS} characters (the system prompt
 * and first turns, the latest turns), which bounds the work per request whatever its size; code or math only in
 * the middle of a very long conversation does not count.
 */
public final class PromptFeatures {
    /** Characters read from the start of a long prompt (32 Ki, about 8,000 tokens). */
    public static final int HEAD_CHARS = 32_768;
    /** Characters read from the end of a long prompt (32 Ki); a prompt up to both together is read whole. */
    public static final int TAIL_CHARS = 32_768;

    /** Words that start a line of code in the common languages, matched whole and case-sensitively. */
    private static final String[] CODE_KEYWORDS = {
            "def", "class", "function", "import", "return", "public", "private", "const", "let", "var", "SELECT", "FROM"};
    /** {@code #include}: the keyword that starts with a non-word character, matched as '#' then this word. */
    private static final String INCLUDE = "include";
    /** After a keyword, one of these on the same line makes it code ({@code def f(}, {@code x = }, {@code return;}). */
    private static final String CODE_PUNCTUATION = "({;:=";
    /** A Markdown code fence: this many backticks in a row. */
    private static final int FENCE_LENGTH = 3;

    /** Between two numbers these make arithmetic ({@code 2 + 2}, {@code 3*4}, {@code x^2 = 9}). */
    private static final String OPERATORS = "-+*/^=";
    /** LaTeX commands after a backslash, any case, also as the start of a longer command ({@code \integral}). */
    private static final String[] LATEX_COMMANDS = {"frac", "sum", "int", "sqrt"};
    /** Words and phrases of math talk, matched whole and in any case (lower case here). */
    private static final String[] MATH_WORDS = {"integral", "derivative", "equation", "solve for", "theorem", "prove"};
    /** Setting this bit turns an upper-case ASCII letter into its lower case. */
    private static final int LOWER_CASE_BIT = 0x20;

    /** Each ASCII character's kinds, a bit per kind: one table lookup per character instead of a chain of tests. */
    private static final int ASCII = 128;
    private static final byte[] KINDS = new byte[ASCII];
    /** A regular expression's {@code \w}. */
    private static final byte WORD = 1;
    /** A regular expression's {@code \s}. */
    private static final byte SPACE = 1 << 1;
    private static final byte OPERATOR = 1 << 2;
    private static final byte AFTER_KEYWORD = 1 << 3;
    /** First letters of {@link #CODE_KEYWORDS} and {@link #INCLUDE}: most words are dismissed by one lookup. */
    private static final byte STARTS_KEYWORD = 1 << 4;
    /** The {@link #MATH_WORDS} a word starting with an ASCII letter may be, by that letter (either case); mostly none. */
    private static final String[][] MATH_WORDS_BY_INITIAL = new String[ASCII][];

    static {
        for (char c = 0; c < ASCII; c++) {
            KINDS[c] = (byte) ((Character.isLetterOrDigit(c) || c == '_' ? WORD : 0)
                    | (" \t\n\u000B\f\r".indexOf(c) >= 0 ? SPACE : 0)
                    | (OPERATORS.indexOf(c) >= 0 ? OPERATOR : 0)
                    | (CODE_PUNCTUATION.indexOf(c) >= 0 ? AFTER_KEYWORD : 0));
        }
        for (String keyword : CODE_KEYWORDS) {
            KINDS[keyword.charAt(0)] |= STARTS_KEYWORD;
        }
        KINDS[INCLUDE.charAt(0)] |= STARTS_KEYWORD;
        for (char c = 0; c < ASCII; c++) {
            char initial = Character.toLowerCase(c);
            String[] words = java.util.Arrays.stream(MATH_WORDS).filter(w -> w.charAt(0) == initial).toArray(String[]::new);
            MATH_WORDS_BY_INITIAL[c] = words.length == 0 ? null : words;
        }
    }

    private PromptFeatures() {
    }

    /**
     * True when the text has a Markdown code fence (three backticks), or a line where a code keyword (a whole
     * word: {@code def class function import return public private const let var #include SELECT FROM}) is
     * followed, later on the same line, by one of {@code ( { ; : =}.
     */
    public static boolean containsCode(CharSequence text) {
        int length = text.length();
        if (length <= HEAD_CHARS + TAIL_CHARS) {
            return codeIn(text, 0, length);
        }
        return codeIn(text, 0, HEAD_CHARS) || codeIn(text, tailStart(text), length);
    }

    /**
     * True when the text has arithmetic (a number, an operator {@code - + * / ^ =}, a number, with optional
     * white space between: {@code 2+2}, {@code 12 * 7}), a LaTeX command ({@code \frac \sum \int \sqrt}), or a
     * math word ({@code integral derivative equation theorem prove}, the phrase {@code solve for}; whole words,
     * any case).
     */
    public static boolean containsMath(CharSequence text) {
        int length = text.length();
        if (length <= HEAD_CHARS + TAIL_CHARS) {
            return mathIn(text, 0, length);
        }
        return mathIn(text, 0, HEAD_CHARS) || mathIn(text, tailStart(text), length);
    }

    private static boolean codeIn(CharSequence text, int from, int to) {
        boolean keywordOnLine = false;
        int backticks = 0;
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            if (isWordChar(c)) {
                int end = endOfWord(text, i, to);
                keywordOnLine = keywordOnLine || is(c, STARTS_KEYWORD) && isCodeKeyword(text, i, end);
                backticks = 0;
                i = end;
                continue;
            }
            if (c == '\n') {
                keywordOnLine = false;
            } else if (keywordOnLine && is(c, AFTER_KEYWORD)) {
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

    private static boolean mathIn(CharSequence text, int from, int to) {
        // How far the text read has got towards "number, operator, number"; white space leaves it where it is.
        boolean afterNumber = false;
        boolean afterOperator = false;
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            if (isWordChar(c)) {
                // A word holds no operator, so arithmetic can only complete at its first character.
                if (afterOperator && isDigit(c) || isMathWord(text, i, to)) {
                    return true;
                }
                i = endOfWord(text, i, to);
                afterNumber = isDigit(text.charAt(i - 1));
                afterOperator = false;
                continue;
            }
            if (c == '\\' && startsWithAny(text, i + 1, to, LATEX_COMMANDS)) {
                return true;
            }
            if (!is(c, SPACE)) {
                afterOperator = afterNumber && is(c, OPERATOR);
                afterNumber = false;
            }
            i++;
        }
        return false;
    }

    /** Where the tail of a long prompt is read from: after the word the cut falls in, so no word is read in half. */
    private static int tailStart(CharSequence text) {
        int start = text.length() - TAIL_CHARS;
        return isWordChar(text.charAt(start - 1)) ? endOfWord(text, start - 1, text.length()) : start;
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

    private static boolean isMathWord(CharSequence text, int start, int to) {
        char initial = text.charAt(start);
        String[] candidates = initial < ASCII ? MATH_WORDS_BY_INITIAL[initial] : null;
        if (candidates == null) {
            return false;
        }
        for (String word : candidates) {
            int end = start + word.length();
            if (end <= to && regionEquals(text, start, word, true) && (end == to || !isWordChar(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWithAny(CharSequence text, int start, int to, String[] prefixes) {
        for (String prefix : prefixes) {
            if (start + prefix.length() <= to && regionEquals(text, start, prefix, true)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code word} sits at {@code start} (the caller has checked it fits). With {@code ignoreCase}, an
     * upper-case ASCII letter matches the lower-case one in {@code word} (setting bit 0x20 lowers A-Z).
     */
    private static boolean regionEquals(CharSequence text, int start, String word, boolean ignoreCase) {
        for (int k = 0; k < word.length(); k++) {
            char a = text.charAt(start + k);
            char b = word.charAt(k);
            if (a != b && !(ignoreCase && b >= 'a' && b <= 'z' && (a | LOWER_CASE_BIT) == b)) {
                return false;
            }
        }
        return true;
    }

    private static int endOfWord(CharSequence text, int start, int to) {
        int end = start + 1;
        while (end < to && isWordChar(text.charAt(end))) {
            end++;
        }
        return end;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Letters, digits and '_', as a regular expression's {@code \w} and {@code \b} see them. */
    private static boolean isWordChar(char c) {
        return c < ASCII ? is(c, WORD) : Character.isLetterOrDigit(c);
    }

    /** Whether {@code c} is an ASCII character of {@code kind}. */
    private static boolean is(char c, byte kind) {
        return c < ASCII && (KINDS[c] & kind) != 0;
    }
}

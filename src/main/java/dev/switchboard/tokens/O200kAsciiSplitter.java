package dev.switchboard.tokens;

/**
 * o200k_base's pre-tokenizer for ASCII text, by hand: the pieces its regular expression cuts a text into, at a
 * fraction of the cost (the expression's Unicode classes and backtracking take most of jtokkit's time). Each piece is
 * then byte-pair encoded on its own, so the count is exact. The expression, for reference (tiktoken, as jtokkit 1.1
 * compiles it with {@code UNICODE_CHARACTER_CLASS}); its alternatives are tried in order at each position:
 * <pre>
 * 1 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 2 [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 * 3 \p{N}{1,3}
 * 4 ' '?[^\s\p{L}\p{N}]+[\r\n/]*
 * 5 \s*[\r\n]+
 * 6 \s+(?!\S)
 * 7 \s+
 * </pre>
 * In ASCII, letters are A-Z (upper) and a-z (lower), numbers 0-9, and white space (Unicode's White_Space) is tab,
 * line feed, vertical tab, form feed, carriage return and space. {@code TokenCounterTest} checks it against the
 * expression on random texts.
 */
final class O200kAsciiSplitter {
    private static final char ASCII_END = 0x80;
    /** Digits per number piece (alternative 3). */
    private static final int MAX_DIGITS = 3;

    private O200kAsciiSplitter() {
    }

    /** What {@link #pieceEnd} answers at a character outside ASCII: these pieces do not apply to the text. */
    static final int NOT_ASCII = -1;

    /**
     * Where the piece that starts at {@code i} ends (exclusive), {@code i < n}; {@link #NOT_ASCII} when it starts with a
     * character outside ASCII (pieces before it may then differ from the expression's too: the text is not for here).
     */
    static int pieceEnd(String s, int i, int n) {
        char c = s.charAt(i);
        if (c >= ASCII_END) {
            return NOT_ASCII;
        }
        // 1 and 2: a run of letters, after one character that is neither a letter, a digit nor a line break.
        int start = isLetter(c) ? i : isPrefix(c) && i + 1 < n && isLetter(s.charAt(i + 1)) ? i + 1 : -1;
        if (start >= 0) {
            int upper = start;
            while (upper < n && isUpper(s.charAt(upper))) {
                upper++;
            }
            int lower = upper;
            while (lower < n && isLower(s.charAt(lower))) {
                lower++;
            }
            // 1 takes capitals then small letters; without a small letter after the capitals, 2 takes the capitals alone.
            return contraction(s, lower, n);
        }
        if (isDigit(c)) {
            int end = i + 1;
            while (end < n && end - i < MAX_DIGITS && isDigit(s.charAt(end))) {
                end++;
            }
            return end;
        }
        // 4: punctuation, after one optional space, with the line breaks and slashes that follow it.
        int punctuation = isPunctuation(c) ? i : c == ' ' && i + 1 < n && isPunctuation(s.charAt(i + 1)) ? i + 1 : -1;
        if (punctuation >= 0) {
            int end = punctuation;
            while (end < n && isPunctuation(s.charAt(end))) {
                end++;
            }
            while (end < n && (s.charAt(end) == '\r' || s.charAt(end) == '\n' || s.charAt(end) == '/')) {
                end++;
            }
            return end;
        }
        // Only white space is left at i.
        int run = i;
        int lastBreak = -1;
        while (run < n && isSpace(s.charAt(run))) {
            if (s.charAt(run) == '\r' || s.charAt(run) == '\n') {
                lastBreak = run;
            }
            run++;
        }
        if (lastBreak >= 0) {
            return lastBreak + 1; // 5: white space up to its last line break
        }
        if (run == n || run - i == 1) {
            return run; // 6 at the end of the text, else 7 for a single character
        }
        return run - 1; // 6: all but the last, which goes with what follows
    }

    /** {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)?} at {@code e}: where the piece ends with it. */
    private static int contraction(String s, int e, int n) {
        if (e + 1 >= n || s.charAt(e) != '\'') {
            return e;
        }
        char first = Character.toLowerCase(s.charAt(e + 1));
        if (first == 's' || first == 't' || first == 'm' || first == 'd') {
            return e + 2;
        }
        if (e + 2 < n) {
            char second = Character.toLowerCase(s.charAt(e + 2));
            if ((first == 'r' || first == 'v') && second == 'e' || first == 'l' && second == 'l') {
                return e + 3;
            }
        }
        return e;
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isLetter(char c) {
        return isUpper(c) || isLower(c);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Unicode White_Space in ASCII: tab to carriage return, and space. */
    private static boolean isSpace(char c) {
        return c == ' ' || c >= '\t' && c <= '\r';
    }

    /** {@code [^\r\n\p{L}\p{N}]}: may stand before a word (in ASCII; false beyond, where this splitter stops). */
    private static boolean isPrefix(char c) {
        return c < ASCII_END && c != '\r' && c != '\n' && !isLetter(c) && !isDigit(c);
    }

    /** {@code [^\s\p{L}\p{N}]} in ASCII; false beyond, where this splitter stops. */
    private static boolean isPunctuation(char c) {
        return c < ASCII_END && !isSpace(c) && !isLetter(c) && !isDigit(c);
    }
}

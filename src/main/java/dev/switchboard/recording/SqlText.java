package dev.switchboard.recording;

/**
 * Text as every supported database stores it. PostgreSQL refuses the NUL character (U+0000) in any text column,
 * where HSQLDB keeps it; a caller can put one in a header, a model name or a tag, so it is replaced with U+FFFD
 * before it reaches a row, rather than the whole row being refused.
 */
public final class SqlText {
    private static final char NUL = '\u0000';
    private static final char REPLACEMENT = '\uFFFD';

    private SqlText() {
    }

    public static String storable(String s) {
        return s == null || s.indexOf(NUL) < 0 ? s : s.replace(NUL, REPLACEMENT);
    }
}

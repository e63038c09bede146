package dev.switchboard.routing;

/**
 * A rule file that did not compile: where, and what the compiler said. For a decision table {@code line} is the
 * spreadsheet row, and {@code sheet} and {@code cell} (e.g. {@code E11}) say where the business user looks; both are
 * null for a DRL file.
 */
public record RuleError(String file, int line, String message, String sheet, String cell) {
    public RuleError(String file, int line, String message) {
        this(file, line, message, null, null);
    }

    @Override
    public String toString() {
        String where = cell != null ? " [sheet " + sheet + ", cell " + cell + "]" : sheet != null ? " [sheet " + sheet + "]" : "";
        return file + (line > 0 ? ":" + line : "") + where + ": " + message;
    }
}

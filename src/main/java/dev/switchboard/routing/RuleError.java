package dev.switchboard.routing;

/** A rule file that did not compile: where, and what the compiler said. */
public record RuleError(String file, int line, String message) {
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + message;
    }
}

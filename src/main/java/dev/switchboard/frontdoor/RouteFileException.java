package dev.switchboard.frontdoor;

/** A route file that cannot run, with the line of the mistake (0 when the mistake has no line, e.g. a port in use). */
public final class RouteFileException extends Exception {
    private final String file;
    private final int line;

    RouteFileException(String file, int line, String message) {
        super(message);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** {@code file:line: message}, as an editor jumps to it. */
    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + getMessage();
    }
}

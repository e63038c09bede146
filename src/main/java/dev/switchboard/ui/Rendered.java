package dev.switchboard.ui;

/** A rendered page or fragment and the status it is answered with. */
public record Rendered(int status, String html) {

    public static Rendered ok(String html) {
        return new Rendered(200, html);
    }
}

package dev.switchboard.ui;

import java.util.Map;

/** A rendered page or fragment, the status it is answered with and any htmx headers ({@code HX-Trigger}). */
public record Rendered(int status, String html, Map<String, String> headers) {

    public Rendered(int status, String html) {
        this(status, html, Map.of());
    }

    public static Rendered ok(String html) {
        return new Rendered(200, html);
    }
}

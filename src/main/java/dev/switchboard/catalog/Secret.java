package dev.switchboard.catalog;

/**
 * A provider key. {@link #toString()} masks it so that a key logged or serialised by mistake still shows
 * only {@code sk-...abcd}; {@link #reveal()} is called in exactly one place, when the upstream request's
 * auth header is built.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isBlank() ? null : new Secret(value.trim());
    }

    public String reveal() {
        return value;
    }

    public String masked() {
        return mask(value);
    }

    /** {@code sk-...abcd}: the first three and last four characters, never more than a quarter of the key. */
    public static String mask(String key) {
        if (key == null) {
            return null;
        }
        if (key.length() < 16) {
            return "***";
        }
        return key.substring(0, 3) + "..." + key.substring(key.length() - 4);
    }

    @Override
    public String toString() {
        return masked();
    }
}

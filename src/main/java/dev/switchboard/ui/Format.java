package dev.switchboard.ui;

import java.util.Locale;

/** How numbers read in the templates: dollars, percentages, milliseconds. */
public final class Format {
    private Format() {
    }

    /** US dollars: four decimals below a dollar (requests cost fractions of a cent), else two. */
    public static String usd(double amount) {
        return String.format(Locale.ROOT, Math.abs(amount) < 1 ? "$%.4f" : "$%,.2f", amount);
    }

    public static String percent(double value) {
        return String.format(Locale.ROOT, "%.1f %%", value);
    }

    /** Milliseconds, or a dash when not measured yet (negative). */
    public static String ms(long millis) {
        return millis < 0 ? "—" : millis + " ms";
    }
}

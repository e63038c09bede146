package dev.switchboard.catalog;

import dev.switchboard.api.Usage;

/** US dollars per million tokens. Cached prompt tokens are billed at {@code cachedInput} instead of {@code input}. */
public record Price(double input, double output, double cachedInput) {

    public static final Price FREE = new Price(0, 0, 0);

    public double cost(Usage usage) {
        int cached = Math.min(usage.cachedTokens(), usage.promptTokens());
        double dollars = (usage.promptTokens() - cached) * input + cached * cachedInput + usage.completionTokens() * output;
        return dollars / 1_000_000d;
    }
}

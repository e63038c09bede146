package dev.switchboard.catalog;

import dev.switchboard.api.Usage;

/**
 * US dollars per million tokens. Cached prompt tokens are billed at {@code cachedInput}, tokens written to
 * the cache at {@code cacheWrite}, and each web search at {@code searchPer1k} / 1000.
 */
public record Price(double input, double output, double cachedInput, double cacheWrite, double searchPer1k) {

    public static final Price FREE = new Price(0, 0, 0, 0, 0);

    public Price(double input, double output, double cachedInput) {
        this(input, output, cachedInput, input, 0);
    }

    public double cost(Usage usage) {
        int cached = Math.min(usage.cachedTokens(), usage.promptTokens());
        int written = Math.min(usage.cacheWriteTokens(), usage.promptTokens() - cached);
        double tokens = (usage.promptTokens() - cached - written) * input + cached * cachedInput + written * cacheWrite
                + usage.completionTokens() * output;
        return tokens / 1_000_000d + usage.searchQueries() * searchPer1k / 1000d;
    }
}

package dev.switchboard.routing;

/**
 * How a provider is doing, as rules see it ({@code ProviderStatus(provider == "anthropic", healthy == false)}).
 * Refreshed from live traffic, the breakers and the active probe at most every half second.
 */
public final class ProviderStatus {
    private final String provider;
    private final boolean healthy;
    private final double errorRate;
    private final long latencyP50;
    private final int openBreakers;

    public ProviderStatus(String provider, boolean healthy, double errorRate, long latencyP50, int openBreakers) {
        this.provider = provider;
        this.healthy = healthy;
        this.errorRate = errorRate;
        this.latencyP50 = latencyP50;
        this.openBreakers = openBreakers;
    }

    /** The provider's catalog id ({@code openai}, {@code anthropic}...). */
    public String getProvider() { return provider; }
    /** False when its breakers are open, its recent error rate is 50 % or more, or its probe failed. */
    public boolean isHealthy() { return healthy; }
    /** Failed share of recent calls, 0 to 100 (percent). */
    public double getErrorRate() { return errorRate; }
    /** Median latency of recent successful calls in milliseconds, -1 before the first. */
    public long getLatencyP50() { return latencyP50; }
    /** How many of its models' breakers are open now. */
    public int getOpenBreakers() { return openBreakers; }

    @Override
    public String toString() {
        return "ProviderStatus[" + provider + (healthy ? " healthy" : " unhealthy") + ", errors " + errorRate + "%]";
    }
}

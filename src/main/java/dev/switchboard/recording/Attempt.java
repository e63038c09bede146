package dev.switchboard.recording;

/**
 * One try of one model for a request. {@code outcome} is {@code ok}, a failure class label
 * ({@code timeout}, {@code rate_limit}...), {@code breaker_open} (skipped at once) or {@code disabled}
 * (its provider has no key).
 */
public record Attempt(String model, String provider, String outcome, long latencyMs, int upstreamStatus) {
}

package dev.switchboard.recording;

/**
 * One try of one model for a request. {@code outcome} is {@code ok}, a failure class label
 * ({@code timeout}, {@code rate_limit}...), {@code breaker_open} (skipped at once), {@code disabled} (its
 * provider has no key) or {@code skipped_context} (its window is not larger than one that was too small).
 * {@code waitMs} is the backoff or Retry-After wait spent before this attempt.
 */
public record Attempt(String model, String provider, String outcome, long latencyMs, int upstreamStatus, long waitMs) {

    public Attempt(String model, String provider, String outcome, long latencyMs, int upstreamStatus) {
        this(model, provider, outcome, latencyMs, upstreamStatus, 0);
    }
}

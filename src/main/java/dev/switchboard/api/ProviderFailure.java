package dev.switchboard.api;

import java.time.Duration;
import java.util.Optional;

/**
 * An upstream attempt that failed, already classified. Thrown inside a model's circuit breaker so that the
 * breaker counts it; the message is safe to show a caller (it never holds a key or a request header).
 */
public final class ProviderFailure extends RuntimeException {
    private final FailureClass failureClass;
    private final int upstreamStatus;
    private final Duration retryAfter;

    public ProviderFailure(FailureClass failureClass, int upstreamStatus, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.failureClass = failureClass;
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = retryAfter;
    }

    public ProviderFailure(FailureClass failureClass, String message) {
        this(failureClass, 0, message, null);
    }

    public FailureClass failureClass() {
        return failureClass;
    }

    /** The provider's HTTP status, or 0 when the failure happened below HTTP (connect, timeout, cut). */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

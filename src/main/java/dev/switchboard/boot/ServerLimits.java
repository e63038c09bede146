package dev.switchboard.boot;

import java.time.Duration;

/**
 * What one caller may hold of the gateway: how many data-plane requests run at once, how long a connection
 * may sit silent, and how long a caller may take to send its request. Shared by both HTTP servers.
 *
 * @param maxInFlight        data-plane requests served at once; more are answered 503 at once, never queued
 * @param idleTimeout        a connection with no request in progress, or a stream's caller reading nothing, for this long is cut
 * @param requestReadTimeout a connection must deliver a whole request (headers and body) within this long
 */
public record ServerLimits(int maxInFlight, Duration idleTimeout, Duration requestReadTimeout) {
    /** Between requests only (a request being served is never idle): longer than clients keep pooled connections. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Plenty for a 32 MiB body on a slow link; a slow-loris trickle is cut well before it matters. */
    public static final Duration DEFAULT_REQUEST_READ_TIMEOUT = Duration.ofSeconds(30);

    public ServerLimits {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("SWITCHBOARD_MAX_IN_FLIGHT must be at least 1, got " + maxInFlight);
        }
        if (idleTimeout.toSeconds() < 1 || requestReadTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("SWITCHBOARD_IDLE_TIMEOUT_SECONDS and SWITCHBOARD_REQUEST_READ_TIMEOUT_SECONDS must be at least 1");
        }
    }
}

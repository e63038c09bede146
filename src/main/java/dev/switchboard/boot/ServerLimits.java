package dev.switchboard.boot;

import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.ModelSpec;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one caller may hold of the gateway: how many data-plane requests run at once, how long a connection
 * may sit silent, and how long a caller may take to send its request. Shared by both HTTP servers.
 *
 * @param maxInFlight        data-plane requests served at once; more are answered 503 at once, never queued
 * @param idleTimeout        a connection with no byte either way for this long is closed
 * @param requestReadTimeout a connection must deliver a whole request (headers and body) within this long
 */
public record ServerLimits(int maxInFlight, Duration idleTimeout, Duration requestReadTimeout) {
    /**
     * No byte flows to a caller while its chain is still looking for a first byte: the longest that takes by
     * default is an attempt started just before the chain's deadline that waits its whole first-byte timeout.
     * A catalog that raises either should raise this too.
     */
    public static final Duration DEFAULT_IDLE_TIMEOUT = ChainSpec.DEFAULT_DEADLINE.plus(ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT);
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

    /** The options every HTTP server of the gateway starts with. */
    public HttpServerOptions serverOptions() {
        return new HttpServerOptions().setIdleTimeout((int) idleTimeout.toSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS);
    }
}

package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A model callers can name. {@code upstreamId} is what the provider calls it; {@code defaults} are request
 * parameters applied when the caller leaves them out; {@code fallbacks} is the chain used when no rule names one.
 */
public record ModelSpec(
        String id,
        String provider,
        String upstreamId,
        int contextWindow,
        Price price,
        Set<String> capabilities,
        ObjectNode defaults,
        List<String> fallbacks,
        Duration connectTimeout,
        Duration firstByteTimeout,
        /** The provider's limits for this model (local buckets keep requests under them). */
        RateLimit rateLimit) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Also the idle timeout between stream events: a provider silent this long is treated as hung. */
    public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(60);

    public ModelSpec {
        capabilities = Set.copyOf(capabilities);
        fallbacks = List.copyOf(fallbacks);
    }

    public boolean can(String capability) {
        return capabilities.contains(capability);
    }
}

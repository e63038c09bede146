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
        RateLimit rateLimit,
        /** Where the model is served; one entry (its own provider) unless the catalog lists several. */
        List<Deployment> deployments,
        /** How a request picks among several deployments. */
        Balance balance,
        /** Fine-tune lineage and labels: what the model is, for people and the API. */
        Info info,
        /**
         * Whether its answers may go in the response cache (catalog {@code cache}, default true): false keeps them out
         * whatever an agent's cache setting says, for a model whose answers must be fresh (live data, tools with effects).
         */
        boolean cacheable) {

    /** A fine-tuned model names its base model and training notes; any model may carry tags. */
    public record Info(String baseModel, String trainingNotes, List<String> tags) {
        public static final Info NONE = new Info(null, null, List.of());

        public Info {
            tags = tags == null ? List.of() : List.copyOf(tags);
        }
    }

    /** Load-balancing strategies for a model with several deployments. */
    public enum Balance {
        /** Random, in proportion to each deployment's weight. */
        WEIGHTED,
        /** The deployment with the fewest calls in flight. */
        LEAST_BUSY,
        /** The deployment with the lowest recent median latency. */
        LOWEST_LATENCY
    }

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Also the idle timeout between stream events: a provider silent this long is treated as hung. */
    public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(60);

    /** A model whose answers agents may cache. */
    public ModelSpec(String id, String provider, String upstreamId, int contextWindow, Price price, Set<String> capabilities,
                     ObjectNode defaults, List<String> fallbacks, Duration connectTimeout, Duration firstByteTimeout, RateLimit rateLimit,
                     List<Deployment> deployments, Balance balance, Info info) {
        this(id, provider, upstreamId, contextWindow, price, capabilities, defaults, fallbacks, connectTimeout, firstByteTimeout,
                rateLimit, deployments, balance, info, true);
    }

    public ModelSpec {
        capabilities = Set.copyOf(capabilities);
        fallbacks = List.copyOf(fallbacks);
        deployments = deployments == null || deployments.isEmpty()
                ? List.of(new Deployment(id, provider, upstreamId, 1)) : List.copyOf(deployments);
    }

    /** A model served by its own provider only. */
    public ModelSpec(String id, String provider, String upstreamId, int contextWindow, Price price, Set<String> capabilities,
                     ObjectNode defaults, List<String> fallbacks, Duration connectTimeout, Duration firstByteTimeout, RateLimit rateLimit) {
        this(id, provider, upstreamId, contextWindow, price, capabilities, defaults, fallbacks, connectTimeout, firstByteTimeout,
                rateLimit, List.of(), Balance.WEIGHTED, Info.NONE);
    }

    public boolean can(String capability) {
        return capabilities.contains(capability);
    }
}

package dev.switchboard.catalog;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A fallback chain: the models to try in order, how many attempts (retries and fallbacks together) a request
 * may spend, and which failures move it on. Named by rules ({@code decision.route("gpt-4o", "quality")}); a
 * model's own fallback list is an unnamed chain with the defaults.
 */
public record ChainSpec(
        String id,
        String name,
        String description,
        List<String> models,
        int maxAttempts,
        Set<RetryOn> retryOn,
        boolean preserveContext,
        boolean active,
        Duration deadline,
        /** Context strategies of single steps, by model id: they replace the agent's for that model (see {@link ContextPolicy}). */
        java.util.Map<String, ContextPolicy> context) {

    /** Failures that may move a request on (to a retry or the next model); anything else is answered at once. */
    public enum RetryOn {
        /** No answer in time. */
        TIMEOUT,
        /** The provider (or the local limiter) asked to slow down. */
        RATE_LIMIT,
        /** 5xx, cut or garbage answers, refused keys, models the provider lacks. */
        ERROR,
        /** The prompt was filtered: another provider may answer (off unless the chain says so). */
        CONTENT_FILTER,
        /** The prompt did not fit: skip to a model with a larger context window. */
        CONTEXT_LENGTH;

        /** Catalog spelling: {@code timeout}, {@code rateLimit}, {@code error}, {@code contentFilter}, {@code contextLength}. */
        public static RetryOn parse(String value) {
            return switch (value.toLowerCase(Locale.ROOT).replace("_", "")) {
                case "timeout" -> TIMEOUT;
                case "ratelimit" -> RATE_LIMIT;
                case "error" -> ERROR;
                case "contentfilter" -> CONTENT_FILTER;
                case "contextlength" -> CONTEXT_LENGTH;
                default -> throw new IllegalArgumentException("unknown retry condition '" + value
                        + "', expected timeout, rateLimit, error, contentFilter or contextLength");
            };
        }
    }

    public static final Set<RetryOn> DEFAULT_RETRY_ON = EnumSet.of(RetryOn.TIMEOUT, RetryOn.RATE_LIMIT, RetryOn.ERROR, RetryOn.CONTEXT_LENGTH);
    /** Every model once, plus two retries of the last model when it failed transiently. */
    public static final int EXTRA_ATTEMPTS = 2;
    /** Retries and fallbacks stop when the request has run this long; Retry-After waits must fit inside. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(120);

    /** A chain whose steps all use the agent's context strategy. */
    public ChainSpec(String id, String name, String description, List<String> models, int maxAttempts, Set<RetryOn> retryOn,
                     boolean preserveContext, boolean active, Duration deadline) {
        this(id, name, description, models, maxAttempts, retryOn, preserveContext, active, deadline, java.util.Map.of());
    }

    public ChainSpec {
        context = context == null ? java.util.Map.of() : java.util.Map.copyOf(context);
        models = List.copyOf(models);
        retryOn = retryOn.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(retryOn));
    }

    /** A model's own fallback list as a chain with the defaults and {@code retries} extra attempts. */
    public static ChainSpec implicit(String model, List<String> fallbacks, int retries) {
        List<String> models = new java.util.ArrayList<>();
        models.add(model);
        fallbacks.stream().filter(m -> !m.equals(model)).forEach(models::add);
        return new ChainSpec(null, null, null, models, models.size() + retries, DEFAULT_RETRY_ON, true, true, DEFAULT_DEADLINE);
    }

    /** The same chain starting with {@code first} (a rule may name a model outside the chain to try first). */
    public ChainSpec startingWith(String first) {
        List<String> ordered = new java.util.ArrayList<>();
        ordered.add(first);
        models.stream().filter(m -> !m.equals(first)).forEach(ordered::add);
        int attempts = models.contains(first) ? maxAttempts : maxAttempts + 1;
        return new ChainSpec(id, name, description, ordered, attempts, retryOn, preserveContext, active, deadline, context);
    }

    public boolean retries(RetryOn condition) {
        return retryOn.contains(condition);
    }
}

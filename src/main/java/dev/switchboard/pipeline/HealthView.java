package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.resilience.ModelHealth;
import dev.switchboard.routing.ProviderStatus;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Providers' and models' health put together from the breakers and {@link ModelHealth}: the
 * {@link ProviderStatus} facts rules match on (cached for half a second, so rules cost no more per request)
 * and the body of {@code GET /admin/api/providers/status}.
 */
public final class HealthView {
    private static final long CACHE_NANOS = 500_000_000L;
    /** Below this many recent calls an error rate says nothing. */
    private static final int MIN_CALLS_FOR_RATE = 5;

    private final Supplier<Catalog> catalog;
    private final BreakerRegistry breakers;
    private final ModelHealth health;
    private volatile List<ProviderStatus> cached = List.of();
    private volatile long cachedAt;

    public HealthView(Supplier<Catalog> catalog, BreakerRegistry breakers, ModelHealth health) {
        this.catalog = catalog;
        this.breakers = breakers;
        this.health = health;
    }

    /** One fact per enabled provider. */
    public List<ProviderStatus> providerStatuses() {
        long now = System.nanoTime();
        if (now - cachedAt > CACHE_NANOS) {
            cached = compute();
            cachedAt = now;
        }
        return cached;
    }

    private List<ProviderStatus> compute() {
        Catalog cat = catalog.get();
        List<ProviderStatus> statuses = new ArrayList<>();
        for (ProviderSpec p : cat.providers()) {
            if (!p.enabled()) {
                continue;
            }
            long calls = 0;
            long failed = 0;
            int open = 0;
            List<Long> p50s = new ArrayList<>();
            for (String key : keysOf(cat, p)) {
                CircuitBreaker.Metrics m = breakers.breaker(key).getMetrics();
                calls += m.getNumberOfBufferedCalls();
                failed += m.getNumberOfFailedCalls();
                if (breakers.breaker(key).getState() == CircuitBreaker.State.OPEN) {
                    open++;
                }
                health.snapshot(key).filter(s -> s.latencyP50Ms() >= 0).ifPresent(s -> p50s.add(s.latencyP50Ms()));
            }
            double errorRate = calls < MIN_CALLS_FOR_RATE ? 0 : 100.0 * failed / calls;
            long p50 = p50s.isEmpty() ? -1 : p50s.stream().sorted().toList().get(p50s.size() / 2);
            statuses.add(new ProviderStatus(p.id(), open == 0 && errorRate < 50 && !probeFailed(p), errorRate, p50, open));
        }
        return List.copyOf(statuses);
    }

    /** The active probe records on the provider's ad-hoc key: its last word counts when it was a failure. */
    private boolean probeFailed(ProviderSpec p) {
        return health.snapshot(PipelineRoutes.adHocKey(p.id()))
                .map(s -> s.lastErrorAt() != null && s.lastErrorAt().equals(s.lastSeen())).orElse(false);
    }

    /**
     * The breaker keys of a provider's catalog models. Ad-hoc models are left out of the provider's health:
     * any caller can name one that fails, and that must not mark the provider unhealthy for everyone.
     */
    private static List<String> keysOf(Catalog cat, ProviderSpec p) {
        List<String> keys = new ArrayList<>();
        for (ModelSpec m : cat.models()) {
            for (dev.switchboard.catalog.Deployment d : m.deployments()) {
                if (cat.providerFor(d).id().equals(p.id())) {
                    keys.add(d.key());
                }
            }
        }
        return keys;
    }

    /**
     * The status API's body: every provider and catalog model with breaker, failure rate, last error, latency and
     * headroom; per provider, the ad-hoc models whose breaker is not closed; and how many models' state is
     * remembered against the bound.
     */
    public ObjectNode statusJson() {
        Catalog cat = catalog.get();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Map<String, CircuitBreaker> adHoc = breakers.adHocBreakers();
        body.putObject("trackedModels").put("adHocBreakers", adHoc.size()).put("healthEntries", health.size())
                .put("limit", breakers.adHocLimit());
        ArrayNode providers = body.putArray("providers");
        List<ProviderStatus> statuses = compute();
        for (ProviderSpec p : cat.providers()) {
            ObjectNode item = providers.addObject();
            item.put("id", p.id()).put("type", p.type()).put("enabled", p.enabled()).put("probeFailed", probeFailed(p));
            statuses.stream().filter(s -> s.getProvider().equals(p.id())).findFirst().ifPresent(s ->
                    item.put("healthy", s.isHealthy()).put("errorRate", s.getErrorRate()).put("latencyP50Ms", s.getLatencyP50()));
            ArrayNode models = item.putArray("models");
            for (String key : keysOf(cat, p)) {
                addModel(models, key, breakers.breaker(key));
            }
            ArrayNode troubled = item.putArray("adHocModels");
            adHoc.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(p.id() + "/") && e.getValue().getState() != CircuitBreaker.State.CLOSED)
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> addModel(troubled, e.getKey(), e.getValue()));
        }
        return body;
    }

    private void addModel(ArrayNode models, String key, CircuitBreaker cb) {
        ObjectNode m = models.addObject();
        m.put("id", key).put("breaker", cb.getState().name())
                .put("failureRate", Math.max(0, cb.getMetrics().getFailureRate()))
                .put("reopensInMs", breakers.untilReopen(key).toMillis());
        health.snapshot(key).ifPresent(s -> m.put("lastError", s.lastError())
                .put("lastErrorAt", s.lastErrorAt() == null ? null : s.lastErrorAt().toString())
                .put("latencyP50Ms", s.latencyP50Ms()).put("latencyP95Ms", s.latencyP95Ms())
                .put("rateLimitRemaining", s.remainingRequests())
                .put("successes", s.successes()).put("failures", s.failures()));
    }
}

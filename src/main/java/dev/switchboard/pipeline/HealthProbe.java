package dev.switchboard.pipeline;

import dev.switchboard.api.ProviderFailure;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.catalog.Secret;
import dev.switchboard.providers.Adapters;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.UpstreamRequest;
import dev.switchboard.resilience.ModelHealth;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active half of the health monitor: a provider that served no traffic for a probe interval gets its
 * cheap models call, so rules and the status API know it is down before a caller finds out. Providers busy
 * with traffic are not probed: their calls already say how they are.
 */
final class HealthProbe {
    private static final Logger LOG = LoggerFactory.getLogger(HealthProbe.class);
    private static final String ENDPOINT = "http://health-probe?throwExceptionOnFailure=false&connectTimeout=5000&responseTimeout=10000&soTimeout=10000";

    private final Supplier<Catalog> catalog;
    private final Adapters adapters;
    private final ModelHealth health;
    private final Duration interval;

    HealthProbe(Supplier<Catalog> catalog, Adapters adapters, ModelHealth health, Duration interval) {
        this.catalog = catalog;
        this.adapters = adapters;
        this.health = health;
        this.interval = interval;
    }

    Duration interval() {
        return interval;
    }

    void probeIdleProviders(ProducerTemplate producer) {
        Catalog cat = catalog.get();
        Instant idleSince = Instant.now().minus(interval);
        for (ProviderSpec p : cat.providers()) {
            if (p.enabled() && !p.id().equals(ProviderSpec.SIMULATOR) && idle(cat, p, idleSince)) {
                probe(producer, p);
            }
        }
    }

    private boolean idle(Catalog cat, ProviderSpec p, Instant idleSince) {
        for (ModelSpec m : cat.models()) {
            if (m.provider().equals(p.id()) && health.lastSeen(m.id()).filter(t -> t.isAfter(idleSince)).isPresent()) {
                return false;
            }
        }
        return health.lastSeen(PipelineRoutes.adHocKey(p.id())).filter(t -> t.isAfter(idleSince)).isEmpty();
    }

    private void probe(ProducerTemplate producer, ProviderSpec p) {
        String key = PipelineRoutes.adHocKey(p.id());
        ProviderAdapter adapter = adapters.forType(p.type());
        Secret secret = p.apiKey();
        UpstreamRequest request = adapter.toModelsRequest(new ProviderAdapter.Credentials(p.baseUrl(), secret == null ? null : secret.reveal()));
        long start = System.nanoTime();
        Exchange result = producer.send(ENDPOINT, ex -> {
            request.headers().forEach(ex.getMessage()::setHeader);
            ex.getMessage().setHeader(Exchange.HTTP_METHOD, request.method());
            ex.getMessage().setHeader(Exchange.HTTP_URI, request.url());
        });
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (result.getException() != null) {
            health.failure(key, FallbackStage.classify(result.getException()).failureClass().label());
            LOG.warn("Health probe: provider {} unreachable ({})", p.id(), result.getException().getClass().getSimpleName());
            return;
        }
        int status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        byte[] body = result.getMessage().getBody(byte[].class);
        if (status >= 200 && status < 300) {
            health.success(key, millis);
            return;
        }
        ProviderFailure failure = adapter.classify(status, n -> result.getMessage().getHeader(n, String.class), body == null ? new byte[0] : body);
        if (failure.failureClass() == dev.switchboard.api.FailureClass.NOT_FOUND) {
            health.success(key, millis); // no listing endpoint, but the provider answered and took the key
        } else {
            health.failure(key, failure.failureClass().label());
            LOG.warn("Health probe: provider {} answered {} ({})", p.id(), status, failure.failureClass().label());
        }
    }
}

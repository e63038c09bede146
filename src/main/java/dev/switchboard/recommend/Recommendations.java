package dev.switchboard.recommend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.recording.Jdbc;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.ModelTraffic;
import dev.switchboard.routing.ModelStats;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimisation recommendations as the management API serves them: the {@link Advisor}'s findings of the last
 * refresh (after each quality-score refresh, and on demand), each with the state an editor gave it (open, applied,
 * dismissed; kept in {@link RecommendationStore}), and the preview of what a recommendation would change.
 */
public final class Recommendations {
    private static final Logger LOG = LoggerFactory.getLogger(Recommendations.class);
    public static final String OPEN = "open";
    public static final String APPLIED = "applied";
    public static final String DISMISSED = "dismissed";
    private static final List<String> STATES = List.of(OPEN, APPLIED, DISMISSED);
    /** Recorded requests a preview looks at when the caller does not say. */
    public static final int DEFAULT_PREVIEW_LAST = 100;

    private final Advisor advisor;
    private final RecommendationStore store;
    private final Preview preview;
    private final Supplier<Catalog> catalog;
    private final Supplier<Collection<AgentSpec>> agents;
    private final Supplier<List<ModelStats>> quality;
    private final Clock clock;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(new Snapshot(null, Map.of()));

    private record Snapshot(Instant computedAt, Map<String, Recommendation> findings) {
    }

    public Recommendations(ProducerTemplate producer, String dataSourceName, Supplier<Catalog> catalog, Supplier<Collection<AgentSpec>> agents,
                           Supplier<List<ModelStats>> quality, Clock clock) {
        Jdbc jdbc = new Jdbc(producer, dataSourceName);
        this.advisor = new Advisor(jdbc, new ModelTraffic(producer, dataSourceName));
        this.store = new RecommendationStore(producer, dataSourceName);
        this.preview = new Preview(jdbc);
        this.catalog = catalog;
        this.agents = agents;
        this.quality = quality;
        this.clock = clock;
    }

    /** Recomputes the findings; on a database failure the last ones keep serving (timer work: never throws). */
    public void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("Recommendations not refreshed ({}); the previous ones keep serving", e.getMessage());
        }
    }

    /** Recomputes the findings now. */
    public synchronized ObjectNode refresh() {
        Instant now = clock.instant();
        Map<String, Recommendation> found = new LinkedHashMap<>();
        advisor.find(new Advisor.Inputs(now, catalog.get(), agents.get(), quality.get())).forEach(r -> found.put(r.id(), r));
        current.set(new Snapshot(now, found));
        return JsonNodeFactory.instance.objectNode().put("computedAt", now.toString()).put("found", found.size());
    }

    /**
     * {@code GET /admin/api/recommendations}: the current findings with their states, then those acted on that are no
     * longer found; {@code state} and {@code kind} filter (null: all).
     */
    public ObjectNode list(String state, String kind) {
        if (state != null && !STATES.contains(state)) {
            throw GatewayError.badRequest("state", "'state' is one of " + STATES + ", got '" + state + "'");
        }
        if (kind != null && java.util.Arrays.stream(Recommendation.Kind.values()).noneMatch(k -> k.label.equals(kind))) {
            throw GatewayError.badRequest("kind", "'kind' is one of cheaper_model, chain_order, max_tokens, budget; got '" + kind + "'");
        }
        Snapshot s = current.get();
        Map<String, RecommendationStore.Stored> stored = store.all();
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list")
                .put("computedAt", s.computedAt() == null ? null : s.computedAt().toString());
        body.set("minimums", minimums());
        ArrayNode data = body.putArray("data");
        for (Recommendation r : s.findings().values()) {
            ObjectNode item = withState(r.json(OPEN), stored.get(r.id()));
            if (matches(item, state, kind)) {
                data.add(item);
            }
        }
        for (RecommendationStore.Stored st : stored.values()) {
            if (!s.findings().containsKey(st.id()) && st.detail() != null) {
                ObjectNode item = withState((ObjectNode) Json.parseOrNull(st.detail().getBytes(java.nio.charset.StandardCharsets.UTF_8)), st);
                item.put("current", false);
                if (matches(item, state, kind)) {
                    data.add(item);
                }
            }
        }
        return body;
    }

    /** One recommendation: a current finding, or one acted on earlier; 404 otherwise. */
    public ObjectNode get(String id) {
        RecommendationStore.Stored st = store.all().get(id);
        Recommendation r = current.get().findings().get(id);
        if (r != null) {
            return withState(r.json(OPEN), st);
        }
        if (st != null && st.detail() != null) {
            return withState((ObjectNode) Json.parseOrNull(st.detail().getBytes(java.nio.charset.StandardCharsets.UTF_8)), st).put("current", false);
        }
        throw notFound(id);
    }

    /** The requests among the last {@code last} recorded ones that the recommendation would change, and how. */
    public ObjectNode preview(String id, int last) {
        Recommendation r = current.get().findings().get(id);
        if (r == null) {
            throw notFound(id);
        }
        return preview.of(r, last, catalog.get(), quality.get());
    }

    /** A current, open recommendation with something to apply; refused with 404 or 409 otherwise. */
    public Recommendation applicable(String id) {
        Recommendation r = current.get().findings().get(id);
        if (r == null) {
            throw notFound(id);
        }
        RecommendationStore.Stored st = store.all().get(id);
        if (st != null) {
            throw conflict("Recommendation " + id + " is " + st.state() + " (by " + st.actor() + " at " + st.changedAt() + ")");
        }
        if (r.action().type() == Recommendation.Action.Type.NONE) {
            throw conflict("Recommendation " + id + " is information only: there is nothing to apply");
        }
        return r;
    }

    /** Records that {@code r} was applied: to {@code target} ("rules" or "catalog"), as {@code version}, after {@code previous}. */
    public ObjectNode applied(Recommendation r, String actor, String target, Integer version, Integer previous) {
        ObjectNode detail = r.json(APPLIED);
        store.save(new RecommendationStore.Stored(r.id(), r.kind().label, APPLIED, detail.toString(), actor, clock.instant(), target, version, previous));
        return get(r.id());
    }

    /** Dismisses a current or stored recommendation; it stays dismissed while its finding recurs (same id). */
    public ObjectNode dismiss(String id, String actor) {
        Recommendation r = current.get().findings().get(id);
        RecommendationStore.Stored st = store.all().get(id);
        if (r == null && st == null) {
            throw notFound(id);
        }
        if (st != null && st.state().equals(APPLIED)) {
            throw conflict("Recommendation " + id + " was applied; roll its change back through the version history instead");
        }
        String detail = r != null ? r.json(DISMISSED).toString() : st.detail();
        store.save(new RecommendationStore.Stored(id, r != null ? r.kind().label : st.kind(), DISMISSED, detail, actor, clock.instant(), null, null, null));
        return get(id);
    }

    private static ObjectNode withState(ObjectNode item, RecommendationStore.Stored st) {
        if (st == null) {
            return item.put("state", OPEN);
        }
        item.put("state", st.state()).put("changedBy", st.actor()).put("changedAt", st.changedAt().toString());
        if (st.appliedTo() != null) {
            item.putObject("applied").put("to", st.appliedTo()).put("version", st.appliedVersion()).put("previousVersion", st.previousVersion());
        }
        return item;
    }

    private static boolean matches(JsonNode item, String state, String kind) {
        return (state == null || state.equals(item.path("state").asText())) && (kind == null || kind.equals(item.path("kind").asText()));
    }

    /** The thresholds a finding must meet, so a reader knows why something is not recommended. */
    private static ObjectNode minimums() {
        return JsonNodeFactory.instance.objectNode().put("windowDays", Advisor.WINDOW.toDays()).put("minRequests", Advisor.MIN_REQUESTS)
                .put("minQualitySamples", Advisor.MIN_QUALITY_SAMPLES).put("qualityMargin", Advisor.QUALITY_MARGIN)
                .put("minSavingShare", Advisor.MIN_SAVING_SHARE).put("failureRateLimit", Advisor.FAILURE_RATE_LIMIT)
                .put("latencyFactor", Advisor.LATENCY_FACTOR).put("maxTokensFactor", Advisor.MAX_TOKENS_FACTOR)
                .put("minMonthShare", Advisor.MIN_MONTH_SHARE);
    }

    private static GatewayError notFound(String id) {
        return new GatewayError(404, "invalid_request_error", "not_found", "id", "No recommendation '" + id.substring(0, Math.min(id.length(), 80))
                + "' (the list is recomputed from the data; GET /admin/api/recommendations shows it)");
    }

    private static GatewayError conflict(String message) {
        return new GatewayError(409, "invalid_request_error", "conflict", "id", message);
    }
}

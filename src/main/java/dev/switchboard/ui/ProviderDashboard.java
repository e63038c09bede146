package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Provider Dashboard's view, put together from five API answers: providers, their status (breakers,
 * latency, headroom), today's and this month's costs per provider and the last hours' usage per provider
 * (availability). Usage and costs come from the analytics reports, which read the rollups: one grouped query
 * each, whatever the number of requests.
 */
public final class ProviderDashboard {
    /** Hours of availability shown. */
    static final int AVAILABILITY_HOURS = 12;
    /** An hour with traffic shows as a point, even alone between hours without. */
    private static final int SYMBOL_SIZE_PX = 7;

    public record ModelHealth(String id, String breaker, double failureRate, long p50Ms, long p95Ms, String rateLimitRemaining,
                              long reopensInMs, String lastError) {
        /** Seconds until an open breaker lets a trial call through; 0 when it is not open. */
        public long reopensInSeconds() {
            return (reopensInMs + 999) / 1000;
        }
    }

    public record Money(long requests, double costUsd) {
        static final Money NONE = new Money(0, 0);
    }

    public record Provider(String id, String type, String baseUrl, String key, boolean enabled, String disabledReason,
                           String health, double errorRate, List<ModelHealth> models, Money today, Money month) {
    }

    private ProviderDashboard() {
    }

    static List<Provider> providers(JsonNode providers, JsonNode status, JsonNode today, JsonNode month) {
        Map<String, JsonNode> statusById = new HashMap<>();
        status.path("providers").forEach(p -> statusById.put(p.path("id").asText(), p));
        Map<String, Money> todayBy = money(today);
        Map<String, Money> monthBy = money(month);
        List<Provider> out = new ArrayList<>();
        for (JsonNode p : providers.path("providers")) {
            String id = p.path("id").asText();
            JsonNode s = statusById.getOrDefault(id, JsonNodeFactory.instance.objectNode());
            List<ModelHealth> models = new ArrayList<>();
            for (JsonNode m : s.path("models")) {
                models.add(model(m));
            }
            s.path("adHocModels").forEach(m -> models.add(model(m)));
            String health = !p.path("enabled").asBoolean() ? "disabled" : !s.has("healthy") ? "unknown"
                    : s.path("healthy").asBoolean() ? "healthy" : "unhealthy";
            out.add(new Provider(id, p.path("type").asText(), p.path("baseUrl").asText(""), p.path("key").asText(null),
                    p.path("enabled").asBoolean(), p.path("disabledReason").asText(null), health, s.path("errorRate").asDouble(0), models,
                    todayBy.getOrDefault(id, Money.NONE), monthBy.getOrDefault(id, Money.NONE)));
        }
        return out;
    }

    private static ModelHealth model(JsonNode m) {
        JsonNode headroom = m.path("rateLimitRemaining");
        return new ModelHealth(m.path("id").asText(), m.path("breaker").asText("CLOSED"), m.path("failureRate").asDouble(0),
                m.path("latencyP50Ms").asLong(-1), m.path("latencyP95Ms").asLong(-1),
                headroom.isNumber() && headroom.asLong() >= 0 ? headroom.asText() : "—", m.path("reopensInMs").asLong(0),
                m.path("lastError").asText(null));
    }

    private static Map<String, Money> money(JsonNode costs) {
        Map<String, Money> by = new HashMap<>();
        for (JsonNode row : costs.path("data")) {
            by.put(row.path("provider").asText(), new Money(row.path("requests").asLong(), row.path("costUsd").asDouble()));
        }
        return by;
    }

    /** The first hour shown in the availability chart. */
    static Instant availabilityFrom(Instant now) {
        return now.truncatedTo(ChronoUnit.HOURS).minus(AVAILABILITY_HOURS - 1, ChronoUnit.HOURS);
    }

    /**
     * An ECharts option: per provider, the share of answered requests each hour (no point where there were none),
     * from the hourly usage rows ({@code bucket}, {@code provider}, {@code requests}, {@code errors}).
     */
    static ObjectNode availabilityChart(JsonNode usage, Instant from) {
        List<String> hours = new ArrayList<>();
        for (int h = 0; h < AVAILABILITY_HOURS; h++) {
            hours.add(from.plus(h, ChronoUnit.HOURS).toString());
        }
        Map<String, Double[]> byProvider = new LinkedHashMap<>();
        for (JsonNode row : usage.path("data")) {
            int at = hours.indexOf(row.path("bucket").asText());
            long requests = row.path("requests").asLong();
            if (at < 0 || requests == 0) {
                continue;
            }
            byProvider.computeIfAbsent(row.path("provider").asText(), k -> new Double[AVAILABILITY_HOURS])[at] =
                    Math.round(1000.0 * (requests - row.path("errors").asLong()) / requests) / 10.0;
        }
        ObjectNode option = JsonNodeFactory.instance.objectNode();
        option.putObject("tooltip").put("trigger", "axis");
        option.putObject("legend").put("top", 0);
        option.putObject("grid").put("left", 40).put("right", 16).put("top", 32).put("bottom", 24);
        ArrayNode labels = option.putObject("xAxis").put("type", "category").putArray("data");
        hours.forEach(h -> labels.add(h.substring(11, 16)));
        option.putObject("yAxis").put("type", "value").put("min", 0).put("max", 100).put("name", "% answered");
        ArrayNode series = option.putArray("series");
        byProvider.forEach((provider, values) -> {
            ArrayNode data = series.addObject().put("name", provider).put("type", "line").put("connectNulls", false)
                    .put("showSymbol", true).put("symbolSize", SYMBOL_SIZE_PX).putArray("data");
            for (Double v : values) {
                if (v == null) {
                    data.addNull();
                } else {
                    data.add(v);
                }
            }
        });
        return option;
    }
}

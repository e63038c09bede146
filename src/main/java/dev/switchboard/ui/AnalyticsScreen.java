package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Performance Analytics: usage over time, response-time percentiles and cost per provider, model or agent, the cost
 * breakdown with this month's projection, fallback events and quality, all from {@code /admin/api/analytics/...} (the
 * rollups: one call per report, however many requests), drawn with ECharts; and the optimisation recommendations with
 * preview, apply and dismiss ({@code /admin/api/recommendations}).
 */
final class AnalyticsScreen implements UiScreen {
    private static final String ANALYTICS = "/admin/api/analytics/";
    private static final String RECOMMENDATIONS = "/admin/api/recommendations";
    /** The dimensions the screen groups by: analytics' own parameter names. */
    private static final Set<String> GROUPS = Set.of("provider", "model", "agent");
    /** Lines drawn in the usage chart at most (the busiest groups); the rest are in the tables. */
    private static final int MAX_SERIES = 8;
    /** Recorded requests a recommendation's preview goes over. */
    private static final int PREVIEW_LAST = 100;

    /** A time range the screen offers: its length and the bucket its usage chart is drawn in. */
    private enum Range {
        DAY("24h", Duration.ofHours(24), "hour", ChronoUnit.HOURS),
        WEEK("7d", Duration.ofDays(7), "day", ChronoUnit.DAYS),
        MONTH("30d", Duration.ofDays(30), "day", ChronoUnit.DAYS);

        final String label;
        final Duration length;
        final String bucket;
        final ChronoUnit unit;

        Range(String label, Duration length, String bucket, ChronoUnit unit) {
            this.label = label;
            this.length = length;
            this.bucket = bucket;
            this.unit = unit;
        }

        static Range of(String label) {
            for (Range r : values()) {
                if (r.label.equals(label)) {
                    return r;
                }
            }
            return WEEK;
        }

        /** The analytics query of this range ending with the current hour or day (whole ones: the rollups' periods). */
        String query(Instant now) {
            Instant to = now.truncatedTo(unit).plus(1, unit);
            return "from=" + to.minus(length) + "&to=" + to;
        }
    }

    @Override
    public void register(ManagementUi ui) {
        ui.get("analytics", this::reports);
        ui.get("analytics/recommendations", this::recommendations);
        ui.post("analytics/recommendations/:id/:verb", this::act);
    }

    private Future<Rendered> reports(UiCall call) {
        Range range = Range.of(call.query("range"));
        String asked = call.query("by");
        String by = asked != null && GROUPS.contains(asked) ? asked : "model";
        String period = range.query(Instant.now());
        return Future.all(List.of(
                call.get(ANALYTICS + "usage?" + period + "&bucket=" + range.bucket + "&groupBy=" + by + "&limit=1000"),
                call.get(ANALYTICS + "latency?" + period + "&bucket=none&groupBy=" + by + "&limit=100"),
                call.get(ANALYTICS + "costs?" + period + "&bucket=none&groupBy=" + by + "&limit=100"),
                call.get(ANALYTICS + "fallbacks?" + period + "&bucket=none&limit=100"),
                call.get(ANALYTICS + "quality"))).map(all -> {
                    for (int i = 0; i < all.size(); i++) {
                        ApiAnswer a = all.resultAt(i);
                        if (!a.ok()) {
                            return call.refused(a);
                        }
                    }
                    JsonNode usage = ((ApiAnswer) all.resultAt(0)).json().path("data");
                    JsonNode latency = ((ApiAnswer) all.resultAt(1)).json().path("data");
                    JsonNode costs = ((ApiAnswer) all.resultAt(2)).json();
                    Map<String, Object> params = new HashMap<>();
                    params.put("range", range.label);
                    params.put("by", by);
                    params.put("totals", totals(usage));
                    params.put("usageChart", usageChart(usage, by));
                    params.put("usageCut", ((ApiAnswer) all.resultAt(0)).json().path("hasMore").asBoolean());
                    params.put("latencyChart", latencyChart(latency, by));
                    params.put("costChart", costChart(costs.path("data"), by));
                    params.put("latency", latency);
                    params.put("costs", costs);
                    params.put("fallbacks", ((ApiAnswer) all.resultAt(3)).json().path("data"));
                    params.put("quality", ((ApiAnswer) all.resultAt(4)).json().path("data"));
                    return call.render("analytics/reports.jte", params);
                });
    }

    private static Map<String, Long> totals(JsonNode usage) {
        Map<String, Long> totals = new LinkedHashMap<>();
        for (String k : List.of("requests", "errors", "fallbackRequests", "totalTokens")) {
            long sum = 0;
            for (JsonNode row : usage) {
                sum += row.path(k).asLong();
            }
            totals.put(k, sum);
        }
        return totals;
    }

    /** Requests per bucket, one line per group (the busiest {@value #MAX_SERIES}). */
    static String usageChart(JsonNode rows, String by) {
        TreeSet<String> buckets = new TreeSet<>();
        Map<String, Long> volume = new HashMap<>();
        Map<String, Map<String, Long>> byGroup = new HashMap<>();
        for (JsonNode row : rows) {
            String bucket = row.path("bucket").asText();
            String group = row.path(by).asText("(none)");
            long requests = row.path("requests").asLong();
            buckets.add(bucket);
            volume.merge(group, requests, Long::sum);
            byGroup.computeIfAbsent(group, g -> new HashMap<>()).merge(bucket, requests, Long::sum);
        }
        List<String> groups = volume.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(MAX_SERIES).map(Map.Entry::getKey).toList();
        ObjectNode option = base("Requests by " + by);
        option.putObject("xAxis").put("type", "category").set("data", strings(buckets.stream().map(AnalyticsScreen::shortTime).toList()));
        option.putObject("yAxis").put("type", "value");
        ArrayNode series = option.putArray("series");
        for (String g : groups) {
            ArrayNode data = series.addObject().put("name", g).put("type", "line").put("smooth", true).putArray("data");
            buckets.forEach(b -> data.add(byGroup.get(g).getOrDefault(b, 0L)));
        }
        option.putObject("legend").put("top", 24).set("data", strings(groups));
        return option.toString();
    }

    /** p50 / p95 / p99 latency and p95 time to first token per group. */
    static String latencyChart(JsonNode rows, String by) {
        ObjectNode option = base("Response time by " + by + " (ms)");
        List<String> groups = new ArrayList<>();
        rows.forEach(r -> groups.add(r.path(by).asText("(none)")));
        option.putObject("xAxis").put("type", "category").set("data", strings(groups));
        option.putObject("yAxis").put("type", "value").put("name", "ms");
        ArrayNode series = option.putArray("series");
        List<String> names = List.of("latencyP50Ms", "latencyP95Ms", "latencyP99Ms", "ttftP95Ms");
        for (String k : names) {
            ArrayNode data = series.addObject().put("name", k.replace("Ms", "")).put("type", "bar").putArray("data");
            rows.forEach(r -> data.add(r.path(k).isNumber() ? r.path(k).asLong() : 0));
        }
        option.putObject("legend").put("top", 24).set("data", strings(names.stream().map(n -> n.replace("Ms", "")).toList()));
        return option.toString();
    }

    /** The period's cost per group as a pie. */
    static String costChart(JsonNode rows, String by) {
        ObjectNode option = base("Cost by " + by + " (USD)");
        ObjectNode pie = option.putArray("series").addObject().put("type", "pie").put("radius", "60%");
        ArrayNode data = pie.putArray("data");
        rows.forEach(r -> data.addObject().put("name", r.path(by).asText("(none)")).put("value", Math.round(r.path("costUsd").asDouble() * 1e6) / 1e6));
        option.with("tooltip").put("trigger", "item");
        return option.toString();
    }

    private static ObjectNode base(String title) {
        // No animation: a refreshed chart is read at once, and a screenshot shows the data, not a frame of a transition.
        ObjectNode option = JsonNodeFactory.instance.objectNode().put("animation", false);
        option.putObject("title").put("text", title);
        option.putObject("tooltip").put("trigger", "axis");
        option.putObject("grid").put("top", 60).put("left", 50).put("right", 20);
        return option;
    }

    private static ArrayNode strings(Iterable<String> values) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        values.forEach(out::add);
        return out;
    }

    /** {@code 2026-11-25T13:00:00Z} → {@code 11-25 13:00}: axis labels stay short. */
    private static String shortTime(String iso) {
        return iso.length() >= 16 ? iso.substring(5, 10) + " " + iso.substring(11, 16) : iso;
    }

    private Future<Rendered> recommendations(UiCall call) {
        return call.get(RECOMMENDATIONS + "?state=open").map(a -> {
            if (a.status() == 404) {
                return call.render("analytics/recommendations.jte", Map.of("list", JsonNodeFactory.instance.arrayNode(), "available", false,
                        "notice", ""));
            }
            return a.ok() ? call.render("analytics/recommendations.jte", Map.of("list", a.json().path("data"), "available", true, "notice", ""))
                    : call.refused(a);
        });
    }

    /** Preview (any role), apply or dismiss (editor) one recommendation. */
    private Future<Rendered> act(UiCall call) {
        String verb = call.pathParam("verb");
        String id = call.pathParam("id");
        if (!Set.of("preview", "apply", "dismiss").contains(verb)) {
            return Future.succeededFuture(call.render(404, "partials/error.jte", Map.of("message", "No such action")));
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (verb.equals("preview")) {
            body.put("last", PREVIEW_LAST);
        }
        return call.post(RECOMMENDATIONS + "/" + UiCall.encode(id) + "/" + verb, body).compose(a -> {
            if (!a.ok()) {
                return Future.succeededFuture(call.refused(a));
            }
            if (verb.equals("preview")) {
                return Future.succeededFuture(call.render("analytics/preview.jte", Map.of("p", a.json())));
            }
            String notice = verb.equals("apply") ? "Applied " + id + a.json().path("rollback").asText("").transform(r -> r.isEmpty() ? "" : "; undo: " + r)
                    : "Dismissed " + id;
            return call.get(RECOMMENDATIONS + "?state=open").map(list -> call.render("analytics/recommendations.jte",
                    Map.of("list", list.json().path("data"), "available", true, "notice", notice)));
        });
    }
}

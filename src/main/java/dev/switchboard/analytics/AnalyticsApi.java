package dev.switchboard.analytics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.GatewayError;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.SqlDialect;
import dev.switchboard.recording.Jdbc;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /admin/api/analytics/{usage,latency,costs,fallbacks}} on the management port: any management token
 * (viewer and up) may read them. Parameters are checked by {@link AnalyticsQuery}; answers are JSON pages, or CSV
 * with {@code format=csv}. Reads run on worker threads.
 */
public final class AnalyticsApi {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsApi.class);
    private static final List<String> REPORTS = List.of("usage", "latency", "costs", "fallbacks");

    private final RollupReports rollups;
    private final FallbackReport fallbacks;
    private final Clock clock;

    public AnalyticsApi(ProducerTemplate producer, String dataSourceName, SqlDialect dialect, Clock clock) {
        Jdbc jdbc = new Jdbc(producer, dataSourceName);
        this.rollups = new RollupReports(jdbc, dialect);
        this.fallbacks = new FallbackReport(jdbc, dialect);
        this.clock = clock;
    }

    /** Adds the routes; the management server has authenticated the caller before they run. */
    public void register(Router router) {
        router.get("/admin/api/analytics/:report").blockingHandler(this::handle, false);
    }

    private void handle(RoutingContext ctx) {
        String report = ctx.pathParam("report");
        try {
            if (!REPORTS.contains(report)) {
                throw new GatewayError(404, "invalid_request_error", "not_found", "report",
                        "No analytics report '" + report + "'; there are " + REPORTS);
            }
            Instant now = clock.instant();
            AnalyticsQuery q = AnalyticsQuery.parse(params(ctx), now);
            answer(ctx, report, q, now);
        } catch (GatewayError e) {
            send(ctx, e.status(), "application/json", Json.bytes(ErrorBodies.openAi(e.getMessage(), e.type(), e.param(), e.code())));
        } catch (RuntimeException e) {
            LOG.warn("Analytics {} failed", report, e);
            send(ctx, 503, "application/json", Json.bytes(ErrorBodies.openAi("The usage database is unavailable or failed the query; "
                    + "try again shortly", "service_unavailable", null, "database_unavailable")));
        }
    }

    private void answer(RoutingContext ctx, String report, AnalyticsQuery q, Instant now) {
        List<Map<String, Object>> rows;
        Map<String, Object> extra = new LinkedHashMap<>();
        boolean more;
        switch (report) {
            case "usage", "latency", "costs" -> {
                RollupReports.Page page = report.equals("usage") ? rollups.usage(q) : report.equals("latency") ? rollups.latency(q) : rollups.costs(q);
                rows = page.rows();
                more = page.more();
                if (report.equals("costs")) {
                    extra.put("summary", rollups.costSummary(q, now));
                }
            }
            default -> {
                FallbackReport.Result r = fallbacks.run(q);
                rows = r.rows();
                more = r.more();
            }
        }
        if (q.csv()) {
            ctx.response().putHeader("Content-Disposition", "attachment; filename=\"analytics-" + report + ".csv\"");
            send(ctx, 200, "text/csv; charset=utf-8", CsvExport.of(columns(rows, q), rows).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("object", "analytics." + report).put("from", q.from().toString()).put("to", q.to().toString())
                .put("bucket", q.bucket().name().toLowerCase(java.util.Locale.ROOT));
        q.groupBy().forEach(d -> body.withArray("groupBy").add(d.param));
        body.put("limit", q.limit()).put("offset", q.offset()).put("hasMore", more);
        extra.forEach((k, v) -> body.set(k, Json.MAPPER.valueToTree(v)));
        body.set("data", Json.MAPPER.valueToTree(rows));
        send(ctx, 200, "application/json", Json.bytes(body));
    }

    /** The CSV header: the rows' fields, or for no rows the group columns at least. */
    private static List<String> columns(List<Map<String, Object>> rows, AnalyticsQuery q) {
        if (!rows.isEmpty()) {
            return new ArrayList<>(rows.get(0).keySet());
        }
        List<String> columns = new ArrayList<>();
        if (q.bucket() != AnalyticsQuery.Bucket.NONE) {
            columns.add(RollupSql.BUCKET);
        }
        q.groupBy().forEach(d -> columns.add(d.param));
        return columns;
    }

    private static Map<String, List<String>> params(RoutingContext ctx) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        ctx.queryParams().forEach(e -> params.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return params;
    }

    private static void send(RoutingContext ctx, int status, String type, byte[] body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", type).end(Buffer.buffer(body));
    }
}

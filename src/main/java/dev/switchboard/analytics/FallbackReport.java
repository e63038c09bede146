package dev.switchboard.analytics;

import dev.switchboard.recording.SqlDialect;
import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.Jdbc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fallback events from the failure rollups the usage writer keeps ({@link UsageRollups#FAILURE_TABLES}): for each
 * failed attempt of a request that moved on to another model, which model failed, why (its failure class), and what
 * served the request in the end ({@code null} when nothing did). Counted per time bucket and the query's dimensions,
 * most frequent first within a bucket. One grouped SELECT, like the other reports: its time grows with the hours
 * and groups asked for, not with the number of requests.
 */
final class FallbackReport {
    /** The failure's columns after the query's own groups; what served is the request's model. */
    private static final List<String> FAILURE_GROUPS = List.of("failed_model", "failed_provider", "reason", "model");
    private static final String EVENTS = "SUM(fallback_events)";

    private final Jdbc jdbc;
    private final SqlDialect dialect;

    FallbackReport(Jdbc jdbc, SqlDialect dialect) {
        this.jdbc = jdbc;
        this.dialect = dialect;
    }

    /** The page of event counts, and whether more follow. */
    record Result(List<Map<String, Object>> rows, boolean more) {
    }

    Result run(AnalyticsQuery q) {
        boolean bucketed = q.bucket() != AnalyticsQuery.Bucket.NONE;
        RollupSql.Statement s = RollupSql.select(q, dialect, UsageRollups.FAILURE_TABLES, FAILURE_GROUPS, List.of(EVENTS + " AS events"),
                EVENTS + " > 0", bucketed ? List.of("g0", "events DESC") : List.of("events DESC"));
        List<Map<String, Object>> rows = jdbc.select(s.sql(), s.params());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows.subList(0, Math.min(rows.size(), q.limit()))) {
            Map<String, Object> e = new LinkedHashMap<>();
            int g = 0;
            if (bucketed) {
                e.put(RollupSql.BUCKET, RollupSql.bucketText(row.get("g" + g++)));
            }
            for (Dimension d : q.groupBy()) {
                Object v = row.get("g" + g++);
                e.put(d.param, d == Dimension.STATUS ? v : text(v));
            }
            e.put("failedModel", text(row.get("g" + g++)));
            e.put("failedProvider", text(row.get("g" + g++)));
            e.put("reason", text(row.get("g" + g++)));
            e.put("servedModel", text(row.get("g" + g)));
            e.put("count", ((Number) row.get("events")).longValue());
            out.add(e);
        }
        return new Result(out, rows.size() > q.limit());
    }

    /** A rollup key as the answer shows it: '' (no value) is null. */
    private static String text(Object v) {
        return v == null || "".equals(v) ? null : v.toString();
    }
}

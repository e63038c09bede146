package dev.switchboard.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fallback events from the raw rows (so only within their retention): for each failed attempt of a request that
 * moved on to another model, which model failed, why (its failure class), and what served the request in the
 * end ({@code null} when nothing did). Counted per time bucket and the query's dimensions, most frequent first.
 * At most {@link #MAX_ROWS_SCANNED} requests are read per call; beyond that the answer says it is partial.
 */
final class FallbackReport {
    static final int MAX_ROWS_SCANNED = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbc jdbc;

    FallbackReport(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** The page of event counts, whether more follow, and whether the scan stopped at its bound. */
    record Result(List<Map<String, Object>> rows, boolean more, boolean partial) {
    }

    Result run(AnalyticsQuery q) {
        Map<String, Object> params = new HashMap<>();
        List<String> columns = new ArrayList<>(List.of("created_at", "model", "attempts"));
        q.groupBy().forEach(d -> columns.add(d.rawColumn + " AS g_" + d.param));
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", columns))
                .append(" FROM usage_record WHERE created_at >= :?from AND created_at < :?to AND fallback_count > 0");
        params.put("from", Timestamp.from(q.from()));
        params.put("to", Timestamp.from(q.to()));
        RollupSql.where(q, sql, params, d -> d.rawColumn);
        sql.append(" ORDER BY created_at LIMIT ").append(MAX_ROWS_SCANNED + 1);
        List<Map<String, Object>> rows = jdbc.select(sql.toString(), params);
        boolean partial = rows.size() > MAX_ROWS_SCANNED;
        Map<List<Object>, Long> counts = new LinkedHashMap<>();
        for (Map<String, Object> row : rows.subList(0, Math.min(rows.size(), MAX_ROWS_SCANNED))) {
            count(q, row, counts);
        }
        List<Map<String, Object>> events = new ArrayList<>();
        counts.forEach((key, n) -> events.add(event(q, key, n)));
        Comparator<Map<String, Object>> order = Comparator.comparing(e -> Objects.toString(e.get(RollupSql.BUCKET), ""));
        events.sort(order.thenComparing(e -> -(long) e.get("count")).thenComparing(e -> e.toString()));
        int end = Math.min(events.size(), q.offset() + q.limit());
        List<Map<String, Object>> page = q.offset() >= events.size() ? List.of() : events.subList(q.offset(), end);
        return new Result(page, events.size() > end, partial);
    }

    private static void count(AnalyticsQuery q, Map<String, Object> row, Map<List<Object>, Long> counts) {
        JsonNode attempts = parse(row.get("attempts"));
        Object served = row.get("model");
        List<Object> prefix = new ArrayList<>();
        prefix.add(bucket(q.bucket(), ((Timestamp) row.get("created_at")).toInstant()));
        q.groupBy().forEach(d -> prefix.add(row.get("g_" + d.param.toLowerCase(java.util.Locale.ROOT))));
        for (JsonNode a : attempts) {
            String outcome = a.path("outcome").asText("");
            if (outcome.equals("ok")) {
                continue;
            }
            List<Object> key = new ArrayList<>(prefix);
            key.add(a.path("model").asText(null));
            key.add(a.path("provider").asText(null));
            key.add(outcome);
            key.add(served);
            counts.merge(key, 1L, Long::sum);
        }
    }

    private static Map<String, Object> event(AnalyticsQuery q, List<Object> key, long n) {
        Map<String, Object> e = new LinkedHashMap<>();
        int i = 0;
        Object bucket = key.get(i++);
        if (q.bucket() != AnalyticsQuery.Bucket.NONE) {
            e.put(RollupSql.BUCKET, bucket);
        }
        for (Dimension d : q.groupBy()) {
            e.put(d.param, key.get(i++));
        }
        e.put("failedModel", key.get(i++));
        e.put("failedProvider", key.get(i++));
        e.put("reason", key.get(i++));
        e.put("servedModel", key.get(i));
        e.put("count", n);
        return e;
    }

    private static JsonNode parse(Object attempts) {
        try {
            return attempts == null ? JSON.createArrayNode() : JSON.readTree(attempts.toString());
        } catch (Exception e) {
            return JSON.createArrayNode(); // a row cut at the column's width: its attempts are not counted
        }
    }

    /** The bucket start of a time, as the rollup reports name it. */
    private static String bucket(AnalyticsQuery.Bucket bucket, Instant t) {
        return switch (bucket) {
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS).toString();
            case DAY -> t.truncatedTo(ChronoUnit.DAYS).toString();
            case WEEK -> t.atZone(ZoneOffset.UTC).toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                    .atStartOfDay().toInstant(ZoneOffset.UTC).toString();
            case NONE -> "";
        };
    }
}

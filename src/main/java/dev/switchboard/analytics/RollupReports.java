package dev.switchboard.analytics;

import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.LatencyBuckets;
import dev.switchboard.recording.SqlDialect;
import dev.switchboard.recording.Jdbc;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reports answered from the rollups: usage, latency and costs. Each is one grouped SELECT (plus, for
 * costs, the period and month totals), so its time does not grow with the number of requests, only with the
 * hours and groups asked for.
 */
final class RollupReports {
    private static final List<String> USAGE = List.of("requests", "errors", "fallback_requests", "fallbacks", "prompt_tokens",
            "completion_tokens", "cached_tokens", "reasoning_tokens");
    private static final List<Double> QUANTILES = List.of(0.50, 0.95, 0.99);

    private final Jdbc jdbc;
    private final SqlDialect dialect;

    RollupReports(Jdbc jdbc, SqlDialect dialect) {
        this.jdbc = jdbc;
        this.dialect = dialect;
    }

    /** A page of rows and whether more follow. */
    record Page(List<Map<String, Object>> rows, boolean more) {
    }

    Page usage(AnalyticsQuery q) {
        return page(q, sums(USAGE), (row, out) -> {
            for (String c : USAGE) {
                out.put(camel(c), number(row.get(c)));
            }
            out.put("totalTokens", number(row.get("prompt_tokens")) + number(row.get("completion_tokens")));
        });
    }

    Page latency(AnalyticsQuery q) {
        List<String> columns = new ArrayList<>(List.of("requests", "latency_ms_sum", "ttft_count", "ttft_ms_sum"));
        columns.addAll(UsageRollups.histogram("latency"));
        columns.addAll(UsageRollups.histogram("ttft"));
        return page(q, sums(columns), (row, out) -> {
            long requests = number(row.get("requests"));
            long ttfts = number(row.get("ttft_count"));
            out.put("requests", requests);
            out.put("latencyAvgMs", requests == 0 ? null : number(row.get("latency_ms_sum")) / requests);
            quantiles(out, "latency", histogram(row, "latency"));
            out.put("ttftCount", ttfts);
            out.put("ttftAvgMs", ttfts == 0 ? null : number(row.get("ttft_ms_sum")) / ttfts);
            quantiles(out, "ttft", histogram(row, "ttft"));
        });
    }

    Page costs(AnalyticsQuery q) {
        List<String> aggregates = List.of("SUM(requests) AS requests", "SUM(cost_usd) AS cost_usd", "SUM(planned_cost_usd) AS planned_cost_usd",
                "SUM(cache_saved_usd) AS cache_saved_usd");
        return page(q, aggregates, (row, out) -> {
            out.put("requests", number(row.get("requests")));
            money(out, row);
        });
    }

    /**
     * The cost totals beside the rows: the period's, and this UTC month's to date with a linear projection to
     * its end (spend so far divided by the share of the month gone), both under the query's filters.
     */
    Map<String, Object> costSummary(AnalyticsQuery q, Instant now) {
        Map<String, Object> summary = new LinkedHashMap<>();
        AnalyticsQuery whole = new AnalyticsQuery(q.from(), q.to(), AnalyticsQuery.Bucket.NONE, q.filters(), List.of(), 1, 0, false);
        summary.put("period", moneyOf(whole));
        YearMonth month = YearMonth.from(now.atZone(ZoneOffset.UTC));
        Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Map<String, Object> mtd = moneyOf(new AnalyticsQuery(start, end, AnalyticsQuery.Bucket.NONE, q.filters(), List.of(), 1, 0, false));
        double spent = (double) mtd.get("costUsd");
        double gone = (double) Duration.between(start, now).toSeconds() / Duration.between(start, end).toSeconds();
        summary.put("month", month.toString());
        summary.put("monthToDateUsd", spent);
        summary.put("monthEndProjectionUsd", gone <= 0 ? spent : spent / gone);
        return summary;
    }

    private Map<String, Object> moneyOf(AnalyticsQuery q) {
        RollupSql.Statement s = RollupSql.select(q, dialect, List.of("SUM(cost_usd) AS cost_usd", "SUM(planned_cost_usd) AS planned_cost_usd",
                "SUM(cache_saved_usd) AS cache_saved_usd"), false);
        Map<String, Object> out = new LinkedHashMap<>();
        money(out, jdbc.select(s.sql(), s.params()).get(0));
        return out;
    }

    private static void money(Map<String, Object> out, Map<String, Object> row) {
        double cost = decimal(row.get("cost_usd"));
        double planned = decimal(row.get("planned_cost_usd"));
        out.put("costUsd", cost);
        out.put("plannedCostUsd", planned);
        out.put("fallbackSavingsUsd", planned - cost);
        out.put("cacheSavingsUsd", decimal(row.get("cache_saved_usd")));
    }

    private interface RowMapper {
        void map(Map<String, Object> row, Map<String, Object> out);
    }

    private Page page(AnalyticsQuery q, List<String> aggregates, RowMapper mapper) {
        RollupSql.Statement s = RollupSql.select(q, dialect, aggregates, true);
        List<Map<String, Object>> rows = jdbc.select(s.sql(), s.params());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> row : rows.subList(0, Math.min(rows.size(), q.limit()))) {
            Map<String, Object> item = new LinkedHashMap<>();
            int g = 0;
            if (q.bucket() != AnalyticsQuery.Bucket.NONE) {
                item.put(RollupSql.BUCKET, RollupSql.bucketText(row.get("g" + g++)));
            }
            for (Dimension d : q.groupBy()) {
                Object v = row.get("g" + g++);
                item.put(d.param, d == Dimension.STATUS ? v : v == null || "".equals(v) ? null : v.toString());
            }
            mapper.map(row, item);
            out.add(item);
        }
        return new Page(out, rows.size() > q.limit());
    }

    private static List<String> sums(List<String> columns) {
        return columns.stream().map(c -> "SUM(" + c + ") AS " + c).toList();
    }

    private static long[] histogram(Map<String, Object> row, String prefix) {
        List<String> names = UsageRollups.histogram(prefix);
        long[] counts = new long[names.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = number(row.get(names.get(i)));
        }
        return counts;
    }

    private static void quantiles(Map<String, Object> out, String prefix, long[] counts) {
        for (double q : QUANTILES) {
            long v = LatencyBuckets.quantile(counts, q);
            out.put(prefix + "P" + Math.round(q * 100) + "Ms", v < 0 ? null : v);
        }
    }

    private static long number(Object v) {
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static double decimal(Object v) {
        return v == null ? 0 : ((Number) v).doubleValue();
    }

    /** prompt_tokens → promptTokens. */
    private static String camel(String column) {
        StringBuilder s = new StringBuilder();
        boolean up = false;
        for (char c : column.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                s.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return s.toString();
    }
}

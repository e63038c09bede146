package dev.switchboard.recording;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The {@code usage_hourly} table kept up to date by the usage writer: rows written are summed in memory per
 * hour and dimensions, then added to the table in one transaction. Sums wait here until the database took them,
 * so a row is counted once even when the database goes away between the row and its sums. Not thread safe:
 * only the writer's thread uses it.
 */
public final class HourlyRollup {
    public static final String TABLE = "usage_hourly";
    /** The dimensions of a rollup row; a missing value is stored as '' (key columns cannot be null). */
    public static final List<String> KEYS = List.of("hour_start", "agent", "model", "provider", "task_type", "rule_name", "entry", "status");
    private static final List<String> KEY_TYPES = List.of("TIMESTAMP", "VARCHAR(256)", "VARCHAR(256)", "VARCHAR(64)", "VARCHAR(32)",
            "VARCHAR(512)", "VARCHAR(64)", "INT");
    /** Counters added per row; errors are status 400 and above. */
    public static final List<String> COUNTERS = List.of("requests", "errors", "fallback_requests", "fallbacks", "prompt_tokens",
            "completion_tokens", "cached_tokens", "reasoning_tokens", "latency_ms_sum", "ttft_count", "ttft_ms_sum");
    /** Money added per row: actual cost and cost at the chain's first model (see {@link UsageRecord}). */
    public static final List<String> MONEY = List.of("cost_usd", "planned_cost_usd");
    private static final List<String> LONGS = longColumns();

    private final Map<Key, long[]> counts = new LinkedHashMap<>();
    private final Map<Key, double[]> money = new HashMap<>();
    private final SqlDialect dialect;

    public HourlyRollup(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /** The histogram columns: {@code latency_b0..}, then {@code ttft_b0..}, see {@link LatencyBuckets}. */
    public static List<String> histogram(String prefix) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < LatencyBuckets.COUNT; i++) {
            names.add(prefix + "_b" + i);
        }
        return names;
    }

    private static List<String> longColumns() {
        List<String> all = new ArrayList<>(COUNTERS);
        all.addAll(histogram("latency"));
        all.addAll(histogram("ttft"));
        return all;
    }

    static String ddl() {
        StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS " + TABLE + " (");
        for (int i = 0; i < KEYS.size(); i++) {
            sql.append(KEYS.get(i)).append(' ').append(KEY_TYPES.get(i)).append(" NOT NULL, ");
        }
        longColumns().forEach(c -> sql.append(c).append(" BIGINT DEFAULT 0 NOT NULL, "));
        MONEY.forEach(c -> sql.append(c).append(" DOUBLE PRECISION DEFAULT 0 NOT NULL, "));
        return sql.append("PRIMARY KEY (").append(String.join(", ", KEYS)).append("))").toString();
    }

    /**
     * Builds the rollups of a database that has usage rows but none yet (one written before rollups existed);
     * does nothing once the table has a row, so it runs at every start. Same sums as {@link #add}.
     */
    public static String backfill(SqlDialect dialect) {
        String lat = "GREATEST(COALESCE(latency_ms, 0), 0)";
        String hasTtft = "stream = TRUE AND ttft_ms >= 0";
        List<String> keys = List.of(dialect.truncate("created_at", "hour"), "COALESCE(caller, '')", "COALESCE(model, '')",
                "COALESCE(provider, '')", "COALESCE(task_type, '')", "COALESCE(rule_name, '')", "COALESCE(entry, '')", "COALESCE(status, 0)");
        List<String> sums = new ArrayList<>(List.of("COUNT(*)", count("status >= 400"), count("fallback_count > 0"),
                "SUM(COALESCE(fallback_count, 0))", "SUM(COALESCE(prompt_tokens, 0))", "SUM(COALESCE(completion_tokens, 0))",
                "SUM(COALESCE(cached_tokens, 0))", "SUM(COALESCE(reasoning_tokens, 0))", "SUM(" + lat + ")", count(hasTtft),
                "SUM(CASE WHEN " + hasTtft + " THEN ttft_ms ELSE 0 END)"));
        for (int i = 0; i < LatencyBuckets.COUNT; i++) {
            sums.add(count(inBucket(lat, i)));
        }
        for (int i = 0; i < LatencyBuckets.COUNT; i++) {
            sums.add(count(hasTtft + " AND " + inBucket("ttft_ms", i)));
        }
        sums.add("SUM(COALESCE(cost_usd, 0))");
        sums.add("SUM(COALESCE(planned_cost_usd, cost_usd, 0))");
        List<String> columns = new ArrayList<>(KEYS);
        columns.addAll(LONGS);
        columns.addAll(MONEY);
        List<String> select = new ArrayList<>(keys);
        select.addAll(sums);
        return "INSERT INTO " + TABLE + " (" + String.join(", ", columns) + ") SELECT " + String.join(", ", select)
                + " FROM usage_record WHERE NOT EXISTS (SELECT 1 FROM " + TABLE + ") GROUP BY " + String.join(", ", keys);
    }

    private static String count(String condition) {
        return "SUM(CASE WHEN " + condition + " THEN 1 ELSE 0 END)";
    }

    private static String inBucket(String value, int i) {
        String upper = i < LatencyBuckets.BOUNDS_MS.size() ? value + " <= " + LatencyBuckets.BOUNDS_MS.get(i) : "1 = 1";
        return i == 0 ? upper : value + " > " + LatencyBuckets.BOUNDS_MS.get(i - 1) + " AND " + upper;
    }

    /** Counts a row the database has just taken. */
    public void add(UsageRecord r) {
        Key key = new Key(r.createdAt().truncatedTo(ChronoUnit.HOURS), text(r.caller(), 256), text(r.model(), 256),
                text(r.provider(), 64), text(r.taskType(), 32), text(r.rule(), 512), text(r.entry(), 64), r.status());
        long[] c = counts.computeIfAbsent(key, k -> new long[LONGS.size()]);
        int fallbacks = r.fallbacks();
        long[] row = {1, r.status() >= 400 ? 1 : 0, fallbacks > 0 ? 1 : 0, fallbacks, r.promptTokens(), r.completionTokens(),
                r.cachedTokens(), r.reasoningTokens(), Math.max(0, r.latencyMs()), hasTtft(r) ? 1 : 0, hasTtft(r) ? r.ttftMs() : 0};
        for (int i = 0; i < row.length; i++) {
            c[i] += row[i];
        }
        c[COUNTERS.size() + LatencyBuckets.index(Math.max(0, r.latencyMs()))]++;
        if (hasTtft(r)) {
            c[COUNTERS.size() + LatencyBuckets.COUNT + LatencyBuckets.index(r.ttftMs())]++;
        }
        double[] m = money.computeIfAbsent(key, k -> new double[MONEY.size()]);
        m[0] += r.costUsd();
        m[1] += r.plannedCostUsd();
    }

    public boolean isEmpty() {
        return counts.isEmpty();
    }

    /**
     * Adds the sums to the table in one transaction: one prepared upsert per rollup row, sent as a JDBC batch.
     * Plain JDBC rather than camel-jdbc, which has neither batches of one statement nor transactions; a
     * statement of many rows' parameters instead costs HSQLDB's parser time quadratic in its length. A
     * failure rolls back and keeps every sum for the next try.
     */
    public void flush(DataSource database) {
        if (counts.isEmpty()) {
            return;
        }
        try (Connection c = database.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement upsert = c.prepareStatement(upsertSql())) {
                for (Map.Entry<Key, long[]> e : counts.entrySet()) {
                    bind(upsert, e.getKey(), e.getValue(), money.get(e.getKey()));
                    upsert.addBatch();
                }
                upsert.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("usage_hourly: " + e.getMessage(), e);
        }
        counts.clear();
        money.clear();
    }

    private String upsertSql() {
        List<String> sums = new ArrayList<>(LONGS);
        sums.addAll(MONEY);
        List<String> types = new ArrayList<>(KEY_TYPES);
        LONGS.forEach(c -> types.add("BIGINT"));
        MONEY.forEach(c -> types.add("DOUBLE PRECISION"));
        return dialect.upsert(TABLE, KEYS, sums, types);
    }

    private static void bind(PreparedStatement s, Key k, long[] counts, double[] money) throws SQLException {
        int i = 1;
        s.setTimestamp(i++, Timestamp.from(k.hour));
        for (String text : List.of(k.agent, k.model, k.provider, k.taskType, k.rule, k.entry)) {
            s.setString(i++, text);
        }
        s.setInt(i++, k.status);
        for (long c : counts) {
            s.setLong(i++, c);
        }
        for (double m : money) {
            s.setDouble(i++, m);
        }
    }

    private static boolean hasTtft(UsageRecord r) {
        return r.stream() && r.ttftMs() >= 0;
    }

    /** A key column's value: never null, cut to the column's width like the raw row's. */
    private static String text(String s, int width) {
        return s == null ? "" : s.length() <= width ? s : s.substring(0, width);
    }

    private record Key(Instant hour, String agent, String model, String provider, String taskType, String rule, String entry, int status) {
        Key {
            Objects.requireNonNull(hour);
        }
    }
}

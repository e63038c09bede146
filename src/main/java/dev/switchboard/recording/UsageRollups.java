package dev.switchboard.recording;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The rollup tables kept up to date by the usage writer: {@code usage_hourly}, {@code usage_daily} and
 * {@code usage_weekly} (UTC hours, days and ISO weeks from Monday), the same sums per period and dimensions.
 * Rows written are summed in memory, then added to all three in one transaction; sums wait here until the
 * database took them, so a row is counted once even when the database goes away between the row and its sums.
 * Reports read the coarsest table whose periods tile the query's range. Not thread safe: only the writer's
 * thread uses it.
 */
public final class UsageRollups {
    public static final String HOURLY = "usage_hourly";
    public static final String DAILY = "usage_daily";
    public static final String WEEKLY = "usage_weekly";
    /** Finest first. */
    public static final List<String> TABLES = List.of(HOURLY, DAILY, WEEKLY);
    /** The dimensions of a rollup row; a missing value is stored as '' (key columns cannot be null). */
    public static final List<String> KEYS = List.of("period_start", "agent", "model", "provider", "task_type", "rule_name", "entry", "status");
    private static final List<String> KEY_TYPES = List.of("TIMESTAMP", "VARCHAR(256)", "VARCHAR(256)", "VARCHAR(64)", "VARCHAR(32)",
            "VARCHAR(512)", "VARCHAR(64)", "INT");
    private static final int[] KEY_WIDTHS = {0, 256, 256, 64, 32, 512, 64};
    /** Counters added per row; errors are status 400 and above. */
    public static final List<String> COUNTERS = List.of("requests", "errors", "fallback_requests", "fallbacks", "prompt_tokens",
            "completion_tokens", "cached_tokens", "reasoning_tokens", "latency_ms_sum", "ttft_count", "ttft_ms_sum");
    /** Money added per row: actual cost, cost at the chain's first model and what the response cache saved (see {@link UsageRecord}). */
    public static final List<String> MONEY = List.of("cost_usd", "planned_cost_usd", "cache_saved_usd");
    private static final List<String> LONGS = longColumns();
    /**
     * The failed attempts, same periods: {@code failure_hourly}, {@code failure_daily}, {@code failure_weekly}, keyed
     * by the request's dimensions plus the model and provider that failed and why (the attempt's outcome). What
     * served is the request's {@code model} ('' when nothing did).
     */
    public static final List<String> FAILURE_TABLES = List.of("failure_hourly", "failure_daily", "failure_weekly");
    public static final List<String> FAILURE_KEYS = concat(KEYS, List.of("failed_model", "failed_provider", "reason"));
    private static final List<String> FAILURE_KEY_TYPES = concat(KEY_TYPES, List.of("VARCHAR(256)", "VARCHAR(64)", "VARCHAR(64)"));
    private static final int[] FAILURE_WIDTHS = {256, 64, 64};
    /**
     * {@code failures}: every failed attempt (retries of one model included); {@code fallback_events}: those of
     * requests that moved on to another model, what the fallbacks report counts.
     */
    public static final List<String> FAILURE_COUNTERS = List.of("failures", "fallback_events");
    private static final String OK = "ok";

    private final Map<Key, Sums> hourly = new LinkedHashMap<>();
    private final Map<Key, Sums> daily = new LinkedHashMap<>();
    private final Map<Key, Sums> weekly = new LinkedHashMap<>();
    /** Failed attempts per failure key, one map per failure table. */
    private final List<Map<FailureKey, long[]>> failures = List.of(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
    private final SqlDialect dialect;

    public UsageRollups(SqlDialect dialect) {
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

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /**
     * Builds the rollups of a database that has usage rows but no rollups yet (one written before rollups
     * existed), at start: a table that has any row is left alone; the failure rollups are built when their hourly
     * table is empty. Same sums as {@link #add}. The emptiness is
     * checked first on its own: as a NOT EXISTS inside the INSERT, HSQLDB re-reads the rollup table for every
     * raw row.
     */
    public static void backfill(DataSource database, SqlDialect dialect) {
        Map<String, String> units = Map.of(HOURLY, "hour", DAILY, "day", WEEKLY, "week");
        try (Connection c = database.getConnection(); java.sql.Statement s = c.createStatement()) {
            for (String table : TABLES) {
                if (isEmpty(s, table)) {
                    s.executeUpdate(backfill(dialect, table, units.get(table)));
                }
            }
            if (isEmpty(s, FAILURE_TABLES.get(0))) {
                backfillFailures(database, dialect);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("database refused to build the usage rollups: " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(java.sql.Statement s, String table) throws SQLException {
        try (java.sql.ResultSet r = s.executeQuery("SELECT 1 FROM " + table + " LIMIT 1")) {
            return !r.next();
        }
    }

    private static String backfill(SqlDialect dialect, String table, String unit) {
        String lat = "GREATEST(COALESCE(latency_ms, 0), 0)";
        String hasTtft = "stream = TRUE AND ttft_ms >= 0";
        List<String> keys = List.of(dialect.truncate("created_at", unit), "COALESCE(caller, '')", "COALESCE(model, '')",
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
        sums.add("0"); // cache savings live in a tag of the raw row: rows from before the rollups count none
        List<String> columns = new ArrayList<>(KEYS);
        columns.addAll(LONGS);
        columns.addAll(MONEY);
        List<String> select = new ArrayList<>(keys);
        select.addAll(sums);
        return "INSERT INTO " + table + " (" + String.join(", ", columns) + ") SELECT " + String.join(", ", select)
                + " FROM usage_record GROUP BY " + String.join(", ", keys);
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
        Sums row = Sums.of(r);
        hourly.computeIfAbsent(Key.of(r, r.createdAt().truncatedTo(ChronoUnit.HOURS)), k -> new Sums()).add(row);
        daily.computeIfAbsent(Key.of(r, r.createdAt().truncatedTo(ChronoUnit.DAYS)), k -> new Sums()).add(row);
        weekly.computeIfAbsent(Key.of(r, weekStart(r.createdAt())), k -> new Sums()).add(row);
        addFailures(r);
    }

    private void addFailures(UsageRecord r) {
        long fellBack = r.fallbacks() > 0 ? 1 : 0;
        List<Instant> periods = List.of(r.createdAt().truncatedTo(ChronoUnit.HOURS), r.createdAt().truncatedTo(ChronoUnit.DAYS),
                weekStart(r.createdAt()));
        for (Attempt a : r.attempts()) {
            if (OK.equals(a.outcome())) {
                continue;
            }
            List<String> failure = java.util.Arrays.asList(a.model(), a.provider(), a.outcome());
            for (int tier = 0; tier < periods.size(); tier++) {
                long[] sums = failures.get(tier).computeIfAbsent(FailureKey.of(Key.of(r, periods.get(tier)), failure), k -> new long[2]);
                sums[0]++;
                sums[1] += fellBack;
            }
        }
    }

    /** Monday 00:00 UTC of the ISO week of an instant. */
    public static Instant weekStart(Instant t) {
        return t.atZone(ZoneOffset.UTC).toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
    }

    public boolean isEmpty() {
        return hourly.isEmpty() && failures.get(0).isEmpty();
    }

    /**
     * Adds the sums to the tables in one transaction: one prepared upsert per rollup row, sent as a JDBC batch.
     * Plain JDBC rather than camel-jdbc, which has neither batches of one statement nor transactions; a
     * statement of many rows' parameters instead costs HSQLDB's parser time quadratic in its length. A
     * failure rolls back and keeps every sum for the next try.
     */
    public void flush(DataSource database) {
        if (isEmpty()) {
            return;
        }
        try (Connection c = database.getConnection()) {
            c.setAutoCommit(false);
            try {
                upsert(c, HOURLY, hourly);
                upsert(c, DAILY, daily);
                upsert(c, WEEKLY, weekly);
                for (int tier = 0; tier < FAILURE_TABLES.size(); tier++) {
                    upsertFailures(c, FAILURE_TABLES.get(tier), failures.get(tier));
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("usage rollups: " + e.getMessage(), e);
        }
        hourly.clear();
        daily.clear();
        weekly.clear();
        failures.forEach(Map::clear);
    }

    private void upsertFailures(Connection c, String table, Map<FailureKey, long[]> sums) throws SQLException {
        if (sums.isEmpty()) {
            return; // most periods have no failure
        }
        List<String> types = new ArrayList<>(FAILURE_KEY_TYPES);
        FAILURE_COUNTERS.forEach(col -> types.add("BIGINT"));
        try (PreparedStatement s = c.prepareStatement(dialect.upsert(table, FAILURE_KEYS, FAILURE_COUNTERS, types))) {
            for (Map.Entry<FailureKey, long[]> e : sums.entrySet()) {
                int i = e.getKey().bind(s);
                for (long v : e.getValue()) {
                    s.setLong(i++, v);
                }
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /**
     * Builds the failure rollups of a database whose usage rows predate them (migration V20): the failed attempts are
     * inside each row's attempts JSON, so they are read and summed here (only rows with more than one attempt or an
     * error status can hold one).
     */
    private static void backfillFailures(DataSource database, SqlDialect dialect) {
        UsageRollups sums = new UsageRollups(dialect);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String sql = "SELECT created_at, caller, model, provider, task_type, rule_name, entry, status, attempts FROM usage_record "
                + "WHERE attempt_count > 1 OR status >= 400";
        try (Connection c = database.getConnection(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                List<Attempt> attempts;
                try {
                    attempts = List.of(json.readValue(Objects.toString(r.getString("attempts"), "[]"), Attempt[].class));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    continue; // a row cut at the column's width: its attempts cannot be counted
                }
                sums.addFailures(new UsageRecord("backfill", r.getTimestamp("created_at").toInstant(), r.getString("entry"), "chat",
                        r.getString("caller"), null, r.getString("model"), r.getString("provider"), r.getString("rule_name"), attempts,
                        0, 0, 0, 0, 0, -1, r.getInt("status"), null, null, false, List.of(), 0, 0, r.getString("task_type"), null, 0));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("database refused to build the failure rollups: " + e.getMessage(), e);
        }
        sums.flush(database);
    }

    private void upsert(Connection c, String table, Map<Key, Sums> sums) throws SQLException {
        if (sums.isEmpty()) {
            return; // an empty batch is an error to HSQLDB; a backfill of failures has no usage sums
        }
        List<String> columns = new ArrayList<>(LONGS);
        columns.addAll(MONEY);
        List<String> types = new ArrayList<>(KEY_TYPES);
        LONGS.forEach(col -> types.add("BIGINT"));
        MONEY.forEach(col -> types.add("DOUBLE PRECISION"));
        try (PreparedStatement s = c.prepareStatement(dialect.upsert(table, KEYS, columns, types))) {
            for (Map.Entry<Key, Sums> e : sums.entrySet()) {
                e.getKey().bind(s);
                e.getValue().bind(s, KEYS.size() + 1);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static boolean hasTtft(UsageRecord r) {
        return r.stream() && r.ttftMs() >= 0;
    }

    /** One rollup row's dimensions; text cut to its column's width like the raw row's. */
    private record Key(Instant period, List<String> texts, int status) {
        Key {
            Objects.requireNonNull(period);
        }

        static Key of(UsageRecord r, Instant period) {
            List<String> values = java.util.Arrays.asList(r.caller(), r.model(), r.provider(), r.taskType(), r.rule(), r.entry());
            List<String> texts = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i) == null ? "" : SqlText.storable(values.get(i));
                texts.add(v.length() <= KEY_WIDTHS[i + 1] ? v : v.substring(0, KEY_WIDTHS[i + 1]));
            }
            return new Key(period, texts, r.status());
        }

        void bind(PreparedStatement s) throws SQLException {
            int i = 1;
            s.setTimestamp(i++, Timestamp.from(period));
            for (String t : texts) {
                s.setString(i++, t);
            }
            s.setInt(i, status);
        }
    }

    /** One failure rollup row's dimensions: the request's, then the failed model, its provider and the reason. */
    private record FailureKey(Key request, List<String> failure) {
        static FailureKey of(Key request, List<String> values) {
            List<String> texts = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i) == null ? "" : values.get(i);
                texts.add(v.length() <= FAILURE_WIDTHS[i] ? v : v.substring(0, FAILURE_WIDTHS[i]));
            }
            return new FailureKey(request, texts);
        }

        /** Binds the keys; returns the next parameter's index. */
        int bind(PreparedStatement s) throws SQLException {
            request.bind(s);
            int i = KEYS.size() + 1;
            for (String t : failure) {
                s.setString(i++, t);
            }
            return i;
        }
    }

    /** The counters and money of one rollup row. */
    private static final class Sums {
        final long[] counts = new long[LONGS.size()];
        final double[] money = new double[MONEY.size()];

        static Sums of(UsageRecord r) {
            Sums s = new Sums();
            int fallbacks = r.fallbacks();
            long latency = Math.max(0, r.latencyMs());
            long[] row = {1, r.status() >= 400 ? 1 : 0, fallbacks > 0 ? 1 : 0, fallbacks, r.promptTokens(), r.completionTokens(),
                    r.cachedTokens(), r.reasoningTokens(), latency, hasTtft(r) ? 1 : 0, hasTtft(r) ? r.ttftMs() : 0};
            System.arraycopy(row, 0, s.counts, 0, row.length);
            s.counts[COUNTERS.size() + LatencyBuckets.index(latency)] = 1;
            if (hasTtft(r)) {
                s.counts[COUNTERS.size() + LatencyBuckets.COUNT + LatencyBuckets.index(r.ttftMs())] = 1;
            }
            s.money[0] = r.costUsd();
            s.money[1] = r.plannedCostUsd();
            s.money[2] = r.cacheSavedUsd();
            return s;
        }

        void add(Sums other) {
            for (int i = 0; i < counts.length; i++) {
                counts[i] += other.counts[i];
            }
            for (int i = 0; i < money.length; i++) {
                money[i] += other.money[i];
            }
        }

        void bind(PreparedStatement s, int first) throws SQLException {
            int i = first;
            for (long c : counts) {
                s.setLong(i++, c);
            }
            for (double m : money) {
                s.setDouble(i++, m);
            }
        }
    }
}

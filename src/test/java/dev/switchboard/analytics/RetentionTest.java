package dev.switchboard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.Retention;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Rollups agree with the raw rows, retention deletes exactly the rows it should, an agent's month-to-date spend
 * (its budget) is still right after the raw rows of this month are gone and the gateway restarts, and a
 * database without rollups (usage or failure ones) gets them rebuilt from its raw rows.
 */
class RetentionTest {
    private static final double MONTHLY_BUDGET = 1000;
    /** The rollup columns compared between the incremental sums and the raw rows' aggregates. */
    private static final String RAW_AGGREGATES = "SELECT COALESCE(caller, '') AS agent, COALESCE(model, '') AS model, COUNT(*) AS requests, "
            + "SUM(prompt_tokens) AS prompt_tokens, SUM(completion_tokens) AS completion_tokens, SUM(cached_tokens) AS cached_tokens, "
            + "SUM(reasoning_tokens) AS reasoning_tokens, SUM(fallback_count) AS fallbacks, SUM(latency_ms) AS latency_ms_sum, "
            + "SUM(cost_usd) AS cost_usd, SUM(planned_cost_usd) AS planned_cost_usd FROM usage_record GROUP BY caller, model ORDER BY 1, 2";
    private static final String ROLLUP_AGGREGATES = "SELECT agent, model, SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens, "
            + "SUM(completion_tokens) AS completion_tokens, SUM(cached_tokens) AS cached_tokens, SUM(reasoning_tokens) AS reasoning_tokens, "
            + "SUM(fallbacks) AS fallbacks, SUM(latency_ms_sum) AS latency_ms_sum, SUM(cost_usd) AS cost_usd, "
            + "SUM(planned_cost_usd) AS planned_cost_usd FROM %s GROUP BY agent, model ORDER BY 1, 2";

    /** The columns a rebuild from raw rows restores: all but the cache savings, which raw rows keep in a tag. */
    private static final String REBUILT = String.join(", ", java.util.stream.Stream.of(UsageRollups.KEYS, UsageRollups.COUNTERS,
            UsageRollups.histogram("latency"), UsageRollups.histogram("ttft"), List.of("cost_usd", "planned_cost_usd")).flatMap(List::stream).toList());

    private static final String FAILURE_COLUMNS = String.join(", ", java.util.stream.Stream.of(UsageRollups.FAILURE_KEYS,
            UsageRollups.FAILURE_COUNTERS).flatMap(List::stream).toList());

    @Test
    void should_keep_rollups_and_budgets_through_retention_and_rebuild_missing_rollups() throws Exception {
        Path data = Files.createTempDirectory("switchboard-retention");
        TestDatabase database = TestDatabase.of(data);
        Map<String, String> env = Map.of("SWITCHBOARD_DATA", data.toString(), "SWITCHBOARD_RETENTION_DAYS", "1");
        Instant now = Instant.now();
        // 3,000 requests over the last 70 days and 300 from 14 to 15 months ago, older than any rollup is kept
        List<UsageRecord> rows = new ArrayList<>(UsageHistory.generate(3_000, now, Duration.ofDays(70), 7, "recent-"));
        rows.addAll(UsageHistory.generate(300, now.minus(Duration.ofDays(425)), Duration.ofDays(30), 8, "ancient-"));
        Instant monthStart = YearMonth.now(ZoneOffset.UTC).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        double alphaThisMonth = rows.stream().filter(r -> r.caller().equals("alpha") && !r.createdAt().isBefore(monthStart))
                .mapToDouble(UsageRecord::costUsd).sum();
        List<List<Object>> rollupsBefore;
        List<List<Object>> dailyBefore;
        List<List<Object>> failuresBefore;
        long weeklyBefore;
        try (Gateway gw = Gateway.start(env)) {
            HttpResponse<String> agent = gw.admin("POST", "/admin/api/agents", "{\"id\":\"alpha\",\"monthlyBudgetUsd\":" + MONTHLY_BUDGET + "}");
            assertEquals(201, agent.statusCode(), agent.body());
            rows.forEach(gw.app.usageWriter()::submit);
            Await.until("the rows written", Duration.ofSeconds(60), () -> gw.app.usageWriter().pending(), p -> p == 0);
            try (Connection c = database.connect()) {
                assertRollupsMatchRawRows(c);
                rollupsBefore = table(c, "SELECT " + REBUILT + " FROM usage_hourly ORDER BY " + String.join(", ", UsageRollups.KEYS));
                dailyBefore = table(c, "SELECT " + REBUILT + " FROM usage_daily ORDER BY " + String.join(", ", UsageRollups.KEYS));
                weeklyBefore = count(c, "SELECT COUNT(*) FROM usage_weekly");
                failuresBefore = table(c, "SELECT " + FAILURE_COLUMNS + " FROM failure_hourly ORDER BY " + FAILURE_COLUMNS);

                Instant rawCutoff = now.minus(Duration.ofDays(1));
                Instant rollupCutoff = YearMonth.now(ZoneOffset.UTC).minusMonths(Retention.ROLLUP_MONTHS).atDay(1).atStartOfDay()
                        .toInstant(ZoneOffset.UTC);
                long oldRaw = rows.stream().filter(r -> r.createdAt().isBefore(rawCutoff)).count();
                long oldRollups = before(rollupsBefore, rollupCutoff).size() + before(dailyBefore, rollupCutoff).size()
                        + count(c, "SELECT COUNT(*) FROM usage_weekly WHERE period_start < TIMESTAMP '" + java.sql.Timestamp.from(rollupCutoff) + "'");
                long oldFailures = 0;
                for (String table : UsageRollups.FAILURE_TABLES) {
                    oldFailures += count(c, "SELECT COUNT(*) FROM " + table + " WHERE period_start < TIMESTAMP '" + java.sql.Timestamp.from(rollupCutoff) + "'");
                }
                assertTrue(oldRollups > 0 && oldRaw > 0 && oldFailures > 0);
                // checks and feedback of requests are kept as long as their raw rows: two old ones go, the recent ones stay
                insertQuality(c, "old-1", now.minus(Duration.ofDays(2)), true);
                insertQuality(c, "new-1", now.minus(Duration.ofHours(1)), true);
                insertQuality(c, "old-2", now.minus(Duration.ofDays(3)), false);
                Retention.Deleted deleted = gw.app.retention().run(now);
                assertEquals(new Retention.Deleted((int) oldRaw, (int) (oldRollups + oldFailures), 3), deleted);
                assertEquals(1, count(c, "SELECT COUNT(*) FROM quality_check"));
                assertEquals(1, count(c, "SELECT COUNT(*) FROM feedback"));
                assertEquals(rows.size() - oldRaw, count(c, "SELECT COUNT(*) FROM usage_record"));
                assertEquals(rollupsBefore.size() + dailyBefore.size() + weeklyBefore - oldRollups, count(c, "SELECT COUNT(*) FROM usage_hourly")
                        + count(c, "SELECT COUNT(*) FROM usage_daily") + count(c, "SELECT COUNT(*) FROM usage_weekly"));
            }
        }
        try (Gateway gw = Gateway.start(env)) {
            // the spend of this month comes back from the rollups, though its raw rows are gone
            double remaining = Await.until("the budget gauge", Gateway.TIMEOUT, () -> gauge(gw, "alpha", "monthly"), v -> !Double.isNaN(v));
            assertEquals(MONTHLY_BUDGET - alphaThisMonth, remaining, 1e-9);
        }
        Instant rebuiltFrom = now.minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        try (Connection c = database.connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM usage_hourly");
            s.execute("DELETE FROM usage_daily");
            s.execute("DELETE FROM usage_weekly");
            for (String table : UsageRollups.FAILURE_TABLES) {
                s.execute("DELETE FROM " + table); // as a database from before the failure rollups has them (migration V20)
            }
        }
        database.release();
        try (Gateway gw = Gateway.start(env); Connection c = database.connect()) {
            // whole hours and days whose raw rows all survived are rebuilt exactly as the writer had summed them
            assertRebuilt(c, UsageRollups.HOURLY, rollupsBefore, rebuiltFrom);
            assertRebuilt(c, UsageRollups.DAILY, dailyBefore, now.truncatedTo(ChronoUnit.DAYS));
            assertRollupsMatchRawRows(c);
            String since = " WHERE period_start >= TIMESTAMP '" + java.sql.Timestamp.from(rebuiltFrom) + "'";
            List<List<Object>> failures = table(c, "SELECT " + FAILURE_COLUMNS + " FROM failure_hourly" + since + " ORDER BY " + FAILURE_COLUMNS);
            assertTrue(!failures.isEmpty());
            assertEquals(failuresBefore.stream().filter(r -> !((java.sql.Timestamp) r.get(0)).toInstant().isBefore(rebuiltFrom)).toList(), failures,
                    "failure rollups rebuilt from the attempts of the surviving raw rows");
        }
    }

    /** A quality check row of a request at {@code at}, and its feedback when {@code rated}. */
    private static void insertQuality(Connection c, String requestId, Instant at, boolean rated) throws SQLException {
        try (Statement s = c.createStatement()) {
            String ts = "TIMESTAMP '" + java.sql.Timestamp.from(at) + "'";
            s.execute("INSERT INTO quality_check (request_id, created_at, agent, model, task_type, checked, flags, flag_count) VALUES ('"
                    + requestId + "', " + ts + ", 'alpha', 'gpt-4o', 'chat', TRUE, '', 0)");
            if (rated) {
                s.execute("INSERT INTO feedback (request_id, agent, score, raw_score, scale, created_at) VALUES ('" + requestId
                        + "', 'alpha', 1, 1, 'thumbs', " + ts + ")");
            }
        }
    }

    private static void assertRollupsMatchRawRows(Connection c) throws SQLException {
        for (String rollup : UsageRollups.TABLES) {
            assertEquals(table(c, RAW_AGGREGATES), table(c, ROLLUP_AGGREGATES.formatted(rollup)), rollup + " == raw aggregates");
        }
    }

    private static void assertRebuilt(Connection c, String table, List<List<Object>> before, Instant from) throws SQLException {
        String since = " WHERE period_start >= TIMESTAMP '" + java.sql.Timestamp.from(from) + "'";
        List<List<Object>> rebuilt = table(c, "SELECT " + REBUILT + " FROM " + table + since + " ORDER BY " + String.join(", ", UsageRollups.KEYS));
        List<List<Object>> expected = before.stream().filter(r -> !((java.sql.Timestamp) r.get(0)).toInstant().isBefore(from)).toList();
        assertTrue(!expected.isEmpty(), table);
        assertEquals(expected, rebuilt, table);
    }

    private static List<List<Object>> before(List<List<Object>> rows, Instant cutoff) {
        return rows.stream().filter(r -> ((java.sql.Timestamp) r.get(0)).toInstant().isBefore(cutoff)).toList();
    }

    private static double gauge(Gateway gw, String agent, String budget) {
        String metrics = gw.get(gw.managementUrl() + "/metrics").body();
        Matcher m = Pattern.compile("switchboard_budget_remaining_usd\\{agent=\"" + agent + "\",budget=\"" + budget + "\",?\\} (\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private static List<List<Object>> table(Connection c, String sql) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData meta = r.getMetaData();
            while (r.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object v = r.getObject(i);
                    row.add(v instanceof Number n && !(v instanceof Double) ? n.longValue() : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }
}

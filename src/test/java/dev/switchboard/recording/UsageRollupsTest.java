package dev.switchboard.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.boot.Database;
import dev.switchboard.support.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sums wait in memory while the database is away and reach every rollup table exactly once when it is back. */
class UsageRollupsTest {
    private static final Instant AT = Instant.parse("2026-11-25T10:15:00Z"); // a Wednesday

    @Test
    void should_keep_sums_through_a_failed_flush_and_write_them_once() throws SQLException {
        TestDatabase test = TestDatabase.fresh("rollups");
        Database db = new Database(test.url(), test.user(), test.password());
        db.migrate();
        UsageRollups rollups = new UsageRollups(SqlDialect.of(test.url()));
        rollups.add(row(AT, 100, 1.0 / 8));
        rollups.add(row(AT.plusSeconds(60), 3_000, 1.0 / 4));

        Database away = new Database("jdbc:hsqldb:hsql://127.0.0.1:1/nowhere", "SA", "");
        assertThrows(IllegalStateException.class, () -> rollups.flush(away));
        assertFalse(rollups.isEmpty(), "the sums are kept for the next try");

        rollups.flush(db);
        assertTrue(rollups.isEmpty());
        rollups.flush(db); // nothing left: nothing added twice
        for (String table : UsageRollups.TABLES) {
            try (Connection c = db.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT period_start, requests, latency_ms_sum, latency_b2, latency_b12, cost_usd FROM " + table)) {
                assertTrue(r.next(), table);
                Instant period = r.getTimestamp(1).toInstant();
                assertEquals(switch (table) {
                    case UsageRollups.HOURLY -> Instant.parse("2026-11-25T10:00:00Z");
                    case UsageRollups.DAILY -> Instant.parse("2026-11-25T00:00:00Z");
                    default -> Instant.parse("2026-11-23T00:00:00Z");
                }, period, table);
                assertEquals(List.of(2L, 3_100L, 1L, 1L), List.of(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)), table);
                assertEquals(3.0 / 8, r.getDouble(6), 0.0, table);
                assertFalse(r.next(), table + ": one row for both requests");
            }
        }
        db.shutdown();
    }

    private static UsageRecord row(Instant at, long latencyMs, double cost) {
        return new UsageRecord("req-" + at.toEpochMilli(), at, "http", "chat", "alpha", "gpt-4o", "gpt-4o", "openai", null,
                List.of(new Attempt("gpt-4o", "openai", "ok", latencyMs, 200)), 10, 5, 15, cost, latencyMs, -1, 200, "ok", null, false,
                List.of(), 0, 0, "chat", null, cost);
    }
}

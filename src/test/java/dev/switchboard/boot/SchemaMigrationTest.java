package dev.switchboard.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * On HSQLDB, and on PostgreSQL in the run with {@code -Dswitchboard.test.db=postgres}. The schema is Flyway's: a new database gets every migration, and a database made by a release from before
 * migrations (tables, no history) is adopted in place, whatever columns it had, with its rows kept.
 */
class SchemaMigrationTest {
    /** The DDL the gateway ran at every start before Flyway, as it last was. */
    private static final String PRE_FLYWAY_DDL = "/db/pre-flyway-schema.sql";

    @Test
    void should_create_the_whole_schema_in_an_empty_database() throws SQLException {
        Database db = fresh();
        db.migrate();
        assertEquals("1", appliedVersions(db).get(0), "V1, then the features' own migrations");
        assertTrue(columns(db, "agent").contains("cache_policy"));
        assertTrue(db.migrate().endsWith(" (migrations applied now: 0)"), "a second start changes nothing");
    }

    @Test
    void should_adopt_a_database_made_by_the_last_release_before_migrations() throws Exception {
        Database db = fresh();
        preFlywayDdl().forEach(db::execute);
        insertOldRows(db);

        db.migrate();

        assertEquals(List.of("0", "1"), appliedVersions(db).subList(0, 2), "baselined at 0, then V1 applied over it");
        assertEquals(1, count(db, "SELECT COUNT(*) FROM usage_record WHERE request_id = 'old-1'"));
        assertEquals(1, count(db, "SELECT COUNT(*) FROM agent WHERE id = 'old-agent'"));
    }

    @Test
    void should_bring_an_older_pre_migration_database_up_to_date() throws Exception {
        Database db = fresh();
        // The first releases: the tables as first created, before any column was added to them.
        preFlywayDdl().stream().filter(sql -> sql.startsWith("CREATE TABLE")).forEach(db::execute);
        db.execute("ALTER TABLE usage_hourly DROP COLUMN cache_saved_usd");
        assertTrue(!columns(db, "agent").contains("user_tier"));
        insertOldRows(db);

        db.migrate();

        assertTrue(columns(db, "usage_record").containsAll(List.of("cached_tokens", "task_type", "planned_cost_usd")));
        assertTrue(columns(db, "agent").containsAll(List.of("user_tier", "cache_policy")));
        assertTrue(columns(db, "rule_version").containsAll(List.of("diff", "restorable")));
        assertTrue(columns(db, "admin_token").contains("last_used_at"));
        assertTrue(columns(db, "usage_hourly").contains("cache_saved_usd"));
        assertEquals(1, count(db, "SELECT COUNT(*) FROM rule_version WHERE restorable = TRUE"), "old versions stay restorable");
        assertEquals(1, count(db, "SELECT COUNT(*) FROM usage_record WHERE request_id = 'old-1'"));
    }

    private static Database fresh() {
        TestDatabase test = TestDatabase.fresh("migration");
        return new Database(test.url(), test.user(), test.password());
    }

    static List<String> preFlywayDdl() throws IOException {
        try (InputStream in = SchemaMigrationTest.class.getResourceAsStream(PRE_FLYWAY_DDL)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Arrays.stream(text.split(";")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
    }

    private static void insertOldRows(Database db) {
        db.execute("INSERT INTO usage_record (request_id, created_at, caller, model, status) VALUES ('old-1', CURRENT_TIMESTAMP, 'c', 'm', 200)");
        db.execute("INSERT INTO agent (id, name, active, created_at, updated_at) VALUES ('old-agent', 'Old', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
        db.execute("INSERT INTO rule_version (file, content, created_at) VALUES ('routing.drl', 'rule', CURRENT_TIMESTAMP)");
    }

    private static List<String> appliedVersions(Database db) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" = TRUE ORDER BY \"installed_rank\"")) {
            while (r.next()) {
                versions.add(r.getString(1));
            }
        }
        return versions;
    }

    private static List<String> columns(Database db, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM " + table + " WHERE 1 = 0")) {
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                names.add(r.getMetaData().getColumnName(i).toLowerCase(java.util.Locale.ROOT));
            }
        }
        return names;
    }

    private static long count(Database db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}

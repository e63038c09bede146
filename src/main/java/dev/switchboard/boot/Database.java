package dev.switchboard.boot;

import dev.switchboard.recording.SqlDialect;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Locale;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The gateway's database by JDBC URL: the embedded HSQLDB file database by default, any JDBC database by
 * URL. A fresh connection per use, so a database that went away and came back is picked up without a pool
 * holding dead connections; the usage writer batches, so connections are few.
 */
public final class Database implements DataSource {
    /** The migrations: portable SQL, for both databases. */
    static final String MIGRATIONS = "classpath:db/migration";
    /**
     * For the rare statement the two databases spell differently: the same version once per database, in
     * {@code db/vendor/hsqldb} and {@code db/vendor/postgresql}.
     */
    static final String VENDOR_MIGRATIONS = "classpath:db/vendor/";
    /**
     * A database made before migrations existed has tables but no history: it is marked as version 0, and V1
     * (idempotent on purpose) brings whatever it has up to date.
     */
    static final String PRE_MIGRATION_VERSION = "0";
    private final String url;
    private final String user;
    private final String password;

    public Database(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    public String url() {
        return url;
    }

    /**
     * Brings the schema to the newest version and says which it is; run before anything else uses the database.
     * A database that refuses a migration stops the gateway with the reason. Instances starting together on one
     * database take turns (Flyway locks its history table), so each migration runs once.
     */
    public String migrate() {
        MigrateResult result;
        try {
            result = Flyway.configure().dataSource(this).locations(MIGRATIONS, VENDOR_MIGRATIONS + vendor())
                    .baselineOnMigrate(true).baselineVersion(PRE_MIGRATION_VERSION)
                    .baselineDescription("schema made before migrations")
                    // The SQL is taken literally: no ${...} substitution.
                    .placeholderReplacement(false)
                    .load().migrate();
        } catch (RuntimeException e) {
            throw new IllegalStateException("database " + url + " could not be migrated: " + e.getMessage(), e);
        }
        String version = result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
        return version + " (migrations applied now: " + result.migrationsExecuted + ")";
    }

    private String vendor() {
        return SqlDialect.of(url).name().toLowerCase(Locale.ROOT);
    }

    /** Runs one statement; a database that refuses it fails with the reason. */
    public void execute(String sql) {
        try (Connection c = getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("database " + url + " refused: " + e.getMessage(), e);
        }
    }

    /** Closes an embedded HSQLDB cleanly (its files are consistent on the next start). */
    public void shutdown() {
        if (url.startsWith("jdbc:hsqldb:file:") || url.startsWith("jdbc:hsqldb:mem:")) {
            try (Connection c = getConnection(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            } catch (SQLException ignored) {
                // already closed
            }
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
        return DriverManager.getConnection(url, username, pass);
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // unused: errors surface as exceptions
    }

    @Override
    public void setLoginTimeout(int seconds) {
        DriverManager.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() {
        return DriverManager.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }

    @Override
    public String toString() {
        return "Database[" + url + "]";
    }
}

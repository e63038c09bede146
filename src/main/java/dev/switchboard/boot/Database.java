package dev.switchboard.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
 * The gateway's database by JDBC URL: the embedded HSQLDB file database by default, or PostgreSQL. HSQLDB gets a
 * fresh connection per use (in process, it costs next to nothing, and a database that went away and came back is
 * picked up without a pool holding dead connections). A PostgreSQL connection is a server process, about 20 ms
 * to open on a busy 2-core machine against 0.07 ms for a query on an open one: those come from a small pool,
 * which checks a connection before lending it and drops the broken ones, so a restarted server is picked up too.
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
    /** Pooled PostgreSQL connections at most: the usage writer, the quality recorder and the management API at once. */
    static final int POOL_SIZE = 16;
    /** Connections kept open while idle. */
    static final int POOL_IDLE = 2;
    /** How long a caller waits for a pooled connection (server away, or all busy) before failing as in an outage. */
    static final long POOL_WAIT_MS = 5_000;
    private final String url;
    private final String user;
    private final String password;
    /** Null for HSQLDB. */
    private final HikariDataSource pool;

    public Database(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.pool = SqlDialect.of(url) == SqlDialect.POSTGRESQL ? pool(url, user, password) : null;
    }

    private static HikariDataSource pool(String url, String user, String password) {
        return pool("switchboard-db", url, user, password, POOL_SIZE, POOL_IDLE);
    }

    /**
     * A pool of server connections with the gateway's settings: each checked before it is lent, at most
     * {@link #POOL_WAIT_MS} of waiting for one. A server that is down when the pool is made fails its first use, with
     * its reason, rather than this call.
     */
    public static HikariDataSource pool(String name, String url, String user, String password, int size, int idle) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(idle);
        config.setConnectionTimeout(POOL_WAIT_MS);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
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

    /** Closes an embedded HSQLDB cleanly (its files are consistent on the next start), or the pool of a server's connections. */
    public void shutdown() {
        if (pool != null) {
            pool.close();
            return;
        }
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
        return pool != null ? pool.getConnection() : DriverManager.getConnection(url, user, password);
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

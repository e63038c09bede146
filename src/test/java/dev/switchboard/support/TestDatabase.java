package dev.switchboard.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The database of a test gateway, on HSQLDB by default or on the JVM's {@link TestPostgres} when the run is
 * {@code -Dswitchboard.test.db=postgres} (the second surefire execution, see pom.xml). A data folder has one
 * database, so a gateway restarted on the same folder finds its rows on either.
 */
public record TestDatabase(String url, String user, String password) {
    /** The system property choosing the tests' database: {@code hsqldb} (default) or {@code postgres}. */
    public static final String PROPERTY = "switchboard.test.db";
    private static final Map<Path, TestDatabase> BY_DATA_DIR = new ConcurrentHashMap<>();

    public static boolean postgres() {
        return "postgres".equals(System.getProperty(PROPERTY));
    }

    /** A new, empty database; {@code name} says whose (it shows in the database's name). */
    public static TestDatabase fresh(String name) {
        if (postgres()) {
            return new TestDatabase(TestPostgres.get().newDatabase(name), TestPostgres.USER, "");
        }
        return new TestDatabase("jdbc:hsqldb:mem:" + name + "-" + UUID.randomUUID(), "SA", "");
    }

    /** The database of a gateway's data folder: the embedded file database there, or one PostgreSQL database per folder. */
    public static TestDatabase of(Path dataDir) {
        if (postgres()) {
            return BY_DATA_DIR.computeIfAbsent(dataDir.toAbsolutePath().normalize(), dir -> fresh("data"));
        }
        return new TestDatabase("jdbc:hsqldb:file:" + dataDir.resolve("db").resolve("switchboard") + ";hsqldb.tx=mvcc", "SA", "");
    }

    /** The gateway settings that point it here. */
    public Map<String, String> env() {
        return Map.of("SWITCHBOARD_DB_URL", url, "SWITCHBOARD_DB_USER", user, "SWITCHBOARD_DB_PASSWORD", password);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /** Closes an embedded HSQLDB this test opened, so that the next gateway on the folder opens it afresh; a server database stays up. */
    public void release() throws SQLException {
        if (url.startsWith("jdbc:hsqldb:file:")) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("SHUTDOWN");
            }
        }
    }
}

package dev.switchboard.resilience;

import dev.switchboard.support.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hsqldb.server.Server;
import org.hsqldb.server.ServerConstants;

/**
 * The usage database in another "process": an HSQLDB server on loopback with one file database, so its rows
 * outlive a stop, stopped and started again on the same port and files (as in RecordsSurviveDatabaseOutageTest).
 */
public final class UsageDatabaseServer implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What a test reads back of one usage row. */
    public record Row(String requestId, int status, String outcome, boolean stream, String model, String attempts) {
    }

    private final Path dir;
    private final int port;
    private volatile Server server;

    private UsageDatabaseServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static UsageDatabaseServer startNew() throws IOException {
        UsageDatabaseServer db = new UsageDatabaseServer(Files.createTempDirectory("switchboard-chaos-db"), freePort());
        db.start();
        return db;
    }

    public String jdbcUrl() {
        return "jdbc:hsqldb:hsql://127.0.0.1:" + port + "/usage";
    }

    boolean online() {
        Server s = server;
        return s != null && s.getState() == ServerConstants.SERVER_STATE_ONLINE;
    }

    synchronized void start() {
        Server s = new Server();
        s.setAddress("127.0.0.1");
        s.setPort(port);
        s.setDatabaseName(0, "usage");
        s.setDatabasePath(0, "file:" + dir.resolve("usage"));
        s.setSilent(true);
        s.setTrace(false);
        s.setLogWriter(null);
        s.setErrWriter(null);
        s.setNoSystemExit(true);
        s.start();
        server = s;
        Await.until("the usage database online on port " + port, WAIT, s::getState,
                state -> state == ServerConstants.SERVER_STATE_ONLINE);
    }

    /** Closes the database cleanly (its files keep every committed row) and the server with it. */
    synchronized void stop() {
        Server s = server;
        if (s == null || s.getState() == ServerConstants.SERVER_STATE_SHUTDOWN) {
            return;
        }
        s.shutdownWithCatalogs(org.hsqldb.Database.CLOSEMODE_NORMAL);
        Await.until("the usage database shut down", WAIT, s::getState,
                state -> state == ServerConstants.SERVER_STATE_SHUTDOWN);
    }

    /** Rows in the usage table, or -1 while it cannot be read. */
    long count() {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "SA", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM usage_record")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Every row by request id; a request id seen twice fails (the table's key should make that impossible). */
    public Map<String, Row> rows() throws SQLException {
        Map<String, Row> rows = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "SA", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT request_id, status, outcome, stream, model, attempts FROM usage_record")) {
            while (rs.next()) {
                Row row = new Row(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getBoolean(4), rs.getString(5), rs.getString(6));
                if (rows.put(row.requestId(), row) != null) {
                    throw new AssertionError("two usage rows for request " + row.requestId());
                }
            }
        }
        return rows;
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

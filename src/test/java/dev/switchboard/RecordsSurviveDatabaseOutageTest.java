package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hsqldb.server.Server;
import org.hsqldb.server.ServerConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway against a usage database in another "process" (an HSQLDB server on loopback, file-backed so its
 * rows outlive a stop): while the database is away, callers are still answered, health says so, and every
 * usage row is written once the database is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordsSurviveDatabaseOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private UsageDatabase database;
    private Gateway gateway;

    @BeforeAll
    void start() throws IOException {
        database = new UsageDatabase(Files.createTempDirectory("switchboard-usage-db"), freePort());
        database.start();
        try {
            gateway = Gateway.start(Map.of("SWITCHBOARD_DB_URL", database.jdbcUrl()));
        } catch (RuntimeException e) {
            database.stop();
            throw e;
        }
    }

    @AfterAll
    void stop() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (database != null) {
                database.stop();
            }
        }
    }

    @Test
    void should_answer_every_request_while_the_database_is_down_and_write_their_rows_when_it_is_back() {
        String before = chat("before the outage");
        assertEquals(before, gateway.usageRow(before).path("request_id").asText(), "the row of a request before the outage");

        List<String> during = new ArrayList<>();
        database.stop();
        try {
            for (int i = 0; i < 5; i++) {
                during.add(chat("during the outage " + i));
            }

            HttpResponse<String> usage = gateway.get(gateway.managementUrl() + "/admin/api/usage?limit=500");
            assertEquals(503, usage.statusCode(), "reading usage while the database is away: " + usage.body());
            assertEquals("database_unavailable", json(usage.body()).path("error").path("code").asText(), usage.body());
            HttpResponse<String> analytics = gateway.get(gateway.managementUrl() + "/admin/api/analytics/usage?bucket=none");
            assertEquals(503, analytics.statusCode(), "analytics while the database is away: " + analytics.body());
            assertEquals("database_unavailable", json(analytics.body()).path("error").path("code").asText(), analytics.body());
        } finally {
            database.start();
        }

        JsonNode row = gateway.usageRow(before);
        assertEquals("http", row.path("entry").asText(), "the row written before the outage survived it: " + row);
        for (String id : during) {
            JsonNode r = gateway.usageRow(id);
            assertEquals(200, r.path("status").asInt(), r.toString());
            assertEquals("gpt-4o-mini", r.path("model").asText(), r.toString());
            assertEquals(18, r.path("total_tokens").asInt(), r.toString());
        }
        JsonNode health = awaitHealth("UP");
        assertEquals(0, health.path("checks").path("database").path("pendingRows").asInt(), health.toString());
        // the rollups took every row once, those written after the outage included
        int rows = json(gateway.get(gateway.managementUrl() + "/admin/api/usage?limit=500").body()).path("data").size();
        JsonNode total = json(gateway.get(gateway.managementUrl() + "/admin/api/analytics/usage?bucket=none").body());
        assertEquals(rows, total.path("data").path(0).path("requests").asInt(), total.toString());
    }

    @Test
    void should_report_the_database_down_at_health_while_it_is_away() {
        awaitHealth("UP");

        String id;
        database.stop();
        try {
            // The writer notices the outage on its first failed write: a request gives it one.
            id = chat("tell health about the outage");
            JsonNode down = awaitHealth("DOWN");
            assertEquals("DEGRADED", down.path("status").asText(), down.toString());
            HttpResponse<String> raw = gateway.get(gateway.managementUrl() + "/health");
            assertEquals(503, raw.statusCode(), "a load balancer must see the degraded gateway: " + raw.body());
        } finally {
            database.start();
        }

        JsonNode up = awaitHealth("UP");
        assertEquals("UP", up.path("status").asText(), up.toString());
        assertEquals(id, gateway.usageRow(id).path("request_id").asText());
    }

    @Test
    void should_count_every_row_waiting_for_the_database_at_health() {
        awaitHealth("UP");

        List<String> waiting = new ArrayList<>();
        database.stop();
        try {
            for (int i = 0; i < 3; i++) {
                waiting.add(chat("count me " + i));
            }
            awaitHealth("DOWN");
            // An operator reads pendingRows to know how much is not yet recorded: all three rows, none written.
            Await.until("health pendingRows == " + waiting.size(), Duration.ofSeconds(5),
                    () -> json(gateway.get(gateway.managementUrl() + "/health").body()),
                    h -> h.path("checks").path("database").path("pendingRows").asInt() == waiting.size());
        } finally {
            database.start();
        }

        for (String id : waiting) {
            gateway.usageRow(id);
        }
        JsonNode up = awaitHealth("UP");
        assertEquals(0, up.path("checks").path("database").path("pendingRows").asInt(), up.toString());
    }

    /** One chat request, answered 200 by the fake; returns its request id. */
    private String chat(String text) {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", text));
        assertEquals(200, r.statusCode(), "the caller is answered whatever the database does: " + r.body());
        assertEquals("Hello from gpt-4o-mini",
                json(r.body()).path("choices").path(0).path("message").path("content").asText(), r.body());
        String id = r.headers().firstValue("x-switchboard-request-id").orElse("");
        assertFalse(id.isBlank(), "every answer carries its request id");
        return id;
    }

    /** Waits until GET /health reports the database check as {@code status}; returns the health body. */
    private JsonNode awaitHealth(String status) {
        return Await.until("health database " + status, WAIT,
                () -> json(gateway.get(gateway.managementUrl() + "/health").body()),
                h -> status.equals(h.path("checks").path("database").path("status").asText()));
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An HSQLDB server with one file database, stopped and started again on the same port and files. */
    private static final class UsageDatabase {
        private final Path dir;
        private final int port;
        private Server server;

        UsageDatabase(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        String jdbcUrl() {
            return "jdbc:hsqldb:hsql://127.0.0.1:" + port + "/usage";
        }

        void start() {
            Server s = new Server();
            s.setAddress("127.0.0.1");
            s.setPort(port);
            s.setDatabaseName(0, "usage");
            s.setDatabasePath(0, "file:" + dir.resolve("usage"));
            s.setSilent(true);
            s.setTrace(false);
            s.setLogWriter(null);
            s.setNoSystemExit(true);
            s.start();
            server = s;
            Await.until("the usage database online on port " + port, WAIT, s::getState,
                    state -> state == ServerConstants.SERVER_STATE_ONLINE);
        }

        /** Closes the database cleanly (its files hold every committed row) and the server with it. */
        void stop() {
            Server s = server;
            if (s == null || s.getState() == ServerConstants.SERVER_STATE_SHUTDOWN) {
                return;
            }
            s.shutdownWithCatalogs(org.hsqldb.Database.CLOSEMODE_NORMAL);
            Await.until("the usage database shut down", WAIT, s::getState,
                    state -> state == ServerConstants.SERVER_STATE_SHUTDOWN);
        }
    }
}

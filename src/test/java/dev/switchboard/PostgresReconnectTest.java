package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import dev.switchboard.support.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * On PostgreSQL (always, whatever the run's database), the gateway keeps a pool of server connections: when the
 * server drops them all (a restart, a failover, an idle cut), the next rows are still written, on new connections.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresReconnectTest {
    private TestDatabase database;
    private Gateway gateway;

    @BeforeAll
    void start() {
        database = new TestDatabase(TestPostgres.get().newDatabase("reconnect"), "switchboard", "");
        gateway = Gateway.start(database.env());
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void should_write_usage_rows_after_the_server_dropped_every_pooled_connection() throws Exception {
        String before = chat();
        gateway.usageRow(before);

        assertTrue(dropGatewayConnections() > 0, "the gateway had pooled connections open");

        String after = chat();
        assertEquals(after, gateway.usageRow(after).path("request_id").asText());
        assertEquals(200, gateway.get(gateway.managementUrl() + "/admin/api/agents").statusCode(), "the management API reads again");
    }

    private String chat() {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }

    /** Ends, on the server, every session of the gateway's database but this one: how many it ended. */
    private int dropGatewayConnections() throws Exception {
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.resilience.UsageDatabaseServer;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Two gateways on one database: a global setting changed on one serves on the other within a second (the change log). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GlobalSettingsFleetTest {
    /** The promise for changes made on one instance. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
    private UsageDatabaseServer database;
    private Gateway a;
    private Gateway b;

    @BeforeAll
    void start() throws Exception {
        database = UsageDatabaseServer.startNew();
        a = Gateway.start(Map.of("SWITCHBOARD_DB_URL", database.jdbcUrl(), "SWITCHBOARD_INSTANCE_ID", "A"));
        b = Gateway.start(Map.of("SWITCHBOARD_DB_URL", database.jdbcUrl(), "SWITCHBOARD_INSTANCE_ID", "B"));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {b, a, database}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void should_refuse_unkeyed_callers_on_every_instance_within_a_second_of_an_admin_turning_anonymous_access_off() {
        assertEquals(200, b.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "open before");
        assertEquals(200, a.admin("PUT", "/admin/api/settings", "{\"allowAnonymous\":false}").statusCode());
        Await.until("B refusing unkeyed callers", WITHIN, () -> b.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), s -> s == 401);
        assertEquals(200, a.admin("DELETE", "/admin/api/settings/allowAnonymous", null).statusCode());
        Await.until("B serving them again", WITHIN, () -> b.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), s -> s == 200);
    }
}

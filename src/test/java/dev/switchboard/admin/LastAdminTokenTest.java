package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Without SWITCHBOARD_ADMIN_TOKEN, the API never revokes the last admin token: its admins cannot lock themselves out. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LastAdminTokenTest {
    /** An operator's admin token, put in the database as if made earlier with POST /admin/api/tokens. */
    private static final String OPERATOR = "sb-admin-operator-token-0123456789";
    private final TestDatabase database = TestDatabase.fresh("last_admin");
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(database.env());
        env.put("SWITCHBOARD_ADMIN_TOKEN", "");
        gw = Gateway.start(env);
        try (Connection c = database.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO admin_token (token_hash, name, role, created_at) VALUES (?, 'operator', 'ADMIN', ?)")) {
            insert.setString(1, AccessControl.hash(OPERATOR));
            insert.setTimestamp(2, Timestamp.from(Instant.now()));
            insert.executeUpdate();
        }
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> revoke(String name) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/tokens/" + name))
                .header("Authorization", "Bearer " + OPERATOR).DELETE().build());
    }

    @Test
    void should_revoke_admin_tokens_but_the_last_one() throws Exception {
        assertEquals(200, revoke("first-admin").statusCode(), "the token printed at first start");
        HttpResponse<String> last = revoke("operator");
        assertEquals(409, last.statusCode(), last.body());
        assertEquals("last_admin_token", Gateway.MAPPER.readTree(last.body()).at("/error/code").asText());
        assertEquals(200, gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/tokens"))
                .header("Authorization", "Bearer " + OPERATOR).build()).statusCode(), "still in");
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Management tokens are listed (never their secret) and revoked by name; a revoked token is refused at once. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminTokensTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode listed(String name) throws Exception {
        HttpResponse<String> r = call("GET", "/admin/api/tokens", Gateway.ADMIN_TOKEN, null);
        assertEquals(200, r.statusCode(), r.body());
        for (JsonNode t : Gateway.MAPPER.readTree(r.body()).path("data")) {
            if (t.path("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no token '" + name + "' in " + r.body());
    }

    @Test
    void should_list_tokens_without_their_secret_and_refuse_a_revoked_one_at_once() throws Exception {
        String viewer = gw.createToken("ci-viewer", "viewer");
        assertEquals(200, call("GET", "/admin/api/rules", viewer, null).statusCode());

        String list = call("GET", "/admin/api/tokens", Gateway.ADMIN_TOKEN, null).body();
        assertFalse(list.contains(viewer) || list.contains(AccessControl.hash(viewer)) || list.contains(Gateway.ADMIN_TOKEN),
                "neither a token nor its hash is listed: " + list);
        JsonNode listedViewer = listed("ci-viewer");
        assertEquals("viewer", listedViewer.path("role").asText());
        assertFalse(listedViewer.path("revoked").asBoolean());
        assertTrue(listedViewer.path("createdAt").isTextual() && listedViewer.path("lastUsedAt").isTextual(), listedViewer.toString());
        assertEquals("environment", listed("env-admin").path("source").asText());
        assertEquals(403, call("GET", "/admin/api/tokens", viewer, null).statusCode(), "admins only");
        assertEquals(403, call("DELETE", "/admin/api/tokens/ci-viewer", viewer, null).statusCode(), "admins only");

        HttpResponse<String> revoked = call("DELETE", "/admin/api/tokens/ci-viewer", Gateway.ADMIN_TOKEN, null);
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals(401, call("GET", "/admin/api/rules", viewer, null).statusCode(), "refused from the next call on");
        assertTrue(listed("ci-viewer").path("revoked").asBoolean());
        assertEquals(404, call("DELETE", "/admin/api/tokens/ci-viewer", Gateway.ADMIN_TOKEN, null).statusCode(), "already revoked");
        assertTrue(call("GET", "/admin/api/audit?limit=100", Gateway.ADMIN_TOKEN, null).body().contains("tokens.revoke"));
    }

    @Test
    void should_keep_the_environment_token_and_revoke_every_token_of_a_name() throws Exception {
        HttpResponse<String> env = call("DELETE", "/admin/api/tokens/env-admin", Gateway.ADMIN_TOKEN, null);
        assertEquals(409, env.statusCode(), env.body());
        assertEquals("token_from_environment", Gateway.MAPPER.readTree(env.body()).at("/error/code").asText());
        assertEquals(200, call("GET", "/admin/api/rules", Gateway.ADMIN_TOKEN, null).statusCode());

        HttpResponse<String> reserved = call("POST", "/admin/api/tokens", Gateway.ADMIN_TOKEN, "{\"name\":\"env-admin\",\"role\":\"admin\"}");
        assertEquals(400, reserved.statusCode(), reserved.body());
        assertEquals("name", Gateway.MAPPER.readTree(reserved.body()).at("/error/param").asText());
        String first = gw.createToken("deployer", "editor");
        String second = gw.createToken("deployer", "editor");
        assertEquals(200, call("DELETE", "/admin/api/tokens/deployer", Gateway.ADMIN_TOKEN, null).statusCode());
        assertEquals(401, call("GET", "/admin/api/rules", first, null).statusCode(), "every live token of the name is revoked");
        assertEquals(401, call("GET", "/admin/api/rules", second, null).statusCode());
        HttpResponse<String> longName = call("POST", "/admin/api/tokens", Gateway.ADMIN_TOKEN, "{\"name\":\"" + "n".repeat(200) + "\",\"role\":\"viewer\"}");
        assertEquals(400, longName.statusCode(), longName.body());
        assertEquals(404, call("DELETE", "/admin/api/tokens/nobody", Gateway.ADMIN_TOKEN, null).statusCode());
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The NUL character in a management write is a 400 naming the field on every database: PostgreSQL cannot store
 * it (the write used to fail with a 500 there), HSQLDB would have stored it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NulTextTest {
    private static final String NUL = "\\u0000"; // as JSON escapes it
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_refuse_a_nul_in_a_json_field_naming_it() throws IOException {
        assertRefused(gw.admin("POST", "/admin/api/agents", "{\"id\":\"nul-agent\",\"name\":\"a" + NUL + "b\"}"), "name");
        assertRefused(gw.admin("POST", "/admin/api/agents", "{\"id\":\"nul-agent\",\"parameters\":{\"stop\":[\"ok\",\"x" + NUL + "\"]}}"),
                "parameters.stop[1]");
        assertRefused(gw.admin("POST", "/admin/api/tokens", "{\"name\":\"t" + NUL + "\",\"role\":\"viewer\"}"), "name");
        assertEquals(404, gw.admin("GET", "/admin/api/agents/nul-agent", null).statusCode(), "nothing was created");
    }

    @Test
    void should_refuse_a_nul_in_a_raw_text_body() throws IOException {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/nul.drl"))
                .header("Content-Type", "text/plain").PUT(HttpRequest.BodyPublishers.ofString("package rules;\n// a\u0000b\n")).build());
        assertRefused(r, "body");
    }

    @Test
    void should_take_the_six_characters_backslash_u0000_as_text() throws IOException {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/agents", "{\"id\":\"escaped\",\"systemPrompt\":\"write \\\\u0000 for NUL\"}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode agent = Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/agents/escaped", null).body());
        assertEquals("write \\u0000 for NUL", agent.path("systemPrompt").asText(), agent.toString());
    }

    private static void assertRefused(HttpResponse<String> r, String param) throws IOException {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals(param, error.path("param").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
    }
}

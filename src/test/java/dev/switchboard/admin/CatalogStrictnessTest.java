package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog API refuses what used to be ignored or break requests later: a misspelt key (refused with its path) and
 * dropping a model or chain that a chain, a model, an agent or a rule still names (refused naming them).
 */
class CatalogStrictnessTest {
    private static Gateway gw;

    @BeforeAll
    static void start() {
        gw = Gateway.start();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void should_refuse_an_import_with_a_misspelt_key_naming_its_path() throws IOException {
        String exported = gw.get(gw.managementUrl() + "/admin/api/config/export").body();
        String typo = exported.replaceFirst("contextWindow", "contextWindw");

        HttpResponse<String> r = send("POST", "/admin/api/config/import", typo, "application/yaml");
        assertEquals(400, r.statusCode(), r.body());
        String message = error(r).path("message").asText();
        assertTrue(message.contains("models[0].contextWindw: unknown key"), message);
        assertTrue(message.contains("contextWindow"), "the keys the section takes are listed: " + message);
    }

    @Test
    void should_refuse_a_put_with_a_misspelt_nested_key() throws IOException {
        HttpResponse<String> r = send("PUT", "/admin/api/catalog/models/typo-model",
                "{\"provider\":\"openai\",\"contextWindow\":1000,\"price\":{\"input\":1,\"ouptut\":1}}", "application/json");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(error(r).path("message").asText().contains("].price.ouptut: unknown key"), r.body());
        assertEquals(404, send("GET", "/admin/api/catalog/models/typo-model", null, null).statusCode(), "nothing applied");
    }

    @Test
    void should_refuse_deleting_a_model_still_named_by_a_chain_an_agent_and_a_rule() throws IOException {
        agent("{\"id\":\"premium-bot\",\"primaryModel\":\"gpt-4o\"}");

        HttpResponse<String> r = send("DELETE", "/admin/api/catalog/models/gpt-4o", null, null);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = error(r);
        assertEquals("in_use", error.path("code").asText());
        String message = error.path("message").asText();
        for (String user : new String[] {"chains.rescue", "agent 'premium-bot'", "rule file 'routing.drl'"}) {
            assertTrue(message.contains(user), user + " is named: " + message);
        }
        assertEquals(200, send("GET", "/admin/api/catalog/models/gpt-4o", null, null).statusCode(), "nothing applied");
    }

    @Test
    void should_refuse_deleting_a_chain_an_agent_uses_and_allow_deleting_an_unused_model() throws IOException {
        agent("{\"id\":\"rescue-bot\",\"chain\":\"rescue\"}");

        HttpResponse<String> chain = send("DELETE", "/admin/api/catalog/chains/rescue", null, null);
        assertEquals(400, chain.statusCode(), chain.body());
        assertTrue(error(chain).path("message").asText().contains("agent 'rescue-bot'"), chain.body());

        HttpResponse<String> unused = send("DELETE", "/admin/api/catalog/models/garbled", null, null);
        assertEquals(200, unused.statusCode(), unused.body());
    }

    @Test
    void should_refuse_an_import_that_drops_a_chain_an_agent_uses() throws IOException {
        agent("{\"id\":\"import-bot\",\"chain\":\"rescue\"}");
        String exported = gw.get(gw.managementUrl() + "/admin/api/config/export").body();
        String withoutChains = exported.replaceAll("(?m)^chains:\\s*\\n(^[ -].*\\n?)*", "");
        assertTrue(!withoutChains.contains("rescue"), "the test drops the chains section: " + withoutChains);

        HttpResponse<String> r = send("POST", "/admin/api/config/import", withoutChains, "application/yaml");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("chains", error(r).path("param").asText());
        assertTrue(error(r).path("message").asText().contains("agent 'import-bot'"), r.body());
    }

    private static void agent(String json) {
        HttpResponse<String> created = send("POST", "/admin/api/agents", json, "application/json");
        assertEquals(201, created.statusCode(), created.body());
    }

    private static JsonNode error(HttpResponse<String> r) throws IOException {
        return Gateway.MAPPER.readTree(r.body()).path("error");
    }

    private static HttpResponse<String> send(String method, String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).timeout(Gateway.TIMEOUT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return gw.send(b.build());
    }
}

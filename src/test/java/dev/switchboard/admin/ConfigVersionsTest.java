package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The catalog in the database: seeded from YAML, changed by import, validated whole, versioned, diffed, rolled back. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigVersionsTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> post(String path, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body)).build());
    }

    @Test
    void should_version_every_change_refuse_invalid_ones_and_roll_back() throws Exception {
        String seed = gw.get(gw.managementUrl() + "/admin/api/config/export").body();
        assertEquals(Files.readString(Path.of("src/test/resources/test-catalog.yaml")), seed, "the YAML seeds an empty database");
        JsonNode versions = Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/config/versions").body());
        assertEquals(1, versions.path("current").asInt());

        String withNewbie = seed.replace("models:\n", "models:\n  - {id: newbie, provider: openai, contextWindow: 4000, price: {input: 1, output: 1}}\n");
        HttpResponse<String> imported = post("/admin/api/config/import?comment=add+newbie", withNewbie);
        assertEquals(200, imported.statusCode(), imported.body());
        assertEquals(2, Gateway.MAPPER.readTree(imported.body()).path("version").asInt());
        HttpResponse<String> chat = gw.postChat(Gateway.chatBody("newbie", "hi"));
        assertEquals(200, chat.statusCode(), "served at once, no restart: " + chat.body());
        assertTrue(gw.get(gw.managementUrl() + "/admin/api/config/versions/2/diff").body().contains("+  - {id: newbie"));

        HttpResponse<String> invalid = post("/admin/api/config/import", withNewbie.replace("price: {input: 1, output: 1}}", "price: {input: -1, output: 1}}"));
        assertEquals(400, invalid.statusCode(), invalid.body());
        JsonNode error = Gateway.MAPPER.readTree(invalid.body()).path("error");
        assertEquals("invalid_config", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("models[0].price.input"), "the path of the mistake: " + error);
        assertEquals(2, Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/config/versions").body()).path("current").asInt(),
                "nothing applied");
        assertEquals(200, gw.postChat(Gateway.chatBody("newbie", "hi")).statusCode());

        HttpResponse<String> rollback = post("/admin/api/config/versions/1/rollback", null);
        assertEquals(200, rollback.statusCode(), rollback.body());
        assertEquals(3, Gateway.MAPPER.readTree(rollback.body()).path("version").asInt());
        assertEquals(404, gw.postChat(Gateway.chatBody("newbie", "hi")).statusCode(), "rolled back");
        String audit = gw.get(gw.managementUrl() + "/admin/api/audit?limit=100").body();
        assertTrue(audit.contains("config.import") && audit.contains("config.rollback") && audit.contains("\"refused\""), audit);
    }

}

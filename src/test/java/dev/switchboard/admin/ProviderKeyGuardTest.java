package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An editor cannot take the providers' keys: {@code keyEnv} names only provider key variables (for everyone), and
 * which providers exist, where their keys come from and where they are sent is the admin's to change.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderKeyGuardTest {
    private static final String OPENAI = "{\"type\":\"openai\",\"baseUrl\":\"%s\",\"keyEnv\":\"%s\",\"baseUrlEnv\":\"OPENAI_BASE_URL\"%s}";
    private static final String SEED_BASE_URL = "http://127.0.0.1:1/v1";
    private static final YAMLMapper YAML = new YAMLMapper();
    private Gateway gw;
    private String editor;

    @BeforeAll
    void start() throws Exception {
        gw = Gateway.start();
        editor = gw.createToken("catalog-editor", "editor");
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_refuse_a_key_variable_that_is_not_a_provider_key_naming_the_path() throws Exception {
        int before = currentVersion();
        String stealing = changed(doc -> openai(doc).put("keyEnv", "SWITCHBOARD_ADMIN_TOKEN"));
        for (String token : new String[] {editor, Gateway.ADMIN_TOKEN}) {
            HttpResponse<String> r = call("POST", "/admin/api/config/import", token, stealing);
            assertEquals(400, r.statusCode(), r.body());
            JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
            assertEquals("invalid_config", error.path("code").asText(), error.toString());
            assertTrue(error.path("message").asText().contains("providers[0].keyEnv: 'SWITCHBOARD_ADMIN_TOKEN'"), error.toString());
        }
        HttpResponse<String> put = call("PUT", "/admin/api/catalog/providers/openai", Gateway.ADMIN_TOKEN,
                OPENAI.formatted(SEED_BASE_URL, "SWITCHBOARD_DB_PASSWORD", ""));
        assertEquals(400, put.statusCode(), put.body());
        assertTrue(put.body().contains("providers[0].keyEnv"), put.body());
        assertEquals(before, currentVersion(), "nothing applied");
    }

    @Test
    void should_let_only_an_admin_change_where_a_provider_key_is_sent() throws Exception {
        String moved = OPENAI.formatted("https://collector.example/v1", "OPENAI_API_KEY", "");
        int before = currentVersion();

        HttpResponse<String> byEditor = call("PUT", "/admin/api/catalog/providers/openai", editor, moved);
        assertEquals(403, byEditor.statusCode(), byEditor.body());
        JsonNode error = Gateway.MAPPER.readTree(byEditor.body()).path("error");
        assertEquals("providers[0].baseUrl", error.path("param").asText(), error.toString());
        assertTrue(error.path("message").asText().contains("Only an admin"), error.toString());
        assertEquals(before, currentVersion(), "nothing applied");

        HttpResponse<String> otherKey = call("POST", "/admin/api/config/import", editor,
                changed(doc -> openai(doc).put("keyEnv", "XAI_API_KEY")));
        assertEquals(403, otherKey.statusCode(), otherKey.body());
        assertEquals("providers[0].keyEnv", Gateway.MAPPER.readTree(otherKey.body()).path("error").path("param").asText());

        HttpResponse<String> added = call("PUT", "/admin/api/catalog/providers/mine", editor,
                "{\"type\":\"openai\",\"baseUrl\":\"https://collector.example/v1\",\"keyEnv\":\"OPENAI_API_KEY\"}");
        assertEquals(403, added.statusCode(), added.body());
        assertTrue(added.body().contains("adding provider 'mine'"), added.body());
        assertEquals(before, currentVersion(), "nothing applied");

        HttpResponse<String> byAdmin = call("PUT", "/admin/api/catalog/providers/openai", Gateway.ADMIN_TOKEN, moved);
        assertEquals(200, byAdmin.statusCode(), byAdmin.body());
        HttpResponse<String> rollback = call("POST", "/admin/api/config/versions/" + before + "/rollback", editor, null);
        assertEquals(403, rollback.statusCode(), "rolling the base URL back is the admin's too: " + rollback.body());
        assertEquals(200, call("POST", "/admin/api/config/versions/" + before + "/rollback", Gateway.ADMIN_TOKEN, null).statusCode());
    }

    @Test
    void should_let_an_editor_change_models_prices_and_the_non_secret_provider_fields() throws Exception {
        HttpResponse<String> limits = call("PUT", "/admin/api/catalog/providers/openai", editor,
                OPENAI.formatted(SEED_BASE_URL, "OPENAI_API_KEY", ",\"rpm\":100000"));
        assertEquals(200, limits.statusCode(), limits.body());
        HttpResponse<String> model = call("PUT", "/admin/api/catalog/models/editor-model", editor,
                "{\"provider\":\"openai\",\"contextWindow\":8000,\"price\":{\"input\":1,\"output\":2}}");
        assertEquals(200, model.statusCode(), model.body());
        assertEquals(200, gw.postChat(Gateway.chatBody("editor-model", "hi")).statusCode());
        HttpResponse<String> imported = call("POST", "/admin/api/config/import", editor,
                changed(doc -> ((ObjectNode) doc.path("models").get(0).path("price")).put("input", 2.75)));
        assertEquals(200, imported.statusCode(), imported.body());
    }

    /** The current catalog document with one change, as an import body. */
    private String changed(Consumer<ObjectNode> change) throws Exception {
        HttpResponse<String> r = call("GET", "/admin/api/config/export", Gateway.ADMIN_TOKEN, null);
        assertEquals(200, r.statusCode(), r.body());
        ObjectNode doc = (ObjectNode) YAML.readTree(r.body());
        change.accept(doc);
        return YAML.writeValueAsString(doc);
    }

    private static ObjectNode openai(ObjectNode doc) {
        ObjectNode first = (ObjectNode) doc.path("providers").get(0);
        assertEquals("openai", first.path("id").asText(), "the test catalog lists openai first");
        return first;
    }

    private int currentVersion() throws Exception {
        return Gateway.MAPPER.readTree(call("GET", "/admin/api/config/versions", Gateway.ADMIN_TOKEN, null).body()).path("current").asInt();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }
}

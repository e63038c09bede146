package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** What the condition builder offers, read from the API by any role: facts, fields, operators, closed values, catalog names. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleVocabularyTest {
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
    void should_list_the_builders_facts_fields_operators_and_catalog_names_to_a_viewer() throws Exception {
        String viewer = gw.createToken("vocabulary-viewer", "viewer");
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/builder"))
                .header("Authorization", "Bearer " + viewer).GET().build());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = Gateway.MAPPER.readTree(r.body());
        JsonNode taskType = v.path("facts").path("LlmRequest").path("taskType");
        assertEquals("text", taskType.path("type").asText(), r.body());
        assertTrue(taskType.path("operators").toString().contains("\"in\""));
        assertTrue(taskType.path("values").toString().contains("\"translation\""));
        assertTrue(v.path("facts").path("ProviderStatus").path("provider").path("values").toString().contains("\"openai\""));
        assertTrue(v.path("models").toString().contains("\"gpt-4o-mini\""));
        assertTrue(v.path("chains").toString().contains("\"rescue\""));
    }
}

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
import org.junit.jupiter.api.TestInstance;

/**
 * The model test panel over the management API: a prompt sent through the pipeline to exactly that model (no rule or
 * fallback answers for it), answered with the text, latency, time to first token, tokens and cost, and recorded like any
 * request under the management token's name.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelTestPanelTest {
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
    void should_answer_through_the_model_with_timings_tokens_and_cost_and_record_it() throws IOException {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/models/gpt-4o/test",
                "{\"prompt\": \"Say hello\", \"parameters\": {\"temperature\": 0.1, \"model\": \"gpt-4o-mini\"}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode test = Gateway.MAPPER.readTree(r.body());
        assertEquals(200, test.path("status").asInt(), r.body());
        assertEquals("gpt-4o", test.path("model").asText(), "the panel's model, not the parameters' one");
        assertTrue(test.path("answer").asText().length() > 0, r.body());
        assertTrue(test.path("ttftMs").asLong() >= 0 && test.path("ttftMs").asLong() <= test.path("latencyMs").asLong(), r.body());
        assertTrue(test.path("completionTokens").asInt() > 0, r.body());
        assertTrue(test.path("costUsd").asDouble() > 0, r.body());

        JsonNode upstream = gw.fake.requests().stream().filter(q -> q.path().endsWith("/chat/completions")).reduce((a, b) -> b)
                .orElseThrow().json();
        assertEquals(0.1, upstream.path("temperature").asDouble(), 1e-9);

        JsonNode row = gw.usageRow(test.path("requestId").asText());
        assertEquals("management", row.path("entry").asText());
        assertEquals("management:env-admin", row.path("agent").asText(row.path("caller").asText()));
        assertEquals("gpt-4o", row.path("model").asText());
    }

    @Test
    void should_show_the_models_own_failure_without_falling_back() throws IOException {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/models/flaky/test", "{\"prompt\": \"hi\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode test = Gateway.MAPPER.readTree(r.body());
        assertEquals(502, test.path("status").asInt(), r.body());
        assertEquals(1, test.path("attempts").size(), "flaky's fallbacks are not tried: " + r.body());
        assertTrue(test.path("error").asText().length() > 0);
    }

    @Test
    void should_refuse_unknown_models_bad_prompts_and_viewers() {
        assertEquals(404, gw.admin("POST", "/admin/api/models/no-such-model/test", "{\"prompt\": \"hi\"}").statusCode());
        HttpResponse<String> noPrompt = gw.admin("POST", "/admin/api/models/gpt-4o/test", "{\"parameters\": {}}");
        assertEquals(400, noPrompt.statusCode());
        assertTrue(noPrompt.body().contains("\"param\":\"prompt\""), noPrompt.body());
        String viewer = gw.createToken("panel-viewer", "viewer");
        HttpResponse<String> refused = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/models/gpt-4o/test"))
                .header("Authorization", "Bearer " + viewer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}")).build());
        assertEquals(403, refused.statusCode());
    }
}

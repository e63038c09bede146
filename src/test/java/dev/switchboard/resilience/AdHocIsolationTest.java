package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Models the catalog does not list ({@code provider/model-id}) share their provider's route but keep breaker,
 * health and rate-limit state of their own, in a bounded structure: one ad-hoc model out of requests or failing
 * never blocks another, and callers naming many models cannot grow that state without limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdHocIsolationTest {
    /** A small bound, so a test can go past it with a few dozen requests. */
    private static final int TRACKED = 16;
    /** Enough failures to open a breaker (the test gateway's minimum is 4 calls), with room to spare. */
    private static final int MAX_FAILING_CALLS = 10;

    private FaultyProvider faulty;
    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        faulty = FaultyProvider.start();
        Path catalog = Files.createTempFile("adhoc-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: faulty, type: openai, baseUrl: "%s", keyEnv: OPENAI_API_KEY}
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}}
                """.formatted(faulty.baseUrl()));
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(), "SWITCHBOARD_TRACKED_MODELS", Integer.toString(TRACKED)));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        faulty.close();
    }

    @Test
    void should_still_call_model_b_while_model_a_has_no_requests_left() {
        HttpResponse<String> a = gw.postChat(Gateway.chatBody("faulty/" + FaultyProvider.RATE_LIMIT_EXHAUSTED, "hi"));
        assertEquals(429, a.statusCode(), a.body());

        HttpResponse<String> b = gw.postChat(Gateway.chatBody("faulty/model-b", "hi"));
        assertEquals(200, b.statusCode(), b.body());
        assertEquals("faulty/model-b", b.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals(1, faulty.countFor("model-b"), "model-b was called upstream, not refused locally");
    }

    @Test
    void should_open_the_breaker_of_the_failing_ad_hoc_model_only() throws IOException {
        HttpResponse<String> failing = null;
        for (int i = 0; i < MAX_FAILING_CALLS; i++) {
            failing = gw.postChat(Gateway.chatBody("openai/fake-500", "hi"));
            if (failing.statusCode() == 503) {
                break;
            }
            assertEquals(502, failing.statusCode(), failing.body());
        }
        assertEquals(503, failing.statusCode(), "the failing model's own breaker opens: " + failing.body());
        assertEquals("circuit_open", Gateway.MAPPER.readTree(failing.body()).at("/error/code").asText());

        HttpResponse<String> other = gw.postChat(Gateway.chatBody("openai/model-b", "hi"));
        assertEquals(200, other.statusCode(), other.body());
        assertEquals("openai/model-b", other.headers().firstValue("x-switchboard-model").orElse(""));

        JsonNode openai = provider(status(), "openai");
        assertEquals("openai/fake-500", openai.at("/adHocModels/0/id").asText(), openai.toString());
        assertEquals("OPEN", openai.at("/adHocModels/0/breaker").asText());
        assertTrue(openai.path("healthy").asBoolean(), "a caller's failing ad-hoc model does not make the provider unhealthy");
    }

    @Test
    void should_remember_the_state_of_at_most_the_configured_number_of_models() throws IOException {
        for (int i = 0; i < 3 * TRACKED; i++) {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("openai/many-" + i, "hi"));
            assertEquals(200, r.statusCode(), r.body());
        }
        JsonNode tracked = status().path("trackedModels");
        assertEquals(TRACKED, tracked.path("limit").asInt(), tracked.toString());
        assertTrue(tracked.path("adHocBreakers").asInt() > 0 && tracked.path("adHocBreakers").asInt() <= TRACKED, tracked.toString());
        assertTrue(tracked.path("healthEntries").asInt() > 0 && tracked.path("healthEntries").asInt() <= TRACKED, tracked.toString());
    }

    private JsonNode status() throws IOException {
        HttpResponse<String> r = gw.get(gw.managementUrl() + "/admin/api/providers/status");
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body());
    }

    private static JsonNode provider(JsonNode status, String id) {
        for (JsonNode p : status.path("providers")) {
            if (p.path("id").asText().equals(id)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + id + " in " + status);
    }
}

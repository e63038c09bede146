package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeGemini;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The id of an ad-hoc {@code provider/model-id} is the caller's, and Gemini puts it in the URL path of a call that
 * carries the gateway's key: dot segments, a query, a fragment, escapes or spaces would steer that call to another
 * path of the provider (another model past the rules, another API). Such ids are refused at the door, 400
 * {@code param=model}, and no provider is called; real ids with colons and slashes still go through.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdHocModelIdTest {
    private static final String GEMINI_KEY = "AIza-test-gemini-key-0123456789";

    private FakeGemini gemini;
    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        gemini = FakeGemini.start();
        Path catalog = Files.createTempFile("adhoc-id-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: gemini, type: gemini, baseUrl: "%s", keyEnv: GEMINI_API_KEY}
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}}
                  - {id: gemini-2.5-flash, provider: gemini, contextWindow: 1000000, price: {input: 0.3, output: 2.5}}
                """.formatted(gemini.baseUrl()));
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(), "GEMINI_API_KEY", GEMINI_KEY));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        gemini.close();
    }

    @BeforeEach
    void forget() {
        gemini.reset();
    }

    @Test
    void should_refuse_ad_hoc_ids_that_would_steer_the_provider_call_to_another_path() throws IOException {
        for (String model : List.of("gemini/../models/gemini-2.5-pro", "gemini/x/../../v1beta/cachedContents", "gemini/x?alt=sse#",
                "gemini/%2e%2e/x", "gemini/a b", "gemini/", "gemini/x//y", "gemini/.hidden", "openai/../files")) {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody(model, "hi"));
            assertEquals(400, r.statusCode(), model + ": " + r.body());
            JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
            assertEquals("model", error.path("param").asText(), model + ": " + r.body());
            assertEquals("invalid_request_error", error.path("type").asText(), model + ": " + r.body());
        }
        HttpResponse<String> embeddings = gw.post("/embeddings", "{\"model\":\"gemini/../models/x\",\"input\":\"hi\"}");
        assertEquals(400, embeddings.statusCode(), embeddings.body());
        assertTrue(gemini.requests().isEmpty(), "the provider was never called: " + gemini.requests());
    }

    @Test
    void should_still_call_real_ad_hoc_ids() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gemini/gemini-2.5-flash-lite", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, gemini.countFor("gemini-2.5-flash-lite"), "called under its own id: " + gemini.requests());
        assertTrue(gemini.unexpected().isEmpty(), gemini.unexpected().toString());
    }
}

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
 * "Test a chain" over the management API: a catalog chain or a draft walked against the gateway's own simulator
 * with a failure scripted per attempt; the timeline shows each attempt's model, outcome, wait and latency, the
 * chain's own conditions decide, and no provider is called and nothing recorded as traffic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChainSimulationTest {
    private static final String PATH = "/admin/api/chains/simulate";
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
    void should_walk_a_catalog_chain_through_scripted_failures_to_its_last_model() throws IOException {
        int usageBefore = usageRows();
        JsonNode run = simulate("""
                {"chain": "rescue", "failures": {"flaky": "5xx", "limited": ["rate_limit"]}}""");

        assertEquals("answered", run.path("outcome").asText(), run.toString());
        assertEquals("gpt-4o", run.path("servedBy").asText());
        JsonNode attempts = run.path("attempts");
        assertEquals(3, attempts.size(), run.toString());
        assertEquals("flaky", attempts.get(0).path("model").asText());
        assertEquals("server_error", attempts.get(0).path("outcome").asText());
        assertEquals(500, attempts.get(0).path("status").asInt());
        assertEquals("next model", attempts.get(0).path("decision").asText());
        assertEquals("rate_limit", attempts.get(1).path("outcome").asText());
        assertEquals("ok", attempts.get(2).path("outcome").asText());
        assertTrue(run.path("simulated").asBoolean());
        assertTrue(gw.fake.requests().stream().noneMatch(r -> r.path().endsWith("/chat/completions")), "no provider is called");
        assertEquals(usageBefore, usageRows(), "a simulation is not traffic");
    }

    @Test
    void should_retry_the_last_model_after_the_wait_and_count_a_hang_as_its_first_byte_timeout() throws IOException {
        JsonNode run = simulate("""
                {"chain": {"models": ["sleepy"], "maxAttempts": 3}, "failures": {"sleepy": ["rate_limit", "hang"]}}""");

        JsonNode attempts = run.path("attempts");
        assertEquals("answered", run.path("outcome").asText(), run.toString());
        assertEquals(3, attempts.size(), run.toString());
        assertEquals(1000, attempts.get(1).path("waitMs").asLong(), "the simulator's Retry-After: 1 is honoured");
        assertEquals("timeout", attempts.get(1).path("outcome").asText());
        assertEquals(700, attempts.get(1).path("latencyMs").asLong(), "sleepy's firstByteTimeoutMs");
        assertTrue(attempts.get(2).path("waitMs").asLong() >= 500, "backoff before the third try: " + attempts.get(2));
        assertTrue(run.path("totalMs").asLong() >= 2200, run.toString());
    }

    @Test
    void should_stop_on_a_content_filter_unless_the_chain_retries_on_it() throws IOException {
        JsonNode stops = simulate("""
                {"chain": {"models": ["gpt-4o-mini", "gpt-4o"]}, "failures": {"gpt-4o-mini": "content_filter"}}""");
        assertEquals("failed", stops.path("outcome").asText(), stops.toString());
        assertEquals(400, stops.path("status").asInt());
        assertEquals("content_filter", stops.path("error").asText());
        assertEquals(1, stops.path("attempts").size());

        JsonNode moves = simulate("""
                {"chain": {"models": ["gpt-4o-mini", "gpt-4o"], "retryOn": ["contentFilter"]},
                 "failures": {"gpt-4o-mini": "content_filter"}}""");
        assertEquals("gpt-4o", moves.path("servedBy").asText(), moves.toString());
    }

    @Test
    void should_fall_back_from_a_stream_cut_before_its_first_word_and_give_up_within_the_attempt_budget() throws IOException {
        JsonNode cut = simulate("""
                {"chain": {"models": ["gpt-4o-mini", "gpt-4o"]}, "failures": {"gpt-4o-mini": "cut"}}""");
        assertEquals("server_error", cut.path("attempts").get(0).path("outcome").asText(), cut.toString());
        assertEquals("gpt-4o", cut.path("servedBy").asText());

        JsonNode spent = simulate("""
                {"chain": {"models": ["gpt-4o"], "maxAttempts": 2}, "failures": {"gpt-4o": ["5xx", "5xx", "5xx"]}}""");
        assertEquals("failed", spent.path("outcome").asText(), spent.toString());
        assertEquals(2, spent.path("attempts").size());
        assertEquals(502, spent.path("status").asInt());
    }

    @Test
    void should_refuse_bad_scripts_naming_the_param_and_viewers() {
        assertBad("{\"chain\": \"rescue\", \"failures\": {\"flaky\": \"explode\"}}", 400, "failures.flaky");
        assertBad("{\"chain\": \"rescue\", \"failures\": {\"gpt-4o-mini\": \"5xx\"}}", 400, "failures");
        assertBad("{\"chain\": {\"models\": [\"no-such-model\"]}}", 400, "chain.models");
        assertBad("{\"chain\": \"no-such-chain\"}", 404, "chain");
        assertBad("{}", 400, "chain");

        String viewer = gw.createToken("sim-viewer", "viewer");
        HttpResponse<String> refused = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + PATH))
                .header("Authorization", "Bearer " + viewer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"chain\": \"rescue\"}")).build());
        assertEquals(403, refused.statusCode(), refused.body());
    }

    private void assertBad(String body, int status, String param) {
        HttpResponse<String> r = gw.admin("POST", PATH, body);
        assertEquals(status, r.statusCode(), r.body());
        try {
            assertEquals(param, Gateway.MAPPER.readTree(r.body()).path("error").path("param").asText(), r.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode simulate(String body) throws IOException {
        HttpResponse<String> r = gw.admin("POST", PATH, body);
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body());
    }

    private int usageRows() throws IOException {
        return Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/usage?limit=500", null).body()).path("data").size();
    }
}

package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Fallback chains and per-model circuit breakers against a fake provider that fails on purpose. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FallbackAndBreakerTest {
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
    void should_fall_back_to_the_next_model_on_a_server_error_and_record_both_attempts() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("flaky", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o-mini", header(r, "x-switchboard-model"));
        assertEquals("2", header(r, "x-switchboard-attempts"));
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("flaky", row.at("/attempts/0/model").asText());
        assertEquals("server_error", row.at("/attempts/0/outcome").asText());
        assertEquals(500, row.at("/attempts/0/upstreamStatus").asInt());
        assertEquals("gpt-4o-mini", row.at("/attempts/1/model").asText());
        assertEquals("ok", row.at("/attempts/1/outcome").asText());
        assertEquals("flaky", row.path("requested_model").asText());
        assertEquals("gpt-4o-mini", row.path("model").asText());
    }

    @Test
    void should_fall_back_on_rate_limit() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("limited", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("rate_limit", row.at("/attempts/0/outcome").asText());
    }

    @Test
    void should_answer_400_at_once_without_fallback_when_the_provider_refuses_the_request() {
        gw.fake.reset();
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("picky", "hi"));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("bad request from fake"), r.body());
        assertEquals(0, gw.fake.countFor("gpt-4o-mini"), "a caller error never falls back");
        assertEquals("1", header(r, "x-switchboard-attempts"));
    }

    @Test
    void should_give_up_on_a_hanging_provider_after_the_first_byte_timeout_and_fall_back() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("sleepy", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("timeout", row.at("/attempts/0/outcome").asText());
        assertEquals("gpt-4o-mini", row.path("model").asText());
    }

    @Test
    void should_fall_back_when_the_body_is_cut_short() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("cutter", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o-mini", header(r, "x-switchboard-model"));
    }

    @Test
    void should_walk_a_chain_named_by_a_rule() throws Exception {
        Files.writeString(gw.rulesDir.resolve("chain.drl"), """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision
                rule "Chain agent uses the rescue chain"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "chain-agent")
                then
                    decision.route("flaky", "rescue");
                end
                """);
        HttpResponse<String> r = Await.until("the chain rule to serve", Gateway.TIMEOUT,
                () -> gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "chain-agent"),
                resp -> "gpt-4o".equals(header(resp, "x-switchboard-model")));
        assertEquals("Chain agent uses the rescue chain", header(r, "x-switchboard-rule"));
        assertEquals("3", header(r, "x-switchboard-attempts"));
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals(List.of("flaky", "limited", "gpt-4o"), models(row));
        assertEquals("Chain agent uses the rescue chain", row.path("rule_name").asText());
    }

    @Test
    void should_let_a_rule_give_up_instead_of_falling_back() throws Exception {
        Files.writeString(gw.rulesDir.resolve("patience.drl"), """
                package rules
                import dev.switchboard.routing.FailedAttempt
                global dev.switchboard.routing.Decision decision
                rule "Impatient agents never wait for a fallback"
                when
                    FailedAttempt(failureClass == "server_error", agentId == "impatient")
                then
                    decision.giveUp();
                end
                """);
        Await.until("the retry rule to be loaded", Gateway.TIMEOUT,
                () -> gw.get(gw.managementUrl() + "/admin/api/rules").body(), body -> body.contains("patience.drl"));
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("flaky-too", "hi"), "x-switchboard-agent", "impatient");
        assertEquals(502, r.statusCode(), r.body());
        assertEquals("1", header(r, "x-switchboard-attempts"));
        assertTrue(gw.usageRow(header(r, "x-switchboard-request-id")).path("tags").asText()
                .contains("retry rule: Impatient agents never wait for a fallback"));
        assertEquals(200, gw.postChat(Gateway.chatBody("flaky-too", "hi")).statusCode(), "other callers still fall back");
    }

    @Test
    void should_open_the_breaker_and_stop_calling_a_failing_model() {
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("breaker-victim", "hi"));
            assertEquals(502, r.statusCode(), r.body());
        }
        CircuitBreaker breaker = gw.app.breakers().breaker("breaker-victim");
        assertEquals(CircuitBreaker.State.OPEN, breaker.getState());
        int callsWhenOpened = gw.fake.countFor("fake-503");

        HttpResponse<String> r = gw.postChat(Gateway.chatBody("breaker-victim", "hi"));
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("retry-after").isPresent(), "503 says when to retry");
        assertTrue(r.body().contains("circuit_open"));
        assertEquals(callsWhenOpened, gw.fake.countFor("fake-503"), "an open breaker does not call the provider");
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("breaker_open", row.at("/attempts/0/outcome").asText());

        String metrics = gw.get(gw.managementUrl() + "/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("resilience4j_circuitbreaker_state")
                && l.contains("name=\"breaker-victim\"") && l.contains("state=\"open\"") && l.endsWith(" 1.0")), metrics);
        assertEquals(CircuitBreaker.State.CLOSED, gw.app.breakers().breaker("gpt-4o-mini").getState(), "other breakers stay closed");
    }

    @Test
    void should_fall_back_invisibly_when_a_stream_fails_before_its_first_chunk() {
        HttpResponse<String> r = gw.postChat("{\"model\":\"flaky\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("Hello"), r.body() + gw.usageRow(header(r, "x-switchboard-request-id")));
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), "[" + r.body() + "]");
        assertEquals("2", header(r, "x-switchboard-attempts"));
    }

    @Test
    void should_end_a_stream_cut_after_its_first_chunk_with_an_error_event_and_no_done() {
        HttpResponse<String> r = gw.postChat("{\"model\":\"cutter\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("Hel"), r.body());
        assertFalse(r.body().contains("[DONE]"), "a broken answer never ends cleanly: " + gw.usageRow(header(r, "x-switchboard-request-id")));
        assertTrue(r.body().contains("data: {\"error\":"), r.body());
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("truncated", row.path("outcome").asText());
    }

    @Test
    void should_relay_a_mid_stream_error_event_as_an_error_and_no_done() {
        HttpResponse<String> r = gw.postChat("{\"model\":\"mid-stream-failure\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("partial"));
        assertTrue(r.body().contains("upstream exploded"), r.body());
        assertFalse(r.body().contains("[DONE]"));
        assertEquals("truncated", gw.usageRow(header(r, "x-switchboard-request-id")).path("outcome").asText());
    }

    @Test
    void should_fall_back_when_a_stream_hangs_before_its_first_chunk() {
        HttpResponse<String> r = gw.postChat("{\"model\":\"sleepy\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        assertEquals("gpt-4o-mini", header(r, "x-switchboard-model"));
    }

    private static List<String> models(JsonNode row) {
        List<String> models = new ArrayList<>();
        row.path("attempts").forEach(a -> models.add(a.path("model").asText()));
        return models;
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }
}

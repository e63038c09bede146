package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Breakers you can see, health as a fact for rules, and the active probe of idle providers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthMonitorTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("SWITCHBOARD_PROBE_SECONDS", "1"));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private JsonNode model(String id) throws Exception {
        JsonNode status = Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/admin/api/providers/status").body());
        for (JsonNode p : status.path("providers")) {
            for (JsonNode m : p.path("models")) {
                if (m.path("id").asText().equals(id)) {
                    return m;
                }
            }
        }
        throw new AssertionError("no model " + id + " in " + status);
    }

    @Test
    void should_show_breaker_state_failure_rate_last_error_and_latency_per_model() throws Exception {
        for (int i = 0; i < 4; i++) {
            gw.postChat(Gateway.chatBody("breaker-victim", "hi"));
        }
        gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        JsonNode victim = model("breaker-victim");
        assertEquals("OPEN", victim.path("breaker").asText(), victim.toString());
        assertEquals(100.0, victim.path("failureRate").asDouble());
        assertEquals("server_error", victim.path("lastError").asText());
        assertTrue(victim.path("reopensInMs").asLong() > 0, victim.toString());
        JsonNode healthy = model("gpt-4o-mini");
        assertEquals("CLOSED", healthy.path("breaker").asText());
        assertTrue(healthy.path("latencyP50Ms").asLong() >= 0 && healthy.path("latencyP95Ms").asLong() >= healthy.path("latencyP50Ms").asLong());

        HttpResponse<String> open = gw.postChat(Gateway.chatBody("breaker-victim", "hi"));
        assertEquals(503, open.statusCode());
        long retryAfter = Long.parseLong(open.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 31, "Retry-After is the earliest reopening: " + retryAfter);
    }

    @Test
    void should_let_a_rule_route_around_an_unhealthy_provider() throws Exception {
        Files.writeString(gw.rulesDir.resolve("health.drl"), """
                package rules
                import dev.switchboard.routing.LlmRequest
                import dev.switchboard.routing.ProviderStatus
                global dev.switchboard.routing.Decision decision
                rule "When an OpenAI breaker is open, health-aware agents get gpt-4o"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "health-aware")
                    ProviderStatus(provider == "openai", openBreakers > 0)
                then
                    decision.route("gpt-4o");
                end
                """);
        for (int i = 0; i < 4; i++) {
            gw.postChat(Gateway.chatBody("breaker-victim", "hi"));
        }
        HttpResponse<String> r = Await.until("the health rule to fire", Gateway.TIMEOUT,
                () -> gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "health-aware"),
                resp -> "gpt-4o".equals(resp.headers().firstValue("x-switchboard-model").orElse("")));
        assertEquals("When an OpenAI breaker is open, health-aware agents get gpt-4o", r.headers().firstValue("x-switchboard-rule").orElse(""));
    }

    @Test
    void should_hold_a_breaker_opened_by_rate_limits_only_as_long_as_the_providers_hint() {
        for (int i = 0; i < 4; i++) {
            gw.postChat(Gateway.chatBody("limited", "hi"));
        }
        var breaker = gw.app.breakers().breaker("limited");
        assertEquals(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.FORCED_OPEN, breaker.getState(),
                "opened by 429s: held for the provider's retry-after (1 s), not the 30 s default");
        long start = System.nanoTime();
        Await.until("the breaker to let a probe call through", Gateway.TIMEOUT, breaker::getState,
                s -> s == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.HALF_OPEN);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "reopened after the hint, long before the default wait");
    }

    @Test
    void should_probe_an_idle_provider_with_its_cheap_models_call() {
        Await.until("a probe of the idle provider", Gateway.TIMEOUT,
                () -> gw.fake.requests().stream().filter(r -> r.method().equals("GET") && r.path().endsWith("/models")).count(),
                n -> n > 0);
    }
}

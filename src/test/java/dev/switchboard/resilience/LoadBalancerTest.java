package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A model with several deployments: spread by weight, and a failing deployment is passed over for the next. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadBalancerTest {
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        Path catalog = Files.createTempFile("lb-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: balanced}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                models:
                  - id: balanced
                    provider: openai
                    contextWindow: 128000
                    price: {input: 1, output: 1}
                    balance: weighted
                    deployments:
                      - {provider: openai, upstreamId: deployment-a, weight: 4}
                      - {provider: openai, upstreamId: deployment-b, weight: 1}
                  - id: redundant
                    provider: openai
                    contextWindow: 128000
                    price: {input: 1, output: 1}
                    balance: lowest-latency
                    deployments:
                      - {provider: openai, upstreamId: fake-503}
                      - {provider: openai, upstreamId: deployment-c}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString()));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_spread_requests_by_weight() {
        for (int i = 0; i < 60; i++) {
            assertEquals(200, gw.postChat(Gateway.chatBody("balanced", "hi")).statusCode());
        }
        int a = gw.fake.countFor("deployment-a");
        int b = gw.fake.countFor("deployment-b");
        assertEquals(60, a + b);
        assertTrue(b > 0, "every deployment gets traffic");
        assertTrue(a > b, "weight 4 gets more than weight 1: " + a + " vs " + b);
    }

    @Test
    void should_pass_over_a_failing_deployment_and_stop_calling_it_once_its_breaker_opens() throws Exception {
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("redundant", "hi"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("redundant", r.headers().firstValue("x-switchboard-model").orElse(""));
        }
        int failingCalls = gw.fake.countFor("fake-503");
        assertEquals(4, failingCalls, "the failing deployment's breaker opened after 4 calls (and HttpClient retried none)");
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("redundant", "hi"));
        JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertTrue(row.path("attempts").toString().contains("ok"), row.toString());
        assertEquals(failingCalls, gw.fake.countFor("fake-503"), "no more calls to the failing deployment");
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.support.Gateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Provider keys, agent keys and admin tokens never appear in a log line, a response body or a metric, across
 * a whole gateway life: start, requests that succeed and fail, providers and agents added, the admin API read.
 */
class SecretLeakTest {
    private static final String ADDED_KEY = "sk-added-provider-secret-0123456789abcdef";
    private static final String ANTHROPIC_KEY = "sk-ant-configured-secret-0123456789abcdef";

    @Test
    void should_never_show_a_key_in_logs_bodies_or_metrics() throws Exception {
        PrintStream originalErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> bodies = new ArrayList<>();
        String agentKey;
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (Gateway gw = Gateway.start(Map.of("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", ANTHROPIC_KEY))) {
                bodies.add(add(gw, "/admin/api/providers", "{\"id\":\"leaky\",\"type\":\"openai\",\"baseUrl\":\"" + gw.fake.baseUrl()
                        + "\",\"apiKey\":\"" + ADDED_KEY + "\"}").body());
                bodies.add(add(gw, "/admin/api/providers", "{\"id\":\"refused\",\"type\":\"anthropic\",\"baseUrl\":\"" + anthropic.baseUrl()
                        + "\",\"apiKey\":\"sk-ant-wrong-but-secret-0123456789\"}").body());
                HttpResponse<String> agent = add(gw, "/admin/api/agents", "{\"id\":\"leak-agent\"}");
                agentKey = Gateway.MAPPER.readTree(agent.body()).path("key").asText();
                for (String model : List.of("gpt-4o-mini", "fake-model", "flaky", "garbled", "picky", "no-such-model")) {
                    bodies.add(gw.postChat(Gateway.chatBody(model, "hi"), "Authorization", "Bearer " + agentKey).body());
                    bodies.add(gw.postChat(Gateway.chatBody(model, "hi"), "Authorization", "Bearer sk-caller-secret-0123456789abcdef").body());
                }
                bodies.add(gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer sk-sb-" + "0".repeat(48)).body());
                for (String path : List.of("/admin/api/providers", "/admin/api/providers/status", "/admin/api/usage?limit=500",
                        "/admin/api/audit?limit=500", "/admin/api/agents", "/admin/api/rules", "/health", "/metrics")) {
                    bodies.add(gw.get(gw.managementUrl() + path).body());
                }
            } finally {
                System.setErr(originalErr);
            }
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertFalse(log.isBlank(), "the gateway's log was captured");
        for (String secret : List.of(Gateway.PROVIDER_KEY, ADDED_KEY, ANTHROPIC_KEY, agentKey, Gateway.ADMIN_TOKEN,
                "sk-ant-wrong-but-secret-0123456789", "sk-caller-secret-0123456789abcdef")) {
            String fragment = secret.substring(3, secret.length() - 4); // beyond what a mask shows
            assertFalse(log.contains(fragment), "a key in the log: " + secret.substring(0, 6));
            for (String body : bodies) {
                assertFalse(body.contains(fragment), "a key in a response: " + secret.substring(0, 6));
            }
        }
        assertEquals(0, bodies.stream().filter(b -> b.contains("Exception")).count(), "no stack traces in answers");
    }

    private static HttpResponse<String> add(Gateway gw, String path, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }
}

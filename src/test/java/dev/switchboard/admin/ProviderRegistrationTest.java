package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The add-provider workflow over the management API: check the key, discover models, then serve them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderRegistrationTest {
    private static final String NEW_KEY = "sk-acme-secret-key-0123456789abcdef";
    private Gateway gw;
    private FakeAnthropic anthropic;

    @BeforeAll
    void start() {
        gw = Gateway.start();
        anthropic = FakeAnthropic.start();
    }

    @AfterAll
    void stop() {
        gw.close();
        anthropic.close();
    }

    private HttpResponse<String> register(String json) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/providers"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    @Test
    void should_check_discover_and_serve_a_provider_added_at_runtime() throws Exception {
        HttpResponse<String> r = register("{\"id\":\"acme\",\"type\":\"openai\",\"baseUrl\":\"" + gw.fake.baseUrl() + "\",\"apiKey\":\"" + NEW_KEY + "\"}");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("fake-model", body.at("/models/0/id").asText(), r.body());
        assertFalse(r.body().contains(NEW_KEY), "the key is never echoed");
        assertEquals("sk-...cdef", body.path("key").asText());
        assertEquals("Bearer " + NEW_KEY, gw.fake.requests().stream().filter(x -> x.path().endsWith("/models"))
                .reduce((a, b) -> b).orElseThrow().header("authorization"), "the check used the new key");

        HttpResponse<String> chat = gw.postChat(Gateway.chatBody("fake-model", "hi"));
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals("acme", chat.headers().firstValue("x-switchboard-provider").orElse(""));
        assertTrue(gw.get(gw.baseUrl() + "/models").body().contains("\"fake-model\""));
        String providers = gw.get(gw.managementUrl() + "/admin/api/providers").body();
        assertTrue(providers.contains("\"acme\""));
        assertFalse(providers.contains(NEW_KEY));
    }

    @Test
    void should_refuse_a_provider_whose_key_is_rejected_and_add_nothing() throws Exception {
        HttpResponse<String> r = register("{\"id\":\"claude-nokey\",\"type\":\"anthropic\",\"baseUrl\":\"" + anthropic.baseUrl() + "\"}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals("provider_check_failed", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("claude-nokey"), "names the provider");
        assertTrue(error.path("message").asText().contains("auth"), "names the failure: " + error);
        assertFalse(gw.get(gw.managementUrl() + "/admin/api/providers").body().contains("claude-nokey"));
    }

    @Test
    void should_refuse_an_unreachable_provider() throws Exception {
        HttpResponse<String> r = register("{\"id\":\"nowhere\",\"type\":\"openai\",\"baseUrl\":\"http://127.0.0.1:1/v1\",\"apiKey\":\"sk-x\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("provider_unreachable", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText());
    }

    @Test
    void should_validate_the_request() throws Exception {
        assertEquals("type", Gateway.MAPPER.readTree(register("{\"id\":\"x1\",\"type\":\"soap\",\"baseUrl\":\"http://127.0.0.1:1\"}").body())
                .at("/error/param").asText());
        assertEquals("baseUrl", Gateway.MAPPER.readTree(register("{\"id\":\"x2\",\"type\":\"openai\",\"baseUrl\":\"ftp://x\"}").body())
                .at("/error/param").asText());
        assertEquals(409, register("{\"id\":\"openai\",\"type\":\"openai\",\"baseUrl\":\"http://127.0.0.1:1\"}").statusCode());
        assertEquals(400, register("not json").statusCode());
    }
}

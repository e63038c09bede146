package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Agents with their own keys: attribution, the agent's defaults, 401 for unknown or revoked keys, 403 when inactive. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentKeysTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("SWITCHBOARD_ALLOW_ANONYMOUS", "false"));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private String createAgent(String id, String extra) throws Exception {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/agents", "{\"id\":\"" + id + "\"" + extra + "}");
        assertEquals(201, r.statusCode(), r.body());
        String key = Gateway.MAPPER.readTree(r.body()).path("key").asText();
        assertTrue(key.startsWith("sk-sb-"), key);
        assertFalse(gw.admin("GET", "/admin/api/agents/" + id, null).body().contains(key), "the key is shown once only");
        return key;
    }

    @Test
    void should_attribute_requests_to_the_agent_and_apply_its_defaults() throws Exception {
        String key = createAgent("writer", ",\"primaryModel\":\"gpt-4o\",\"systemPrompt\":\"You write haiku.\",\"parameters\":{\"temperature\":0.3}");
        gw.fake.reset();
        HttpResponse<String> r = gw.post("/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"autumn\"}]}",
                "Authorization", "Bearer " + key);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o", r.headers().firstValue("x-switchboard-model").orElse(""), "the agent's primary model");
        JsonNode sent = gw.fake.requestsFor("gpt-4o").get(0).json();
        assertEquals("You write haiku.", sent.at("/messages/0/content").asText());
        assertEquals(0.3, sent.path("temperature").asDouble(), 1e-9);
        assertFalse(gw.fake.requestsFor("gpt-4o").get(0).headers().toString().contains(key), "the agent key never reaches a provider");
        assertEquals("writer", gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow()).path("caller").asText());
    }

    @Test
    void should_refuse_unknown_and_revoked_keys_with_401_and_inactive_agents_with_403() throws Exception {
        assertEquals(401, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi")).statusCode(), "anonymous refused here");
        assertEquals(401, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer sk-sb-unknown").statusCode());
        String key = createAgent("temp", "");
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key).statusCode());
        assertEquals(200, gw.admin("PUT", "/admin/api/agents/temp?comment=paused+for+review", "{\"active\":false}").statusCode());
        String audit = gw.admin("GET", "/admin/api/audit?limit=50", null).body();
        assertTrue(audit.contains("why: paused for review") && audit.contains("-  \\\"active\\\" : true") , "who, what and why: " + audit);
        HttpResponse<String> inactive = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key);
        assertEquals(403, inactive.statusCode(), inactive.body());
        assertEquals(200, gw.admin("PUT", "/admin/api/agents/temp", "{\"active\":true}").statusCode());
        String rotated = Gateway.MAPPER.readTree(gw.admin("POST", "/admin/api/agents/temp/key", null).body()).path("key").asText();
        assertEquals(401, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key).statusCode(), "old key stops");
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + rotated).statusCode());
        assertEquals(200, gw.admin("DELETE", "/admin/api/agents/temp/key", null).statusCode());
        HttpResponse<String> revoked = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + rotated);
        assertEquals(401, revoked.statusCode());
        assertEquals("invalid_api_key", Gateway.MAPPER.readTree(revoked.body()).at("/error/code").asText());
        assertFalse(revoked.body().contains(rotated), "the key is masked in the error");
    }

    @Test
    void should_keep_only_recent_messages_and_models_with_the_agents_capabilities() throws Exception {
        String key = createAgent("brief", ",\"contextStrategy\":\"recent:2\",\"capabilities\":[\"tools\"]");
        gw.fake.reset();
        HttpResponse<String> r = gw.post("/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"S\"},"
                + "{\"role\":\"user\",\"content\":\"1\"},{\"role\":\"assistant\",\"content\":\"2\"},{\"role\":\"user\",\"content\":\"3\"}]}",
                "Authorization", "Bearer " + key);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode messages = gw.fake.requestsFor("gpt-4o-mini").get(0).json().path("messages");
        assertEquals(3, messages.size(), messages.toString());
        assertEquals("S", messages.at("/0/content").asText());
        assertEquals("2", messages.at("/1/content").asText());
        HttpResponse<String> skipped = gw.post("/chat/completions", Gateway.chatBody("flaky", "hi"), "Authorization", "Bearer " + key);
        assertEquals("gpt-4o-mini", skipped.headers().firstValue("x-switchboard-model").orElse(""), "flaky has no tools: passed over");
        assertEquals("1", skipped.headers().firstValue("x-switchboard-attempts").orElse(""));
        HttpResponse<String> none = gw.post("/chat/completions", Gateway.chatBody("garbled", "hi"), "Authorization", "Bearer " + key);
        assertEquals(400, none.statusCode(), none.body());
        assertTrue(none.body().contains("capabilities"), none.body());
    }

    @Test
    void should_validate_agents() throws Exception {
        assertEquals("primaryModel", Gateway.MAPPER.readTree(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad\",\"primaryModel\":\"no-such-model\"}").body()).at("/error/param").asText());
        assertEquals("parameters.temperature", Gateway.MAPPER.readTree(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad2\",\"parameters\":{\"temperature\":7}}").body()).at("/error/param").asText());
        assertEquals(404, gw.admin("GET", "/admin/api/agents/nobody", null).statusCode());
        assertEquals("contextStrategy", Gateway.MAPPER.readTree(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad3\",\"contextStrategy\":\"most\"}").body()).at("/error/param").asText());
    }
}

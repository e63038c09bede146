package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Anonymous access follows the catalog in force, not how the gateway started: started on the simulator (open to
 * all), a key given through the API shuts unkeyed callers from the network out at once, and deleting the last
 * agent opens nothing. Tests run on loopback only, so SWITCHBOARD_ANONYMOUS_TRUSTED=none plays a caller from the
 * network.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnonymousAccessTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("OPENAI_API_KEY", "", "SWITCHBOARD_ALLOW_ANONYMOUS", "", "SWITCHBOARD_ANONYMOUS_TRUSTED", "none"));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private JsonNode anonymousInHealth() throws Exception {
        return Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/health").body()).path("anonymous");
    }

    private void assertRefused(String why) throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "spend their key"));
        assertEquals(401, r.statusCode(), why + ": " + r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals("missing_agent_key", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("/admin/api/agents"), "says how to get an agent key: " + error);
    }

    @Test
    void should_close_to_unkeyed_network_callers_once_a_real_key_is_added_and_stay_closed() throws Exception {
        assertEquals("yes", anonymousInHealth().path("allowed").asText(), "simulator only: nothing to spend");
        HttpResponse<String> simulated = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(200, simulated.statusCode(), simulated.body());
        assertEquals("simulator", simulated.headers().firstValue("x-switchboard-provider").orElse(""));

        HttpResponse<String> key = gw.admin("PUT", "/admin/api/providers/openai/key", "{\"apiKey\":\"sk-real-key-given-through-the-api-0123\"}");
        assertEquals(200, key.statusCode(), key.body());
        JsonNode policy = anonymousInHealth();
        assertEquals("no", policy.path("allowed").asText(), policy.toString());
        assertTrue(policy.path("reason").asText().contains("openai"), policy.toString());
        gw.fake.reset();
        assertRefused("a real key is at stake");
        assertEquals(0, gw.fake.requests().size(), "nothing reached the provider");

        HttpResponse<String> agent = gw.admin("POST", "/admin/api/agents", "{\"id\":\"only-one\"}");
        assertEquals(201, agent.statusCode(), agent.body());
        String agentKey = Gateway.MAPPER.readTree(agent.body()).path("key").asText();
        HttpResponse<String> keyed = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + agentKey);
        assertEquals(200, keyed.statusCode(), keyed.body());
        assertEquals("openai", keyed.headers().firstValue("x-switchboard-provider").orElse(""), "agents reach the real provider");

        assertEquals(200, gw.admin("DELETE", "/admin/api/agents/only-one", null).statusCode());
        assertRefused("deleting the last agent opens nothing");
        assertEquals("no", anonymousInHealth().path("allowed").asText());
    }
}

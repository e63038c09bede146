package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 9 item 16, claimed identity: a keyed caller's identity and tier come from its agent, a caller without a
 * key cannot speak for an agent, and the sample rule "Free users never reach premium models" holds when the tier
 * is left out or the premium model is named as an ad-hoc id. Runs the bundled catalog and sample rules.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallerIdentityTest {
    private static final String FREE_RULE = "Free users never reach premium models";
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("SWITCHBOARD_ALLOW_ANONYMOUS", "true", "SWITCHBOARD_CATALOG", "src/main/resources/default-catalog.yaml"));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_keep_a_caller_without_a_key_off_premium_models_when_it_leaves_out_its_tier() {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o", "hi"));
        assertRoutedByFreeRule(r);
        HttpResponse<String> standard = gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "x-switchboard-user-tier", "standard");
        assertEquals(200, standard.statusCode(), standard.body());
        assertEquals("gpt-4o", header(standard, "x-switchboard-model"), "a tier said by a caller without a key is taken at its word");
    }

    @Test
    void should_keep_free_users_off_premium_models_named_as_ad_hoc_ids() {
        for (String model : new String[] {"openai/gpt-4o", "openai/gpt-4o-2024-08-06", "openai/gpt-4.1"}) {
            assertRoutedByFreeRule(gw.postChat(Gateway.chatBody(model, "hi"), "x-switchboard-user-tier", "free"));
        }
        HttpResponse<String> cheap = gw.postChat(Gateway.chatBody("openai/gpt-4o-mini-2024-07-18", "hi"), "x-switchboard-user-tier", "free");
        assertEquals(200, cheap.statusCode(), cheap.body());
        assertEquals("", header(cheap, "x-switchboard-rule"), "a cheap model's snapshot is no premium model");
    }

    @Test
    void should_take_a_keyed_callers_tier_from_its_agent_never_from_the_header() throws Exception {
        String free = createAgent("free-bot", ",\"userTier\":\"free\"");
        assertRoutedByFreeRule(gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "Authorization", "Bearer " + free));
        assertRoutedByFreeRule(gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "Authorization", "Bearer " + free,
                "x-switchboard-user-tier", "FREE"));
        HttpResponse<String> claimed = gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "Authorization", "Bearer " + free,
                "x-switchboard-user-tier", "premium");
        assertError(claimed, 403, "x-switchboard-user-tier", "identity_from_key");

        String standard = createAgent("standard-bot", "");
        assertEquals("standard", Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/agents/standard-bot", null).body()).path("userTier").asText(),
                "an agent's tier unless its operator sets one");
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "Authorization", "Bearer " + standard);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o", header(r, "x-switchboard-model"));
        assertError(gw.admin("PUT", "/admin/api/agents/standard-bot", "{\"userTier\":\"gold\"}"), 400, "userTier", null);
    }

    @Test
    void should_refuse_a_keyed_caller_naming_another_caller() throws Exception {
        String key = createAgent("honest-bot", "");
        assertError(gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key, "x-switchboard-agent", "someone-else"),
                403, "x-switchboard-agent", "identity_from_key");
        HttpResponse<String> same = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "Authorization", "Bearer " + key,
                "x-switchboard-agent", "honest-bot");
        assertEquals(200, same.statusCode(), same.body());
        assertEquals("honest-bot", gw.usageRow(header(same, "x-switchboard-request-id")).path("caller").asText());
    }

    @Test
    void should_refuse_a_caller_without_a_key_that_claims_an_agent() throws Exception {
        createAgent("vip-bot", ",\"userTier\":\"enterprise\"");
        assertError(gw.postChat(Gateway.chatBody("gpt-4o", "hi"), "x-switchboard-agent", "vip-bot"), 403, "x-switchboard-agent",
                "agent_key_required");
        assertError(gw.post("/embeddings", "{\"input\":\"a\"}", "x-switchboard-agent", "vip-bot"), 403, "x-switchboard-agent",
                "agent_key_required");
        HttpResponse<String> label = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "nightly-script");
        assertEquals(200, label.statusCode(), label.body());
        assertEquals("nightly-script", gw.usageRow(header(label, "x-switchboard-request-id")).path("caller").asText(),
                "a name no agent has is still a label for the usage rows");
    }

    @Test
    void should_try_a_rule_as_the_agent_the_sample_names() throws Exception {
        createAgent("tried-bot", ",\"userTier\":\"free\"");
        HttpResponse<String> r = gw.admin("POST", "/admin/api/rules/test",
                "{\"agent\":\"tried-bot\",\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode decision = Gateway.MAPPER.readTree(r.body());
        assertEquals(FREE_RULE, decision.path("rule").asText(), "the agent's own tier applies when its routing is tried");
        assertEquals("gpt-4o-mini", decision.path("model").asText());
    }

    private void assertRoutedByFreeRule(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gpt-4o-mini", header(r, "x-switchboard-model"));
        assertEquals(FREE_RULE, header(r, "x-switchboard-rule"));
    }

    private static void assertError(HttpResponse<String> r, int status, String param, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals(param, error.path("param").asText(), r.body());
        if (code != null) {
            assertEquals(code, error.path("code").asText(), r.body());
        }
    }

    private String createAgent(String id, String extra) throws Exception {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/agents", "{\"id\":\"" + id + "\"" + extra + "}");
        assertEquals(201, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body()).path("key").asText();
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse("");
    }
}

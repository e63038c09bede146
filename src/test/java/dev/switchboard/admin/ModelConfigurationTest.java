package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeOpenAiDialects;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Fine-tuned models, parameter templates, capability profiles and provider key rotation, end to end. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelConfigurationTest {
    private static final String OLD_KEY = "xai-old-key-0123456789abcdef";
    private Gateway gw;
    private FakeOpenAiDialects xai;

    @BeforeAll
    void start() throws Exception {
        xai = FakeOpenAiDialects.start(FakeOpenAiDialects.Dialect.XAI);
        Path catalog = Files.createTempFile("model-config", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: xai, type: xai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: XAI_API_KEY, baseUrlEnv: XAI_BASE_URL}
                templates:
                  precise: {temperature: 0.1, top_p: 0.5}
                  creative: {temperature: 1.2}
                profiles:
                  vision-chat: [chat, vision, tools]
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}, profile: vision-chat, template: creative}
                  - {id: acme-support, baseModel: gpt-4o-mini, fineTuneId: "ft:gpt-4o-mini:acme:support:1", trainingNotes: "10k tickets", tags: [support]}
                  - {id: grok-x, provider: xai, contextWindow: 128000, price: {input: 1, output: 1}}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(), "XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", OLD_KEY));
    }

    @AfterAll
    void stop() {
        gw.close();
        xai.close();
    }

    @Test
    void should_route_to_a_fine_tuned_model_derived_from_its_base() throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("acme-support", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = gw.fake.requestsFor("ft:gpt-4o-mini:acme:support:1").get(0).json();
        assertEquals(1.2, sent.path("temperature").asDouble(), 1e-9, "the base model's template came along");
        JsonNode models = Gateway.MAPPER.readTree(gw.get(gw.baseUrl() + "/models").body()).path("data");
        boolean listed = false;
        for (JsonNode m : models) {
            if (m.path("id").asText().equals("acme-support")) {
                listed = m.path("fine_tuned_from").asText().equals("gpt-4o-mini") && m.path("capabilities").toString().contains("vision");
            }
        }
        assertTrue(listed, models.toString());
    }

    @Test
    void should_apply_a_template_named_by_a_rule_over_the_callers_parameters() throws Exception {
        Files.writeString(gw.rulesDir.resolve("precise.drl"), """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision
                rule "Auditors get precise answers"
                when
                    LlmRequest(agentId == "auditor")
                then
                    decision.set("template", "precise");
                end
                """);
        Await.until("the rule", Gateway.TIMEOUT, () -> gw.get(gw.managementUrl() + "/admin/api/rules").body(), b -> b.contains("precise.drl"));
        gw.fake.reset();
        HttpResponse<String> r = gw.postChat("{\"model\":\"gpt-4o-mini\",\"temperature\":0.9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-switchboard-agent", "auditor");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = gw.fake.requestsFor("gpt-4o-mini").get(0).json();
        assertEquals(0.1, sent.path("temperature").asDouble(), 1e-9);
        assertEquals(0.5, sent.path("top_p").asDouble(), 1e-9);
        assertTrue(!sent.has("template"), "the template name is not sent to the provider");
    }

    private HttpResponse<String> rotate(String key) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/providers/xai/key"))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"apiKey\":\"" + key + "\"}")).build());
    }

    @Test
    void should_keep_the_old_provider_key_until_a_new_one_validates() throws Exception {
        HttpResponse<String> refused = rotate(FakeOpenAiDialects.BAD_KEY);
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals(200, gw.postChat(Gateway.chatBody("grok-x", "hi")).statusCode());
        assertEquals("Bearer " + OLD_KEY, last(xai.requestsFor("grok-x")).header("authorization"), "the old key still serves");

        String newKey = "xai-new-key-0123456789abcdef";
        HttpResponse<String> rotated = rotate(newKey);
        assertEquals(200, rotated.statusCode(), rotated.body());
        assertTrue(!rotated.body().contains(newKey), "masked");
        assertEquals(200, gw.postChat(Gateway.chatBody("grok-x", "hi")).statusCode());
        assertEquals("Bearer " + newKey, last(xai.requestsFor("grok-x")).header("authorization"));
    }

    private static <T> T last(java.util.List<T> list) {
        return list.get(list.size() - 1);
    }
}

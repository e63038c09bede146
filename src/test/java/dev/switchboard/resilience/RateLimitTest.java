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

/** Local token buckets: a model out of headroom is skipped, a caller over its own limit gets 429 with the usual headers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimitTest {
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        Path catalog = Files.createTempFile("ratelimit-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: openai-slow, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL, rpm: 1}
                models:
                  - {id: via-slow-provider, provider: openai-slow, contextWindow: 128000, price: {input: 1, output: 1}, fallbacks: [gpt-4o-mini]}
                  - {id: broken, upstreamId: fake-500, provider: openai, contextWindow: 128000, price: {input: 1, output: 1}}
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}}
                  - {id: scarce, provider: openai, contextWindow: 128000, price: {input: 1, output: 1}, rpm: 1, fallbacks: [gpt-4o-mini]}
                  - {id: only-scarce, upstreamId: scarce, provider: openai, contextWindow: 128000, price: {input: 1, output: 1}, rpm: 1}
                agents:
                  limited-agent: {rpm: 2}
                chains:
                  forgetful: {models: [broken, gpt-4o-mini], preserveContext: false}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString()));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_refuse_a_caller_over_its_own_limit_with_429_and_ratelimit_headers() throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> ok = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "limited-agent");
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("2", ok.headers().firstValue("x-ratelimit-limit-requests").orElse(""));
        }
        HttpResponse<String> refused = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "limited-agent");
        assertEquals(429, refused.statusCode(), refused.body());
        JsonNode error = Gateway.MAPPER.readTree(refused.body()).path("error");
        assertEquals("rate_limit_exceeded", error.path("code").asText());
        assertTrue(error.path("message").asText().contains("limited-agent"));
        assertTrue(Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow()) >= 1);
        assertEquals("0", refused.headers().firstValue("x-ratelimit-remaining-requests").orElse(""));
        assertTrue(refused.headers().firstValue("x-ratelimit-reset-requests").isPresent());
        assertEquals(429, gw.usageRow(refused.headers().firstValue("x-switchboard-request-id").orElseThrow()).path("status").asInt());
        assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "other-agent").statusCode(),
                "other callers are not affected");
    }

    @Test
    void should_skip_a_model_out_of_headroom_and_record_it() {
        HttpResponse<String> first = gw.postChat(Gateway.chatBody("scarce", "hi"));
        assertEquals("scarce", first.headers().firstValue("x-switchboard-model").orElse(""));
        HttpResponse<String> second = gw.postChat(Gateway.chatBody("scarce", "hi"));
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("gpt-4o-mini", second.headers().firstValue("x-switchboard-model").orElse(""));
        JsonNode row = gw.usageRow(second.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertEquals("rate_limited_local", row.at("/attempts/0/outcome").asText());
        assertEquals("ok", row.at("/attempts/1/outcome").asText());
    }

    @Test
    void should_hold_a_whole_provider_to_its_own_limit() {
        assertEquals("via-slow-provider", gw.postChat(Gateway.chatBody("via-slow-provider", "hi")).headers()
                .firstValue("x-switchboard-model").orElse(""));
        HttpResponse<String> second = gw.postChat(Gateway.chatBody("via-slow-provider", "hi"));
        assertEquals("gpt-4o-mini", second.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals("rate_limited_local", gw.usageRow(second.headers().firstValue("x-switchboard-request-id").orElseThrow())
                .at("/attempts/0/outcome").asText());
    }

    @Test
    void should_give_a_fallback_only_the_system_prompt_and_last_turn_when_the_chain_does_not_preserve_context() throws Exception {
        Files.writeString(gw.rulesDir.resolve("forgetful.drl"), """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision
                rule "Forgetful agents use the forgetful chain"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "forgetful-agent")
                then
                    decision.route("broken", "forgetful");
                end
                """);
        dev.switchboard.support.Await.until("the rule to load", Gateway.TIMEOUT,
                () -> gw.get(gw.managementUrl() + "/admin/api/rules").body(), b -> b.contains("forgetful.drl"));
        gw.fake.reset();
        HttpResponse<String> r = gw.postChat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"one\"},{\"role\":\"assistant\",\"content\":\"1\"},{\"role\":\"user\",\"content\":\"two\"}]}",
                "x-switchboard-agent", "forgetful-agent");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(4, gw.fake.requestsFor("fake-500").get(0).json().path("messages").size(), "the first model gets everything");
        JsonNode messages = gw.fake.requestsFor("gpt-4o-mini").get(0).json().path("messages");
        assertEquals(2, messages.size(), messages.toString());
        assertEquals("Be brief.", messages.at("/0/content").asText());
        assertEquals("two", messages.at("/1/content").asText());
    }

    @Test
    void should_answer_429_when_every_model_is_out_of_headroom() {
        assertEquals(200, gw.postChat(Gateway.chatBody("only-scarce", "hi")).statusCode());
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("only-scarce", "hi"));
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("retry-after").isPresent());
    }
}

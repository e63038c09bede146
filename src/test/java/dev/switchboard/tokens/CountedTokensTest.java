package dev.switchboard.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Budgets and token-per-minute limits decide on the prompt as the serving model's tokenizer counts it: o200k_base
 * for gpt-4o-mini, o200k_base times Anthropic's factor for a Claude model. The prompt, "hello world " 1,000 times
 * (12,000 characters, 3,000 tokens by characters / 4), is 2,001 o200k_base tokens, 2,008 with its chat framing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CountedTokensTest {
    private static final String CATALOG = """
            defaults: {chatModel: gpt-4o-mini, embeddingModel: text-embedding-3-small}
            providers:
              - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
              - {id: anthropic, type: anthropic, baseUrl: "http://127.0.0.1:1", keyEnv: OPENAI_API_KEY}
            models:
              - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 1, output: 1}, capabilities: [chat]}
              - {id: text-embedding-3-small, provider: openai, contextWindow: 8191, price: {input: 0.02, output: 0}, capabilities: [embeddings]}
              - {id: claude-haiku-4-5, provider: anthropic, contextWindow: 200000, price: {input: 1, output: 1}, capabilities: [chat]}
            agents:
              minute-capped: {tpm: 2500}
            """;
    private static final String PROMPT = "hello world ".repeat(1_000);
    /** Framing (3), "user" (1), the text (2,001) and the reply priming (3); and the one answer token asked for. */
    private static final int GPT_TOKENS = 2_008 + 1;
    /** Anthropic's factor over o200k_base, rounded up; and the answer token. */
    private static final int CLAUDE_TOKENS = (int) Math.ceil(2_008 * 1.35) + 1;

    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        Path catalog = Files.createTempFile("counted-tokens", ".yaml");
        Files.writeString(catalog, CATALOG);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString()));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void should_reserve_the_prompt_in_the_serving_models_tokens() {
        String tiny = agent("{\"id\":\"tiny\",\"dailyBudgetUsd\":0.0001}");
        HttpResponse<String> gpt = chat(tiny, "gpt-4o-mini");
        assertEquals(429, gpt.statusCode(), gpt.body());
        assertTrue(gpt.body().contains(String.format(java.util.Locale.ROOT, "could cost up to $%.6f", GPT_TOKENS / 1e6)), gpt.body());
        HttpResponse<String> claude = chat(tiny, "claude-haiku-4-5");
        assertEquals(429, claude.statusCode(), claude.body());
        assertTrue(claude.body().contains(String.format(java.util.Locale.ROOT, "could cost up to $%.6f", CLAUDE_TOKENS / 1e6)), claude.body());

        // Between the two counts (and below characters / 4): gpt-4o-mini fits, the Claude model does not.
        String between = agent("{\"id\":\"between\",\"dailyBudgetUsd\":0.0025}");
        assertEquals(200, chat(between, "gpt-4o-mini").statusCode());
        HttpResponse<String> refused = chat(between, "claude-haiku-4-5");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("budget_exceeded", read(refused.body()).at("/error/code").asText(), refused.body());
    }

    @Test
    void should_take_the_counted_tokens_from_the_callers_minute() {
        String key = agent("{\"id\":\"minute-capped\"}");
        HttpResponse<String> first = chat(key, "gpt-4o-mini");
        assertEquals(200, first.statusCode(), "2,009 counted tokens fit a minute of 2,500: " + first.body());
        HttpResponse<String> second = chat(key, "gpt-4o-mini");
        assertEquals(429, second.statusCode(), second.body());
        assertEquals("rate_limit_exceeded", read(second.body()).at("/error/code").asText(), second.body());
    }

    private HttpResponse<String> chat(String key, String model) {
        return gw.postChat("{\"model\":\"" + model + "\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}",
                "Authorization", "Bearer " + key);
    }

    private String agent(String json) {
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents", json);
        assertEquals(201, created.statusCode(), created.body());
        return read(created.body()).path("key").asText();
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Budgets without leaks: every request an agent with a budget makes reserves its true worst case (ad-hoc ids,
 * embeddings, {@code n}, tools, the agent's system prompt, any {@code max_tokens}), and a caller that leaves a
 * stream cancels the provider's call and pays for what it was sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BudgetWorstCaseTest {
    private static final String CATALOG = """
            defaults: {chatModel: gpt-4o-mini, embeddingModel: text-embedding-3-small}
            providers:
              - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
              - {id: drip, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: DRIP_API_KEY, baseUrlEnv: DRIP_BASE_URL}
              - {id: bare, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
            models:
              - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.60}, capabilities: [chat, tools]}
              - {id: gpt-4o, provider: openai, contextWindow: 128000, price: {input: 2.50, output: 10.00}, capabilities: [chat, tools]}
              - {id: text-embedding-3-small, provider: openai, contextWindow: 8191, price: {input: 0.02, output: 0}, capabilities: [embeddings]}
              - {id: dripper, upstreamId: drip-model, provider: drip, contextWindow: 8000, price: {input: 1, output: 1}, capabilities: [chat]}
            agents:
              tpm-capped: {tpm: 1000}
            """;
    /** What FakeOpenAi reports for every chat answer (11 prompt, 7 completion tokens) at gpt-4o's prices. */
    private static final double GPT_4O_ANSWER_USD = (11 * 2.50 + 7 * 10.00) / 1e6;
    /** What FakeOpenAi reports for every embeddings answer (5 prompt tokens) at text-embedding-3-small's price. */
    private static final double EMBEDDING_USD = 5 * 0.02 / 1e6;
    /** 1,000 answer tokens of gpt-4o-mini cost $0.0006: one fits this budget, eight do not. */
    private static final double SMALL_BUDGET_USD = 0.001;
    private static final String HI = "[{\"role\":\"user\",\"content\":\"hi\"}]";

    private DripProvider drip;
    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        drip = DripProvider.start();
        Path catalog = Files.createTempFile("budget-worst-case", ".yaml");
        Files.writeString(catalog, CATALOG);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(), "DRIP_BASE_URL", drip.baseUrl(),
                "DRIP_API_KEY", "sk-drip-test-key-0123456789"));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (drip != null) {
            drip.close();
        }
    }

    @Test
    void should_refuse_an_ad_hoc_id_as_it_refuses_its_catalog_model() {
        String key = agent("{\"id\":\"tiny\",\"dailyBudgetUsd\":0.0001}");
        for (String model : new String[] {"gpt-4o", "openai/gpt-4o", "openai/a-model-the-catalog-lacks"}) {
            HttpResponse<String> r = chat(key, "{\"model\":\"" + model + "\",\"messages\":" + HI + "}");
            assertEquals(429, r.statusCode(), model + ": " + r.body());
            assertEquals("budget_exceeded", error(r).path("code").asText(), r.body());
        }
        HttpResponse<String> unpriced = chat(key, "{\"model\":\"bare/any-model\",\"max_tokens\":1,\"messages\":" + HI + "}");
        assertEquals(400, unpriced.statusCode(), unpriced.body());
        assertEquals("model", error(unpriced).path("param").asText(), unpriced.body());
        assertTrue(error(unpriced).path("message").asText().contains("no known price"), unpriced.body());
    }

    @Test
    void should_record_an_ad_hoc_id_at_its_catalog_model_or_its_providers_dearest_price() {
        String key = agent("{\"id\":\"adhoc-payer\",\"dailyBudgetUsd\":100}");
        for (String model : new String[] {"openai/gpt-4o", "openai/a-model-the-catalog-lacks"}) {
            HttpResponse<String> r = chat(key, "{\"model\":\"" + model + "\",\"max_tokens\":7,\"messages\":" + HI + "}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
            assertEquals(GPT_4O_ANSWER_USD, row.path("cost_usd").asDouble(), 1e-12, model + " is billed at gpt-4o's rates: " + row);
        }
    }

    @Test
    void should_reserve_and_charge_embeddings() {
        String key = agent("{\"id\":\"embedder\",\"dailyBudgetUsd\":" + 1.5 * EMBEDDING_USD + "}");
        String body = "{\"input\":\"hello world\"}";
        HttpResponse<String> first = gw.post("/embeddings", body, "Authorization", "Bearer " + key);
        assertEquals(200, first.statusCode(), first.body());
        JsonNode row = gw.usageRow(first.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertEquals(EMBEDDING_USD, row.path("cost_usd").asDouble(), 1e-15, row.toString());
        HttpResponse<String> second = gw.post("/embeddings", body, "Authorization", "Bearer " + key);
        assertEquals(429, second.statusCode(), "the first call's cost was settled: " + second.body());
        assertEquals("budget_exceeded", error(second).path("code").asText(), second.body());
    }

    @Test
    void should_never_wrap_a_huge_max_tokens_into_a_negative_reservation() {
        String key = agent("{\"id\":\"huge-asker\",\"dailyBudgetUsd\":0.0001}");
        for (String param : new String[] {"max_tokens", "max_completion_tokens"}) {
            HttpResponse<String> wrapped = chat(key, "{\"model\":\"gpt-4o\",\"" + param + "\":2147483648,\"messages\":" + HI + "}");
            assertEquals(400, wrapped.statusCode(), wrapped.body());
            assertEquals(param, error(wrapped).path("param").asText(), wrapped.body());
            HttpResponse<String> largest = chat(key, "{\"model\":\"gpt-4o\",\"" + param + "\":2147483647,\"messages\":" + HI + "}");
            assertEquals(429, largest.statusCode(), largest.body());
            assertEquals("budget_exceeded", error(largest).path("code").asText(), largest.body());
        }
    }

    @Test
    void should_never_wrap_the_largest_max_tokens_into_tokens_given_back_to_a_rate_limit() {
        String key = agent("{\"id\":\"tpm-capped\"}");
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":2147483647,\"messages\":" + HI + "}";
        HttpResponse<String> first = chat(key, body);
        assertEquals(200, first.statusCode(), "the first request takes the minute's 1,000 tokens: " + first.body());
        HttpResponse<String> second = chat(key, body);
        assertEquals(429, second.statusCode(), second.body());
        assertEquals("rate_limit_exceeded", error(second).path("code").asText(), second.body());
    }

    @Test
    void should_count_every_choice_the_tools_and_a_missing_max_tokens_in_the_worst_case() {
        String key = agent("{\"id\":\"counted\",\"dailyBudgetUsd\":" + SMALL_BUDGET_USD + "}");
        String one = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":" + HI + "}";
        assertEquals(200, chat(key, one).statusCode(), "one answer of 1,000 tokens fits");
        assertRefused(chat(key, one.replace("\"max_tokens\"", "\"n\":8,\"max_tokens\"")), "eight answers of 1,000 tokens");
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"description\":\"" + "hello world ".repeat(2_500) + "\"}}]";
        assertRefused(chat(key, one.replace("\"max_tokens\"", "\"tools\":" + tools + ",\"max_tokens\"")), "5,000 tokens of tools");
        assertRefused(chat(key, "{\"model\":\"gpt-4o-mini\",\"messages\":" + HI + "}"), "an answer as long as the context window");
    }

    @Test
    void should_reserve_the_longer_of_max_tokens_and_max_completion_tokens() {
        // Providers differ in which of the two they honour (DeepSeek, Perplexity and LM Studio read max_tokens): a small
        // one next to a large one must not make the worst case small.
        String key = agent("{\"id\":\"two-limits\",\"dailyBudgetUsd\":" + SMALL_BUDGET_USD + "}");
        assertRefused(chat(key, "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":1,\"max_tokens\":8000,\"messages\":" + HI + "}"),
                "8,000 answer tokens under max_tokens");
        assertRefused(chat(key, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1,\"max_completion_tokens\":8000,\"messages\":" + HI + "}"),
                "8,000 answer tokens under max_completion_tokens");
    }

    @Test
    void should_hold_nothing_of_an_agents_budget_when_a_viewer_tries_a_rule_for_it() {
        String key = agent("{\"id\":\"tried\",\"dailyBudgetUsd\":" + SMALL_BUDGET_USD + "}");
        String viewer = gw.createToken("budget-viewer", "viewer");
        String sample = "{\"agent\":\"tried\",\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":" + HI + "}";
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> tried = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/test"))
                    .header("Authorization", "Bearer " + viewer).POST(HttpRequest.BodyPublishers.ofString(sample)).build());
            assertEquals(200, tried.statusCode(), "a dry run, every time: " + tried.body());
        }
        HttpResponse<String> real = chat(key, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":" + HI + "}");
        assertEquals(200, real.statusCode(), "the tries held none of the budget (each once held $0.0006 of $0.001 for good): " + real.body());
    }

    @Test
    void should_count_the_agents_system_prompt_in_the_worst_case() {
        String key = agent("{\"id\":\"prompted\",\"dailyBudgetUsd\":" + SMALL_BUDGET_USD + ",\"systemPrompt\":\"" + "y".repeat(20_000) + "\"}");
        assertRefused(chat(key, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"messages\":" + HI + "}"),
                "5,000 tokens of system prompt and 1,000 of answer");
    }

    @Test
    void should_cancel_the_provider_and_charge_what_was_relayed_when_the_caller_leaves_mid_stream() throws IOException {
        // $1 per million tokens: 5 of prompt and 1 of answer reserve $0.000006; at least 7 are charged after a word.
        String key = agent("{\"id\":\"leaver\",\"dailyBudgetUsd\":0.00001}");
        String body = "{\"model\":\"dripper\",\"max_tokens\":1,\"stream\":true,\"messages\":" + HI + "}";
        String requestId;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gw.app.port())) {
            socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            byte[] json = body.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + key + "\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(json);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertTrue(in.readLine().contains(" 200 "), "the stream started");
            requestId = readUntil(in, "x-switchboard-request-id:").substring("x-switchboard-request-id:".length()).trim();
            readUntil(in, "\"content\":\"" + DripProvider.WORD.trim());
        } // the caller hangs up after the first words
        Await.until("the provider to see its stream cut", Duration.ofSeconds(5), drip::cut, n -> n >= 1);
        assertEquals(0, drip.finished(), "the gateway never read the answer to its end");
        JsonNode row = gw.usageRow(requestId);
        assertEquals("client_closed", row.path("outcome").asText(), row.toString());
        assertTrue(row.path("completion_tokens").asInt() > 0, "the words relayed are counted: " + row);
        assertTrue(row.path("cost_usd").asDouble() > 0, "and charged: " + row);
        assertRefused(chat(key, body.replace(",\"stream\":true", "")), "the cut stream's cost was settled, so another");
    }

    /** Reads lines until one contains {@code marker} (case-insensitive), bounded by the socket's read timeout. */
    private static String readUntil(BufferedReader in, String marker) throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.toLowerCase(Locale.ROOT).contains(marker)) {
                return line;
            }
        }
        throw new AssertionError("the stream ended before '" + marker + "'");
    }

    private static void assertRefused(HttpResponse<String> r, String why) {
        assertEquals(429, r.statusCode(), why + " cannot fit the budget: " + r.body());
        assertEquals("budget_exceeded", error(r).path("code").asText(), r.body());
    }

    private HttpResponse<String> chat(String key, String body) {
        return gw.postChat(body, "Authorization", "Bearer " + key);
    }

    /** Creates an agent and returns its key. */
    private String agent(String json) {
        HttpResponse<String> created = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/agents"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
        assertEquals(201, created.statusCode(), created.body());
        return read(created.body()).path("key").asText();
    }

    private static JsonNode error(HttpResponse<String> r) {
        return read(r.body()).path("error");
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}

package dev.switchboard.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.fakes.FakeServer;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Anthropic's Messages API served by Anthropic keeps what only Anthropic understands (thinking, top_k, metadata,
 * MCP servers, server tools, thinking blocks in the history, the anthropic-beta header) and answers as Anthropic
 * did, thinking included; served by another provider, the same request loses those with a note in its record.
 * {@code POST /v1/messages/count_tokens} is counted by the gateway.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnthropicFidelityTest {
    private static final String BETA = "mcp-client-2025-04-04";
    private static final String MCP_SERVERS = "[{\"type\":\"url\",\"url\":\"https://mcp.example.test/sse\",\"name\":\"example-mcp\","
            + "\"tool_configuration\":{\"enabled\":true,\"allowed_tools\":[\"echo\"]}}]";
    private static final String SERVER_TOOL = "{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":3}";
    private static final String FUNCTION_TOOL = "{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}";
    private static final String THINKING_TURN = "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"Earlier thought.\","
            + "\"signature\":\"sig-earlier\"},{\"type\":\"text\",\"text\":\"Earlier answer.\"}]}";

    private FakeAnthropic anthropic;
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        Path catalog = Files.createTempFile("fidelity-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: anthropic, type: anthropic, baseUrl: "http://127.0.0.1:1", keyEnv: ANTHROPIC_API_KEY, baseUrlEnv: ANTHROPIC_BASE_URL}
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}, capabilities: [chat, tools]}
                  - {id: claude-sonnet-4-5, provider: anthropic, contextWindow: 200000, price: {input: 3, output: 15}, capabilities: [chat, tools]}
                  - {id: claude-tuned, upstreamId: claude-sonnet-4-5, provider: anthropic, contextWindow: 200000, price: {input: 3, output: 15},
                     defaults: {top_p: 0.5}}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(),
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef"));
    }

    @AfterAll
    void stop() {
        gw.close();
        anthropic.close();
    }

    private static String request(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":2048,\"stream\":" + stream + ",\"system\":\"Be brief.\","
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"top_k\":40,\"metadata\":{\"user_id\":\"user-7\"},"
                + "\"mcp_servers\":" + MCP_SERVERS + ",\"tools\":[" + FUNCTION_TOOL + "," + SERVER_TOOL + "],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}," + THINKING_TURN + ",{\"role\":\"user\",\"content\":\"And now?\"}]}";
    }

    @Test
    void should_pass_anthropic_only_fields_through_untouched_when_anthropic_serves() throws Exception {
        String body = request("claude-sonnet-4-5", false);
        HttpResponse<String> r = gw.post("/messages", body, "anthropic-version", "2023-06-01", "anthropic-beta", BETA);
        assertEquals(200, r.statusCode(), r.body());

        FakeServer.Recorded upstream = last(anthropic.requestsFor(FakeAnthropic.MODEL_ID));
        JsonNode sent = upstream.json();
        JsonNode caller = Gateway.MAPPER.readTree(body);
        for (String field : List.of("thinking", "top_k", "metadata", "mcp_servers", "tools", "messages", "system")) {
            assertEquals(caller.get(field), sent.get(field), field + " passes through untouched: " + sent);
        }
        assertEquals(BETA, upstream.header("anthropic-beta"), "the caller's beta features reach Anthropic");

        JsonNode answer = Gateway.MAPPER.readTree(r.body());
        assertEquals("thinking", answer.at("/content/0/type").asText(), r.body());
        assertEquals(FakeAnthropic.THINKING_TEXT, answer.at("/content/0/thinking").asText());
        assertEquals(FakeAnthropic.THINKING_SIGNATURE, answer.at("/content/0/signature").asText(), "the signature comes back for the next turn");
        assertEquals("tool_use", answer.at("/content/1/type").asText(), "then the answer (a call of the function tool): " + r.body());

        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertFalse(row.path("tags").asText().contains("dropped:"), "nothing was dropped: " + row);
        assertEquals(FakeAnthropic.OUTPUT_TOKENS, row.path("completion_tokens").asInt(), row.toString());
    }

    @Test
    void should_stream_anthropic_events_as_anthropic_sent_them_thinking_included() throws Exception {
        HttpResponse<String> r = gw.post("/messages", request("claude-sonnet-4-5", true));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"type\":\"thinking_delta\",\"thinking\":\"" + FakeAnthropic.THINKING_TEXT + "\""), r.body());
        assertTrue(r.body().contains("\"type\":\"signature_delta\",\"signature\":\"" + FakeAnthropic.THINKING_SIGNATURE + "\""), r.body());
        assertTrue(r.body().contains("event: ping"), "every event, pings included, as it came: " + r.body());
        assertEquals(1, r.body().split("event: message_stop", -1).length - 1, "one end: " + r.body());
        assertEquals(1, r.body().split("event: message_start", -1).length - 1, "one start: " + r.body());
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals(FakeAnthropic.OUTPUT_TOKENS, row.path("completion_tokens").asInt(), "usage read from the relayed stream: " + row);
        assertEquals(FakeAnthropic.INPUT_TOKENS + FakeAnthropic.CACHE_READ_TOKENS + FakeAnthropic.CACHE_CREATION_TOKENS,
                row.path("prompt_tokens").asInt(), row.toString());
    }

    @Test
    void should_still_apply_a_model_default_to_a_passed_through_request() throws Exception {
        HttpResponse<String> r = gw.post("/messages", request("claude-tuned", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = last(anthropic.requestsFor(FakeAnthropic.MODEL_ID)).json();
        assertEquals(0.5, sent.path("top_p").asDouble(), "the model's default top_p: " + sent);
        assertEquals(40, sent.path("top_k").asInt(), "and the caller's Anthropic-only fields: " + sent);
        assertEquals("enabled", sent.at("/thinking/type").asText(), sent.toString());
    }

    @Test
    void should_drop_what_another_provider_cannot_take_with_a_note_in_the_record() throws Exception {
        HttpResponse<String> r = gw.post("/messages", request("gpt-4o-mini", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = last(gw.fake.requestsFor("gpt-4o-mini")).json();
        for (String field : List.of("thinking", "top_k", "mcp_servers", "metadata")) {
            assertFalse(sent.has(field), field + " is not sent to OpenAI: " + sent);
        }
        assertEquals("user-7", sent.path("user").asText(), "metadata.user_id becomes user");
        assertEquals(1, sent.path("tools").size(), "the function tool only: " + sent);
        assertEquals("Earlier answer.", sent.at("/messages/2/content").asText(), "the history without its thinking block: " + sent);
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertTrue(row.path("tags").asText().contains("dropped:mcp_servers+server_tools+thinking+thinking_blocks+top_k@gpt-4o-mini"),
                row.toString());
    }

    @Test
    void should_count_tokens_without_calling_a_provider() throws Exception {
        int anthropicCalls = anthropic.requests().size();
        int openAiCalls = gw.fake.requests().size();
        String shortBody = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        String longBody = "{\"model\":\"gpt-4o-mini\",\"system\":\"You are a careful assistant.\",\"tools\":[" + FUNCTION_TOOL + "],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, how is the weather in Boston today?\"}]}";
        long shortCount = count(shortBody);
        long longCount = count(longBody);
        assertTrue(shortCount > 0 && longCount > shortCount, shortCount + " then " + longCount);
        long claude = count(shortBody.replace("gpt-4o-mini", "claude-sonnet-4-5"));
        assertTrue(claude >= shortCount, "Claude's tokens are estimated high: " + claude + " vs " + shortCount);
        assertEquals(anthropicCalls, anthropic.requests().size(), "no provider was called");
        assertEquals(openAiCalls, gw.fake.requests().size(), "no provider was called");

        HttpResponse<String> bad = gw.post("/messages/count_tokens", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(400, bad.statusCode(), bad.body());
        JsonNode error = Gateway.MAPPER.readTree(bad.body());
        assertEquals("error", error.path("type").asText(), "Anthropic's error shape: " + bad.body());
        assertEquals("invalid_request_error", error.at("/error/type").asText(), bad.body());
    }

    private long count(String body) throws Exception {
        HttpResponse<String> r = gw.post("/messages/count_tokens", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode json = Gateway.MAPPER.readTree(r.body());
        assertEquals(1, json.size(), "Anthropic's shape, {\"input_tokens\": N}: " + r.body());
        return json.path("input_tokens").asLong();
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElseThrow();
    }

    private static FakeServer.Recorded last(List<FakeServer.Recorded> requests) {
        return requests.get(requests.size() - 1);
    }
}

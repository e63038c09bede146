package dev.switchboard.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.fakes.FakeGemini;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Front-door format × provider format: Anthropic's Messages API in, OpenAI- and Gemini-format providers out
 * (plain and streaming), and a fallback across providers that keeps the conversation, system prompt and tools.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TranslationMatrixTest {
    private static final String ANTHROPIC_TOOLS = "[{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";
    private FakeAnthropic anthropic;
    private FakeGemini gemini;
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        gemini = FakeGemini.start();
        Path catalog = Files.createTempFile("matrix-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: anthropic, type: anthropic, baseUrl: "http://127.0.0.1:1", keyEnv: ANTHROPIC_API_KEY, baseUrlEnv: ANTHROPIC_BASE_URL}
                  - {id: gemini, type: gemini, baseUrl: "http://127.0.0.1:1", keyEnv: GEMINI_API_KEY, baseUrlEnv: GEMINI_BASE_URL}
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}, capabilities: [chat, tools]}
                  - {id: gemini-2.5-flash, provider: gemini, contextWindow: 1000000, price: {input: 0.3, output: 2.5}, capabilities: [chat, tools]}
                  - {id: claude-down, upstreamId: fake-500, provider: anthropic, contextWindow: 200000, price: {input: 3, output: 15}, fallbacks: [gemini-2.5-flash]}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(),
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef",
                "GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", "gemini-test-key-0123456789"));
    }

    @AfterAll
    void stop() {
        gw.close();
        anthropic.close();
        gemini.close();
    }

    private static String messagesBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":256,\"stream\":" + stream + ",\"system\":\"You are terse.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void should_answer_anthropic_callers_in_anthropic_shape_from_an_openai_provider() throws Exception {
        HttpResponse<String> r = gw.post("/messages", messagesBody("gpt-4o-mini", false), "x-api-key", "sk-caller", "anthropic-version", "2023-06-01");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("message", body.path("type").asText());
        assertEquals("assistant", body.path("role").asText());
        assertEquals("Hello from gpt-4o-mini", body.at("/content/0/text").asText());
        assertEquals("end_turn", body.path("stop_reason").asText());
        assertEquals(7, body.at("/usage/output_tokens").asInt());
        JsonNode sent = last(gw.fake.requestsFor("gpt-4o-mini").stream().map(x -> x.json()).toList());
        assertEquals("system", sent.at("/messages/0/role").asText(), "Anthropic's system prompt became a system message");
        assertEquals("You are terse.", sent.at("/messages/0/content").asText());
        assertEquals(256, sent.path("max_tokens").asInt());
    }

    @Test
    void should_stream_anthropic_events_from_a_gemini_provider() throws Exception {
        HttpResponse<String> r = gw.post("/messages", messagesBody("gemini-2.5-flash", true), "x-api-key", "sk-caller");
        assertEquals(200, r.statusCode(), r.body());
        List<String> events = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        String event = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("event: ")) {
                event = line.substring(7);
                events.add(event);
            } else if (line.startsWith("data: ") && "content_block_delta".equals(event)) {
                text.append(Gateway.MAPPER.readTree(line.substring(6)).at("/delta/text").asText(""));
            }
        }
        assertEquals("message_start", events.get(0), events.toString());
        assertEquals("message_stop", events.get(events.size() - 1), events.toString());
        assertTrue(events.contains("content_block_start") && events.contains("message_delta"), events.toString());
        assertTrue(text.toString().contains("Hello"), r.body());
        JsonNode sent = last(gemini.requestsFor("gemini-2.5-flash").stream().map(x -> x.json()).toList());
        assertEquals("You are terse.", sent.at("/systemInstruction/parts/0/text").asText());
        assertEquals("user", sent.at("/contents/0/role").asText());
    }

    @Test
    void should_stream_anthropic_events_from_an_openai_provider() {
        HttpResponse<String> r = gw.post("/messages", messagesBody("gpt-4o-mini", true));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("event: message_start"), r.body());
        assertTrue(r.body().contains("event: message_stop"), r.body());
        assertTrue(!r.body().contains("[DONE]"), "Anthropic streams have no [DONE]");
    }

    @Test
    void should_answer_a_tool_use_to_anthropic_callers_from_gemini() throws Exception {
        HttpResponse<String> r = gw.post("/messages", "{\"model\":\"gemini-2.5-flash\",\"max_tokens\":100,\"tools\":" + ANTHROPIC_TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        JsonNode toolUse = null;
        for (JsonNode block : body.path("content")) {
            if (block.path("type").asText().equals("tool_use")) {
                toolUse = block;
            }
        }
        assertTrue(toolUse != null, r.body());
        assertEquals("get_weather", toolUse.path("name").asText());
        assertEquals("Boston", toolUse.at("/input/city").asText());
        assertEquals("tool_use", body.path("stop_reason").asText());
    }

    @Test
    void should_answer_errors_in_anthropic_shape() throws Exception {
        HttpResponse<String> missing = gw.post("/messages", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, missing.statusCode());
        JsonNode body = Gateway.MAPPER.readTree(missing.body());
        assertEquals("error", body.path("type").asText());
        assertEquals("invalid_request_error", body.at("/error/type").asText());
        assertTrue(body.at("/error/message").asText().contains("max_tokens"));

        HttpResponse<String> unknown = gw.post("/messages", messagesBody("no-such-model", false));
        assertEquals(404, unknown.statusCode());
        assertEquals("not_found_error", Gateway.MAPPER.readTree(unknown.body()).at("/error/type").asText());
    }

    @Test
    void should_keep_conversation_system_prompt_and_tools_when_falling_back_from_anthropic_to_gemini() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";
        HttpResponse<String> r = gw.postChat("{\"model\":\"claude-down\",\"tools\":" + tools + ",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Answer in French.\"},"
                + "{\"role\":\"user\",\"content\":\"First question\"},"
                + "{\"role\":\"assistant\",\"content\":\"First answer\"},"
                + "{\"role\":\"user\",\"content\":\"Second question\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gemini-2.5-flash", r.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals("2", r.headers().firstValue("x-switchboard-attempts").orElse(""));
        JsonNode toAnthropic = last(anthropic.requestsFor("fake-500").stream().map(x -> x.json()).toList());
        assertEquals("Answer in French.", toAnthropic.path("system").asText());
        assertEquals(3, toAnthropic.path("messages").size());
        assertEquals("get_weather", toAnthropic.at("/tools/0/name").asText());
        JsonNode toGemini = last(gemini.requestsFor("gemini-2.5-flash").stream().map(x -> x.json()).toList());
        assertEquals("Answer in French.", toGemini.at("/systemInstruction/parts/0/text").asText());
        assertEquals(3, toGemini.path("contents").size());
        assertEquals("Second question", toGemini.at("/contents/2/parts/0/text").asText());
        assertEquals("model", toGemini.at("/contents/1/role").asText());
        assertEquals("get_weather", toGemini.at("/tools/0/functionDeclarations/0/name").asText());
    }

    @Test
    void should_drop_parameters_a_provider_lacks_and_note_them_in_the_record() throws Exception {
        HttpResponse<String> r = gw.postChat("{\"model\":\"gemini-2.5-flash\",\"logprobs\":true,\"logit_bias\":{\"50256\":-100},"
                + "\"temperature\":0.3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode sent = last(gemini.requestsFor("gemini-2.5-flash").stream().map(x -> x.json()).toList());
        assertEquals(0.3, sent.at("/generationConfig/temperature").asDouble(), 1e-9);
        String tags = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow()).path("tags").asText();
        assertTrue(tags.contains("dropped:logprobs+logit_bias@gemini-2.5-flash"), tags);
    }

    private static JsonNode last(List<JsonNode> list) {
        assertTrue(!list.isEmpty(), "the fake received no request");
        return list.get(list.size() - 1);
    }
}

package dev.switchboard.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.fakes.FakeServer;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The official OpenAI Node SDK ({@code src/test/node/responses.mjs}) against the gateway's Responses API:
 * {@code responses.create}, the event stream through {@code responses.stream}, {@code previous_response_id},
 * function calling, retrieve, input items and delete; served once by OpenAI (passed through to its own Responses API) and once
 * by Anthropic (translated), and by both within one request when OpenAI fails over to Anthropic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesSdkTest {
    private static final Path NODE_DIR = Path.of("src/test/node");
    /** The script makes a dozen calls; a first run may also install the SDK. */
    private static final long SCRIPT_TIMEOUT_SECONDS = 120;
    private static final long INSTALL_TIMEOUT_SECONDS = 300;

    private FakeAnthropic anthropic;
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        installSdkIfMissing();
        anthropic = FakeAnthropic.start();
        Path catalog = Files.createTempFile("responses-catalog", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: gpt-4o-mini}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                  - {id: anthropic, type: anthropic, baseUrl: "http://127.0.0.1:1", keyEnv: ANTHROPIC_API_KEY, baseUrlEnv: ANTHROPIC_BASE_URL}
                models:
                  - {id: gpt-4o-mini, provider: openai, contextWindow: 128000, price: {input: 0.15, output: 0.6}, capabilities: [chat, tools]}
                  - {id: claude-sonnet-4-5, provider: anthropic, contextWindow: 200000, price: {input: 3, output: 15}, capabilities: [chat, tools]}
                  - {id: gpt-down, provider: openai, upstreamId: fake-500, contextWindow: 128000, price: {input: 0.15, output: 0.6}, capabilities: [chat, tools], fallbacks: [claude-sonnet-4-5]}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString(),
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef"));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (anthropic != null) {
            anthropic.close();
        }
    }

    @Test
    void should_pass_the_openai_sdk_through_to_openai_s_own_responses_api() throws Exception {
        Map<String, JsonNode> checks = runScript("gpt-4o-mini");
        assertServed(checks, "Hello from gpt-4o-mini", "gpt-4o-mini");
        List<FakeServer.Recorded> calls = gw.fake.requestsFor("gpt-4o-mini");
        assertEquals(List.of("/v1/responses"), calls.stream().map(FakeServer.Recorded::path).distinct().toList(),
                "OpenAI gets the Responses requests themselves, not chat completions");
        List<JsonNode> sent = calls.stream().map(FakeServer.Recorded::json).toList();
        assertEquals("You are terse.", sent.get(0).path("instructions").asText(), sent.get(0).toString());
        assertEquals("Say hello", sent.get(0).path("input").asText(), sent.get(0).toString());
        assertEquals(false, sent.get(0).path("store").asBoolean(true), "the gateway keeps the conversation, not OpenAI");
        // previous_response_id is the gateway's: OpenAI gets the stored conversation as input items instead.
        JsonNode followUp = sent.get(1);
        assertFalse(followUp.has("previous_response_id"), followUp.toString());
        assertEquals("Say hello", followUp.at("/input/0/content").asText(), followUp.toString());
        assertEquals("assistant", followUp.at("/input/1/role").asText(), followUp.toString());
        assertEquals("Hello from gpt-4o-mini", followUp.at("/input/1/content").asText(), followUp.toString());
        assertEquals("And again", followUp.at("/input/2/content").asText(), followUp.toString());
        assertTrue(sent.get(2).path("stream").asBoolean(), "the stream is OpenAI's own: " + sent.get(2));
        assertFalse(checks.get("stream").path("id").asText().startsWith("resp_fake"), "the gateway's id, not OpenAI's: " + checks.get("stream"));
        JsonNode toolTurn = sent.get(sent.size() - 2).path("input"); // the last one is the streamed call
        assertEquals("function_call", toolTurn.at("/1/type").asText(), toolTurn.toString());
        assertEquals("get_weather", toolTurn.at("/1/name").asText(), toolTurn.toString());
        assertEquals("function_call_output", toolTurn.at("/2/type").asText(), toolTurn.toString());
        assertEquals(FakeOpenAi.TOOL_CALL_ID, toolTurn.at("/2/call_id").asText(), toolTurn.toString());
        assertEquals(List.of(), gw.fake.unexpected());

        JsonNode row = gw.usageRow(requestIdOf(checks.get("create").path("id").asText()));
        assertEquals(11, row.path("prompt_tokens").asInt(), "the Responses usage shape is read: " + row);
        assertEquals(7, row.path("completion_tokens").asInt(), row.toString());
        assertEquals(3, row.path("cached_tokens").asInt(), row.toString());
        JsonNode streamRow = gw.usageRow(requestIdOf(checks.get("stream").path("id").asText()));
        assertEquals(7, streamRow.path("completion_tokens").asInt(), "a relayed stream's usage too: " + streamRow);
        assertTrue(streamRow.path("cost_usd").asDouble() > 0, streamRow.toString());
    }

    @Test
    void should_fall_back_from_openai_to_anthropic_within_one_request_and_keep_the_conversation() throws Exception {
        JsonNode first = ok(gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Say hello\"}"));
        int anthropicBefore = anthropic.requestsFor(FakeAnthropic.MODEL_ID).size();

        JsonNode second = ok(gw.post("/responses", "{\"model\":\"gpt-down\",\"input\":\"And again\",\"previous_response_id\":\""
                + first.path("id").asText() + "\"}"));
        assertEquals("/v1/responses", gw.fake.requestsFor("fake-500").get(0).path(), "OpenAI was tried first, passed through");
        assertEquals("completed", second.path("status").asText(), second.toString());
        assertTrue(second.at("/output/0/content/0/text").asText().startsWith("Hello from"), second.toString());
        JsonNode translated = anthropic.requestsFor(FakeAnthropic.MODEL_ID).get(anthropicBefore).json();
        assertEquals("Say hello", translated.at("/messages/0/content").asText(), translated.toString());
        assertEquals("Hello from gpt-4o-mini", text(translated.at("/messages/1")), translated.toString());
        assertEquals("And again", translated.at("/messages/2/content").asText(), translated.toString());
        JsonNode row = gw.usageRow(requestIdOf(second.path("id").asText()));
        assertEquals("claude-sonnet-4-5", row.path("model").asText(), row.toString());
        assertTrue(row.path("cost_usd").asDouble() > 0, row.toString());

        HttpResponse<String> streamed = gw.post("/responses", "{\"model\":\"gpt-down\",\"stream\":true,\"input\":\"Thanks\","
                + "\"previous_response_id\":\"" + second.path("id").asText() + "\"}");
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.body().contains("event: response.completed"), "the translated event sequence: " + streamed.body());
        String streamedId = Gateway.MAPPER.readTree(streamed.body().lines().filter(l -> l.startsWith("data:")).findFirst().orElseThrow()
                .substring(5)).at("/response/id").asText();

        ok(gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Bye\",\"previous_response_id\":\"" + streamedId + "\"}"));
        JsonNode back = last(gw.fake.requestsFor("gpt-4o-mini"));
        assertEquals(7, back.path("input").size(), "three turns answered by two providers, then the new input: " + back);
        assertEquals("Thanks", back.at("/input/4/content").asText(), back.toString());
        assertEquals("Bye", back.at("/input/6/content").asText(), back.toString());
    }

    @Test
    void should_pass_hosted_tools_to_openai_and_refuse_them_for_another_provider() throws Exception {
        String body = "{\"model\":\"%s\",\"input\":\"News today?\",\"tools\":[{\"type\":\"web_search_preview\"}]}";
        ok(gw.post("/responses", body.formatted("gpt-4o-mini")));
        assertEquals("web_search_preview", last(gw.fake.requestsFor("gpt-4o-mini")).at("/tools/0/type").asText());

        HttpResponse<String> refused = gw.post("/responses", body.formatted("claude-sonnet-4-5"));
        assertEquals(400, refused.statusCode(), refused.body());
        assertEquals("tools[0].type", Gateway.MAPPER.readTree(refused.body()).at("/error/param").asText(), refused.body());
    }

    @Test
    void should_serve_the_openai_sdk_from_an_anthropic_format_provider() throws Exception {
        Map<String, JsonNode> checks = runScript("claude-sonnet-4-5");
        assertServed(checks, "Hello from claude-sonnet-4-5", "claude-sonnet-4-5");
        List<JsonNode> sent = anthropic.requestsFor(FakeAnthropic.MODEL_ID).stream().map(FakeServer.Recorded::json).toList();
        assertEquals("You are terse.", sent.get(0).path("system").asText(), sent.get(0).toString());
        JsonNode followUp = sent.get(1);
        assertEquals("Say hello", followUp.at("/messages/0/content").asText(), followUp.toString());
        assertEquals("assistant", followUp.at("/messages/1/role").asText(), followUp.toString());
        assertEquals("And again", followUp.at("/messages/2/content").asText(), followUp.toString());
        JsonNode toolTurn = sent.get(sent.size() - 2).path("messages"); // the last one is the streamed call
        assertEquals("tool_use", toolTurn.at("/1/content/0/type").asText(), toolTurn.toString());
        assertEquals("tool_result", toolTurn.at("/2/content/0/type").asText(), toolTurn.toString());
        assertEquals(List.of(), anthropic.unexpected());
    }

    private void assertServed(Map<String, JsonNode> checks, String hello, String model) {
        JsonNode create = checks.get("create");
        assertEquals("completed", create.path("status").asText(), create.toString());
        assertEquals(hello, create.path("text").asText(), create.toString());
        assertEquals(model, create.path("model").asText());
        assertTrue(create.path("inputTokens").asInt() > 0 && create.path("outputTokens").asInt() > 0, create.toString());
        assertEquals(create.path("inputTokens").asInt() + create.path("outputTokens").asInt(), create.path("totalTokens").asInt());
        assertEquals(create.path("id").asText(), checks.get("retrieve").path("id").asText());
        assertEquals(hello, checks.get("retrieve").path("text").asText());

        JsonNode previous = checks.get("previous");
        assertEquals(create.path("id").asText(), previous.path("previous").asText());

        JsonNode items = checks.get("input-items");
        assertEquals("[\"user\",\"assistant\",\"user\"]", items.path("roles").toString(), items.toString());
        assertEquals("[\"Say hello\",\"" + hello + "\",\"And again\"]", items.path("texts").toString(), items.toString());

        JsonNode stream = checks.get("stream");
        List<String> types = Gateway.MAPPER.convertValue(stream.path("types"), List.class);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"),
                types.subList(0, 4), types.toString());
        assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"),
                types.subList(types.size() - 4, types.size()), types.toString());
        assertTrue(types.contains("response.output_text.delta"), types.toString());
        assertEquals(hello, stream.path("deltas").asText());
        assertEquals(hello, stream.path("text").asText(), "the SDK rebuilt the answer from the events");
        assertEquals("completed", stream.path("status").asText());
        assertTrue(stream.path("outputTokens").asInt() > 0, "usage comes with response.completed: " + stream);
        assertEquals(hello, checks.get("previous-after-stream").path("text").asText(), "a streamed response was stored too");

        JsonNode call = checks.get("function-call");
        assertEquals("get_weather", call.path("name").asText(), call.toString());
        assertEquals("Boston", readTree(call.path("arguments").asText()).path("city").asText(), call.toString());
        assertTrue(checks.get("function-output").path("text").asText().startsWith("Tool result received: "),
                checks.get("function-output").toString());
        assertTrue(checks.get("function-output").path("text").asText().contains("20C"), checks.get("function-output").toString());

        JsonNode streamedCall = checks.get("function-call-stream");
        assertEquals("get_weather", streamedCall.path("name").asText(), streamedCall.toString());
        assertEquals("Boston", readTree(streamedCall.path("arguments").asText()).path("city").asText(), streamedCall.toString());
        assertTrue(streamedCall.path("types").toString().contains("response.function_call_arguments.delta"), streamedCall.toString());
        assertTrue(streamedCall.path("types").toString().contains("response.function_call_arguments.done"), streamedCall.toString());

        assertEquals(true, checks.get("delete").path("deleted").asBoolean(), checks.get("delete").toString());
        assertEquals(404, checks.get("delete").path("gone").asInt(), checks.get("delete").toString());

        JsonNode row = gw.usageRow(requestIdOf(create.path("id").asText()));
        assertEquals("responses", row.path("entry").asText(), row.toString());
        assertEquals(model, row.path("model").asText(), row.toString());
        assertTrue(row.path("cost_usd").asDouble() > 0, "the request was billed: " + row);
    }

    private static JsonNode ok(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body());
    }

    private static JsonNode last(List<FakeServer.Recorded> requests) {
        return requests.get(requests.size() - 1).json();
    }

    /** An Anthropic message's text: its string content or its text blocks. */
    private static String text(JsonNode message) {
        JsonNode content = message.path("content");
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(b -> sb.append(b.path("text").asText("")));
        return sb.toString();
    }

    /** The gateway's request id of a response: the response id is made from it. */
    private static String requestIdOf(String responseId) {
        String hex = responseId.substring("resp_".length());
        return "req-" + hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-" + hex.substring(16, 20)
                + "-" + hex.substring(20);
    }

    /** Runs the SDK script for one model; its checks by name. */
    private Map<String, JsonNode> runScript(String model) throws Exception {
        String out = run(SCRIPT_TIMEOUT_SECONDS, "node", "responses.mjs", gw.baseUrl(), model);
        Map<String, JsonNode> checks = new HashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{\"check\"")) {
                JsonNode check = readTree(line);
                checks.put(check.path("check").asText(), check);
            }
        }
        return checks;
    }

    /** {@code npm ci} from the committed lock file when the SDK is not installed yet (.ci/run does the same). */
    private static void installSdkIfMissing() throws IOException, InterruptedException {
        if (Files.isDirectory(NODE_DIR.resolve("node_modules/openai"))) {
            return;
        }
        run(INSTALL_TIMEOUT_SECONDS, "npm", "ci", "--no-audit", "--no-fund");
    }

    /** Runs a command in the node folder, its output into a file (a full pipe would stall it); fails unless it ends with 0 in time. */
    private static String run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("node-run", ".log");
        Process p = new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        p.getOutputStream().close();
        boolean ended = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor(timeoutSeconds, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        if (!ended || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + (ended ? " failed" : " did not end within " + timeoutSeconds + " s")
                    + ":\n" + out);
        }
        return out;
    }

    private static JsonNode readTree(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

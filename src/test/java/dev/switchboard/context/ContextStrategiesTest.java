package dev.switchboard.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.fakes.FakeServer;
import dev.switchboard.support.Gateway;
import dev.switchboard.tokens.TokenCounter;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Context strategies over HTTP: what the fake provider receives is the conversation as each strategy fits it, with
 * exact kept turns. Every turn of prose costs {@value #TURN_TOKENS} tokens (o200k_base, the fake models' tokenizer)
 * give or take a few, so the cuts below sit hundreds of tokens away from any boundary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextStrategiesTest {
    private static final int TURN_TOKENS = 500;
    private static final String SYSTEM = "You are a support agent.";

    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        Path catalog = Files.createTempFile("context", ".yaml");
        Files.writeString(catalog, """
                defaults: {chatModel: cheap}
                providers:
                  - {id: openai, type: openai, baseUrl: "http://127.0.0.1:1/v1", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}
                models:
                  - {id: roomy, upstreamId: roomy-up, provider: openai, contextWindow: 128000, price: {input: 1, output: 1}, capabilities: [chat, tools]}
                  - {id: huge-down, upstreamId: fake-500, provider: openai, contextWindow: 1000000, price: {input: 1, output: 1}, fallbacks: [small]}
                  - {id: small, upstreamId: small-up, provider: openai, contextWindow: 8000, price: {input: 0.5, output: 0.5}}
                  - {id: cheap, upstreamId: cheap-up, provider: openai, contextWindow: 128000, price: {input: 0.1, output: 0.1}}
                  - {id: broken, upstreamId: fake-500, provider: openai, contextWindow: 128000, price: {input: 0.1, output: 0.1}}
                chains:
                  stepwise:
                    models: [huge-down, small]
                    context: {small: {strategy: windowed, maxPromptTokens: 1200}}
                """);
        gw = Gateway.start(Map.of("SWITCHBOARD_CATALOG", catalog.toString()));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void should_keep_the_newest_turns_that_fit_and_never_split_a_tool_call_from_its_result() {
        // Newest first: u3 (small), a2 and u2 (500 each) fit in 2,300 with the system prompt and the tools (about 1,050);
        // the tool result alone (about 1,000) would fit too, but not with its call (about 600 more): both are left out.
        String key = agent("windowed-bot", "{\"strategy\":\"windowed\",\"maxPromptTokens\":2300}");
        String tag = tag();
        ObjectNode body = request("roomy", tag);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.add(turn("user", tag + " u1", TURN_TOKENS));
        ObjectNode call = messages.addObject().put("role", "assistant");
        call.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function").putObject("function")
                .put("name", "lookup_order").put("arguments", "{\"note\":\"" + prose(600) + "\"}");
        messages.add(turn("tool", tag + " result", 2 * TURN_TOKENS).put("tool_call_id", "call_1"));
        messages.add(turn("user", tag + " u2", TURN_TOKENS));
        messages.add(turn("assistant", tag + " a2", TURN_TOKENS));
        messages.addObject().put("role", "user").put("content", tag + " u3: and now?");

        HttpResponse<String> r = post(key, body);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("windowed:kept=3", r.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(List.of(SYSTEM, tag + " u2", tag + " a2", tag + " u3"), starts(sent("roomy-up", tag)));
        assertTrue(sent("roomy-up", tag).path("tools").size() == 1, "the tool definitions are kept");
        assertEquals("windowed:kept=3", gw.usageRow(requestId(r)).path("context_fit").asText());

        // With room for the call and its result (about 2,650) but not u1 (3,150), both come back, together.
        String roomier = agent("windowed-roomier", "{\"strategy\":\"windowed\",\"maxPromptTokens\":2900}");
        String tag2 = tag();
        ObjectNode again = body.deepCopy();
        again.set("messages", Gateway.MAPPER.valueToTree(body.get("messages")));
        String replaced = again.toString().replace(tag, tag2);
        HttpResponse<String> r2 = gw.postChat(replaced, "Authorization", "Bearer " + roomier);
        assertEquals(200, r2.statusCode(), r2.body());
        assertEquals("windowed:kept=5", r2.headers().firstValue("x-switchboard-context").orElse(""));
        JsonNode sent = sent("roomy-up", tag2);
        assertEquals("call_1", sent.at("/messages/1/tool_calls/0/id").asText(), sent.toString());
        assertEquals("tool", sent.at("/messages/2/role").asText(), sent.toString());
    }

    @Test
    void should_send_a_conversation_that_fits_whole_and_say_so() {
        String key = agent("short-talk", "\"windowed\"");
        String tag = tag();
        ObjectNode body = conversation("roomy", tag, 4);
        HttpResponse<String> r = post(key, body);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("full", r.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(5, sent("roomy-up", tag).path("messages").size());
        assertEquals("full", gw.usageRow(requestId(r)).path("context_fit").asText());
    }

    @Test
    void should_fit_the_conversation_for_a_smaller_fallback_model_instead_of_failing() {
        // 40 turns (about 20,000 tokens) go whole to the 1M-window model, which fails; the 8k fallback gets the newest
        // turns that fit 8,000 less the 800 asked for the answer: 14 turns (about 7,000 with the system prompt).
        String tag = tag();
        ObjectNode body = conversation("huge-down", tag, 40).put("max_tokens", 800);
        HttpResponse<String> r = gw.postChat(body.toString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("small", r.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals("windowed:kept=14", r.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(41, sent("fake-500", tag).path("messages").size(), "the large window got the whole conversation");
        List<String> expected = new ArrayList<>(List.of(SYSTEM));
        for (int i = 26; i < 40; i++) {
            expected.add(tag + " t" + i);
        }
        assertEquals(expected, starts(sent("small-up", tag)));
        assertEquals("windowed:kept=14", gw.usageRow(requestId(r)).path("context_fit").asText());
    }

    @Test
    void should_fit_a_streamed_request_and_one_at_the_anthropic_door_the_same_way() {
        String key = agent("windowed-streamer", "{\"strategy\":\"windowed\",\"maxPromptTokens\":1200}");
        String tag = tag();
        HttpResponse<String> streamed = post(key, conversation("roomy", tag, 6).put("stream", true));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.body().contains("data: [DONE]"), streamed.body());
        assertEquals("windowed:kept=2", streamed.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(List.of(SYSTEM, tag + " t4", tag + " t5"), starts(sent("roomy-up", tag)));

        String anthropicTag = tag();
        ObjectNode body = conversation("roomy", anthropicTag, 5).put("max_tokens", 100);
        ArrayNode messages = (ArrayNode) body.get("messages");
        body.put("system", messages.remove(0).path("content").asText());
        HttpResponse<String> messagesDoor = gw.post("/messages", body.toString(), "x-api-key", key);
        assertEquals(200, messagesDoor.statusCode(), messagesDoor.body());
        assertEquals("windowed:kept=2", messagesDoor.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(List.of(SYSTEM, anthropicTag + " t3", anthropicTag + " t4"), starts(sent("roomy-up", anthropicTag)));
    }

    @Test
    void should_fit_a_chain_step_by_its_own_strategy() {
        // The chain's small step keeps 1,200 tokens: the newest two turns (about 1,010 with the system prompt).
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"stepper\",\"primaryModel\":\"huge-down\",\"chain\":\"stepwise\"}");
        assertEquals(201, created.statusCode(), created.body());
        String tag = tag();
        HttpResponse<String> r = post(read(created.body()).path("key").asText(), conversation("huge-down", tag, 10));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("small", r.headers().firstValue("x-switchboard-model").orElse(""));
        assertEquals("windowed:kept=2", r.headers().firstValue("x-switchboard-context").orElse(""));
        assertEquals(List.of(SYSTEM, tag + " t8", tag + " t9"), starts(sent("small-up", tag)));
        assertEquals(11, sent("fake-500", tag).path("messages").size(), "the first step, with the agent's strategy, got it whole");
    }

    @Test
    void should_summarize_a_growing_conversation_once_per_new_segment() {
        // Budget 3,300: six turns fit whole; the seventh starts a summary of all but the newest two (what fits half the
        // room left after the summary's); the summary then holds until the turns after it no longer fit (at twelve),
        // when the next segment is summarised on top of the first.
        String key = agent("summarizer", "{\"strategy\":\"summarized\",\"maxPromptTokens\":3300,\"summaryModel\":\"cheap\"}");
        String tag = tag();
        int before = summaryCalls(tag).size();
        List<String> fits = new ArrayList<>();
        for (int n = 1; n <= 13; n++) {
            HttpResponse<String> r = post(key, conversation("roomy", tag, n));
            assertEquals(200, r.statusCode(), r.body());
            fits.add(r.headers().firstValue("x-switchboard-context").orElse(""));
            if (n == 7) {
                assertEquals(List.of(SYSTEM, "Summary of the earlier conversation:\nHello", tag + " t5", tag + " t6"),
                        starts(lastSent("roomy-up", tag)), "the summary replaces turns 0 to 4");
                JsonNode row = gw.usageRow(requestId(r));
                assertEquals("summarized", row.path("context_fit").asText());
            }
        }
        assertEquals(List.of("full", "full", "full", "full", "full", "full", "summarized", "summarized", "summarized",
                "summarized", "summarized", "summarized", "summarized"), fits);
        List<JsonNode> calls = summaryCalls(tag);
        assertEquals(2, calls.size() - before, "one summary for turns 0-4 (at 7 turns), one for turns 5-9 (at 12)");
        String first = calls.get(before).at("/messages/1/content").asText();
        String second = calls.get(before + 1).at("/messages/1/content").asText();
        assertTrue(first.contains(tag + " t0:") && first.contains(tag + " t4:") && !first.contains(tag + " t5:"), first);
        assertTrue(second.startsWith("Summary so far:\n"), "the second builds on the first: " + second);
        assertTrue(second.contains(tag + " t5:") && second.contains(tag + " t9:") && !second.contains(tag + " t4:")
                && !second.contains(tag + " t10:"), second);
        assertEquals(List.of(SYSTEM, "Summary of the earlier conversation:\nHello", tag + " t10", tag + " t11", tag + " t12"),
                starts(lastSent("roomy-up", tag)));

        // The summary request is the agent's own: routed to its summary model, recorded with its cost.
        HttpResponse<String> usage = gw.admin("GET", "/admin/api/usage?limit=500", null);
        long summaryRows = 0;
        for (JsonNode row : read(usage.body()).path("data")) {
            if (row.path("entry").asText().equals("summary") && row.path("caller").asText().equals("summarizer")) {
                summaryRows++;
                assertEquals("cheap", row.path("model").asText(), row.toString());
                assertTrue(row.path("cost_usd").asDouble() > 0, row.toString());
            }
        }
        assertEquals(2, summaryRows);
    }

    @Test
    void should_window_when_the_summary_cannot_be_made() {
        String key = agent("unlucky-summarizer", "{\"strategy\":\"summarized\",\"maxPromptTokens\":3300,\"summaryModel\":\"broken\"}");
        String tag = tag();
        HttpResponse<String> r = post(key, conversation("roomy", tag, 9));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("windowed:kept=6", r.headers().firstValue("x-switchboard-context").orElse(""));
    }

    @Test
    void should_refuse_a_malformed_context_setting_naming_the_field_and_show_the_setting() {
        assertEquals("context", param(gw.admin("POST", "/admin/api/agents", "{\"id\":\"bad-ctx\",\"context\":\"most\"}")));
        assertEquals("context.fallback", param(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad-ctx\",\"context\":{\"strategy\":\"full\",\"fallback\":\"full\"}}")));
        assertEquals("context.maxPromptTokens", param(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad-ctx\",\"context\":{\"strategy\":\"windowed\",\"maxPromptTokens\":-1}}")));
        assertEquals("context.summaryModel", param(gw.admin("POST", "/admin/api/agents",
                "{\"id\":\"bad-ctx\",\"context\":{\"strategy\":\"summarized\",\"summaryModel\":\"nope\"}}")));
        assertEquals("context.colour", param(gw.admin("POST", "/admin/api/agents", "{\"id\":\"bad-ctx\",\"context\":{\"colour\":1}}")));
        agent("shown-ctx", "{\"strategy\":\"summarized\",\"summaryModel\":\"cheap\",\"summaryPrompt\":\"Be brief.\"}");
        JsonNode shown = read(gw.admin("GET", "/admin/api/agents/shown-ctx", null).body());
        assertEquals("summarized", shown.path("contextStrategy").asText(), shown.toString());
        assertEquals("Be brief.", shown.at("/context/summaryPrompt").asText(), shown.toString());
        agent("recent-ctx", "\"recent:2\"");
        assertEquals("recent:2", read(gw.admin("GET", "/admin/api/agents/recent-ctx", null).body()).path("contextStrategy").asText());
    }

    // ---------------------------------------------------------------- helpers

    private static String tag() {
        return "ctx-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ObjectNode request(String model, String tag) {
        ObjectNode body = Gateway.MAPPER.createObjectNode().put("model", model);
        body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup_order")
                .putObject("parameters").put("type", "object");
        return body;
    }

    /** A system prompt and {@code turns} turns of prose, user and assistant in turn (a longer one begins the same). */
    private static ObjectNode conversation(String model, String tag, int turns) {
        ObjectNode body = Gateway.MAPPER.createObjectNode().put("model", model);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        for (int i = 0; i < turns; i++) {
            messages.add(turn(i % 2 == 0 ? "user" : "assistant", tag + " t" + i, TURN_TOKENS));
        }
        return body;
    }

    /** A message that opens with {@code start} and costs {@code tokens} tokens (o200k_base), give or take a few. */
    private static ObjectNode turn(String role, String start, int tokens) {
        String filler = FILLERS.computeIfAbsent(tokens, ContextStrategiesTest::filler);
        return Gateway.MAPPER.createObjectNode().put("role", role).put("content", start + ": " + filler);
    }

    private static final Map<Integer, String> FILLERS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Words worth {@code tokens} tokens with a message's framing and a turn's opening (about eight tokens). */
    private static String filler(int tokens) {
        StringBuilder text = new StringBuilder();
        ObjectNode m = Gateway.MAPPER.createObjectNode().put("content", "ctx-00000000 t00: ");
        for (int i = 0; i < tokens && TokenCounter.message(m, TokenCounter.Scheme.O200K_BASE) < tokens; i++) {
            text.append(" word").append(i % 10);
            m.put("content", "ctx-00000000 t00: " + text);
        }
        return text.toString();
    }

    private static String prose(int tokens) {
        return turn("user", "note", tokens).path("content").asText();
    }

    private HttpResponse<String> post(String key, ObjectNode body) {
        return gw.postChat(body.toString(), "Authorization", "Bearer " + key);
    }

    /** The first request the fake got for {@code upstream} that carries {@code tag}. */
    private JsonNode sent(String upstream, String tag) {
        return gw.fake.requestsFor(upstream).stream().filter(r -> r.body().contains(tag)).findFirst().map(FakeServer.Recorded::json)
                .orElseThrow(() -> new AssertionError("no request for " + upstream + " with " + tag));
    }

    private JsonNode lastSent(String upstream, String tag) {
        List<JsonNode> all = gw.fake.requestsFor(upstream).stream().filter(r -> r.body().contains(tag)).map(FakeServer.Recorded::json).toList();
        return all.get(all.size() - 1);
    }

    private List<JsonNode> summaryCalls(String tag) {
        return gw.fake.requestsFor("cheap-up").stream().filter(r -> r.body().contains(tag)).map(FakeServer.Recorded::json).toList();
    }

    /** How each message sent starts: up to the first colon (the turn's name), or the summary heading and its first word. */
    private static List<String> starts(JsonNode sent) {
        List<String> out = new ArrayList<>();
        for (JsonNode m : sent.path("messages")) {
            String content = m.path("content").asText();
            if (content.startsWith("Summary of the earlier conversation:\n")) {
                String rest = content.substring("Summary of the earlier conversation:\n".length());
                out.add("Summary of the earlier conversation:\n" + rest.split(" ")[0]);
            } else {
                int colon = content.indexOf(':');
                out.add(colon < 0 || content.equals(SYSTEM) ? content : content.substring(0, colon));
            }
        }
        return out;
    }

    private String agent(String id, String context) {
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents", "{\"id\":\"" + id + "\",\"primaryModel\":\"roomy\",\"context\":"
                + context + "}");
        assertEquals(201, created.statusCode(), created.body());
        return read(created.body()).path("key").asText();
    }

    private static String param(HttpResponse<String> r) {
        assertEquals(400, r.statusCode(), r.body());
        return read(r.body()).at("/error/param").asText();
    }

    private static String requestId(HttpResponse<String> r) {
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

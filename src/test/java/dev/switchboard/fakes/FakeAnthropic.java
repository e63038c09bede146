package dev.switchboard.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake of Anthropic's HTTP API ({@code POST /v1/messages}, {@code GET /v1/models}) on 127.0.0.1, built on the
 * JDK {@link HttpServer} and speaking the wire format of shared/providers/anthropic.md: named-event SSE with a
 * {@code ping}, input usage in {@code message_start}, cumulative usage in {@code message_delta}, and
 * {@code {"type":"error","error":{...}}} bodies with a {@code request-id} header. Like the real API it refuses
 * a request without {@code x-api-key} or {@code anthropic-version}, without {@code max_tokens}, and with a
 * {@code tool_use} that the next turn does not answer with a {@code tool_result}.
 * Behaviour is chosen by the request body's {@code model}:
 * <ul>
 *   <li>any other model: success ("Hello from &lt;model&gt;", usage input 11 + cache read 3 + cache write 2,
 *       output 7); a {@code tool_use} of the first tool with input {"city":"Boston"} when {@code tools} is set
 *       and the last user turn has no tool result; "Tool result received: ..." when it has one</li>
 *   <li>{@code fake-500} (api_error), {@code fake-529} (overloaded_error), {@code fake-429} (rate_limit_error,
 *       {@code retry-after: 1} and {@code anthropic-ratelimit-requests-*}), {@code fake-400},
 *       {@code fake-context} ("prompt is too long"), {@code fake-auth} (401): error bodies</li>
 *   <li>{@code fake-hang}: never answers until {@link #close()} (or 120 s)</li>
 *   <li>{@code fake-garbage}: 200 with an HTML body</li>
 *   <li>{@code fake-cut}: message_start and the text "Hel", then the connection is dropped (no message_stop)</li>
 *   <li>{@code fake-stream-error}: "partial", then {@code event: error} overloaded_error (non-stream: 529)</li>
 *   <li>{@code fake-refusal}: some text, then {@code stop_reason: "refusal"}</li>
 * </ul>
 * A request with {@code "thinking": {"type": "enabled", ...}} gets a signed thinking block ({@link #THINKING_TEXT})
 * before its answer, streamed as {@code thinking_delta} and {@code signature_delta}.
 * Every request is recorded (header names lower-cased) before it is answered.
 */
public final class FakeAnthropic extends FakeServer {

    public static final String TOOL_USE_ID = "toolu_fake_1";
    public static final String TOOL_INPUT = "{\"city\":\"Boston\"}";
    /** As the real API does, the first input_json_delta is empty. */
    private static final List<String> TOOL_INPUT_FRAGMENTS = List.of("", "{\"city\":", "\"Bos", "ton\"}");
    public static final String MODEL_ID = "claude-sonnet-4-5";
    public static final int INPUT_TOKENS = 11;
    public static final int CACHE_READ_TOKENS = 3;
    public static final int CACHE_CREATION_TOKENS = 2;
    public static final int OUTPUT_TOKENS = 7;
    public static final String THINKING_TEXT = "Let me think about that.";
    public static final String THINKING_SIGNATURE = "sig-fake-0123";
    public static final String CONTEXT_MESSAGE = "prompt is too long: 208310 tokens > 200000 maximum";
    private static final String MESSAGES = "/v1/messages";

    /** What a successful answer contains. {@code toolName != null} means a tool_use block. */
    private record Answer(List<String> pieces, String toolName, String stopReason) {}

    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger requestIds = new AtomicInteger();

    private FakeAnthropic() {
        super("fake-anthropic-", "FakeAnthropic");
    }

    public static FakeAnthropic start() {
        return serve(new FakeAnthropic());
    }

    /** The host only, as Anthropic's SDKs and the catalog take it: paths start with {@code /v1}. */
    @Override
    public String baseUrl() {
        return origin();
    }

    // ---------------------------------------------------------------- dispatch

    /** The JSON "model" of messages requests, else null. */
    @Override
    protected String modelOf(String method, String path, String body) {
        return "POST".equals(method) && MESSAGES.equals(path) ? jsonModel(body) : null;
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        boolean messages = "POST".equals(rec.method()) && MESSAGES.equals(rec.path());
        boolean models = "GET".equals(rec.method()) && "/v1/models".equals(rec.path());
        JsonNode json = messages ? jsonObject(rec.body()) : null;
        String model = rec.model();

        if (!messages && !models) {
            markUnexpected(rec);
            sendError(ex, 404, "not_found_error", "Not found");
        } else if (rec.header("x-api-key") == null || rec.header("x-api-key").isBlank()) {
            sendError(ex, 401, "authentication_error", "x-api-key header is required");
        } else if (rec.header("anthropic-version") == null) {
            sendError(ex, 400, "invalid_request_error", "anthropic-version: header is required");
        } else if (models) {
            models(ex);
        } else if (json == null) {
            sendError(ex, 400, "invalid_request_error", "There was an issue with the formatting or content of your request.");
        } else if (model == null) {
            sendError(ex, 400, "invalid_request_error", "model: Field required");
        } else {
            boolean stream = json.path("stream").asBoolean(false);
            if (!answerByFailureModel(ex, model, stream)) {
                messages(ex, json, model, stream);
            }
        }
    }

    private void models(HttpExchange ex) throws IOException {
        ObjectNode list = JSON.createObjectNode();
        list.putArray("data").addObject().put("type", "model").put("id", MODEL_ID)
                .put("display_name", "Claude Sonnet 4.5").put("created_at", "2025-09-29T00:00:00Z");
        list.put("has_more", false).put("first_id", MODEL_ID).put("last_id", MODEL_ID);
        sendJson(ex, 200, list);
    }

    /** Handles the models that fail the same way whether streamed or not. Returns true when answered. */
    private boolean answerByFailureModel(HttpExchange ex, String model, boolean stream) throws IOException {
        switch (model) {
            case "fake-500" -> sendError(ex, 500, "api_error", "Internal server error");
            case "fake-529" -> sendError(ex, 529, "overloaded_error", "Overloaded");
            case "fake-429" -> {
                // Anthropic's reset headers are RFC 3339 timestamps, not durations.
                String reset = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS).toString();
                ex.getResponseHeaders().set("retry-after", "1");
                ex.getResponseHeaders().set("anthropic-ratelimit-requests-limit", "50");
                ex.getResponseHeaders().set("anthropic-ratelimit-requests-remaining", "0");
                ex.getResponseHeaders().set("anthropic-ratelimit-requests-reset", reset);
                sendError(ex, 429, "rate_limit_error", "This request would exceed the rate limit for your "
                        + "organization (00000000-0000-0000-0000-000000000000) of 50 requests per minute.");
            }
            case "fake-400" -> sendError(ex, 400, "invalid_request_error", "messages: bad request from fake");
            case "fake-context" -> sendError(ex, 400, "invalid_request_error", CONTEXT_MESSAGE);
            case "fake-auth" -> sendError(ex, 401, "authentication_error", "invalid x-api-key");
            case "fake-hang" -> hang();
            case "fake-garbage" -> sendText(ex, 200, "text/html", BAD_GATEWAY_HTML);
            case "fake-stream-error" -> {
                if (stream) {
                    return false;
                }
                sendError(ex, 529, "overloaded_error", "Overloaded");
            }
            case "fake-cut" -> {
                if (stream) {
                    return false;
                }
                cutShort(ex, "application/json", "{\"id\":\"msg_fake_cut\","); // 20 of the 500 bytes announced
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- messages

    private void messages(HttpExchange ex, JsonNode req, String model, boolean stream) throws IOException {
        if (!req.path("max_tokens").canConvertToInt()) {
            sendError(ex, 400, "invalid_request_error", "max_tokens: Field required");
            return;
        }
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            sendError(ex, 400, "invalid_request_error", "messages: Field required");
            return;
        }
        String invalid = invalidTurns(messages);
        if (invalid != null) {
            sendError(ex, 400, "invalid_request_error", invalid);
            return;
        }
        String id = "msg_fake_" + ids.incrementAndGet();
        Answer answer = answerFor(req, model);
        if (stream) {
            streamMessage(ex, new Sse(ex), id, model, answer, thinks(req));
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("id", id).put("type", "message").put("role", "assistant")
                .put("model", model);
        ArrayNode content = resp.putArray("content");
        if (thinks(req)) {
            content.addObject().put("type", "thinking").put("thinking", THINKING_TEXT).put("signature", THINKING_SIGNATURE);
        }
        if (!answer.pieces().isEmpty()) {
            content.addObject().put("type", "text").put("text", String.join("", answer.pieces()));
        }
        if (answer.toolName() != null) {
            ObjectNode toolUse = content.addObject().put("type", "tool_use").put("id", TOOL_USE_ID)
                    .put("name", answer.toolName());
            toolUse.set("input", JSON.readTree(TOOL_INPUT));
        }
        resp.put("stop_reason", answer.stopReason()).putNull("stop_sequence");
        resp.set("usage", usage(OUTPUT_TOKENS));
        sendJson(ex, 200, resp);
    }

    /**
     * The real API's checks on turns: roles are user/assistant, and every tool_use is answered by a tool_result
     * at the start of the next turn, which answers nothing else. Returns the error message, or null.
     */
    private static String invalidTurns(JsonNode messages) {
        for (int i = 0; i < messages.size(); i++) {
            String role = messages.get(i).path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                return "messages." + i + ".role: Input should be 'user' or 'assistant'";
            }
            Set<String> toolUses = idsOf(messages.get(i), "tool_use", "id");
            Set<String> answered = i + 1 < messages.size() ? idsOf(messages.get(i + 1), "tool_result", "tool_use_id") : Set.of();
            if (i + 1 < messages.size() && !answered.containsAll(toolUses)) {
                return "messages." + i + ": `tool_use` ids were found without `tool_result` blocks immediately after. "
                        + "Each `tool_use` block must have a corresponding `tool_result` block in the next message.";
            }
            Set<String> previous = i > 0 ? idsOf(messages.get(i - 1), "tool_use", "id") : Set.of();
            if (!previous.containsAll(idsOf(messages.get(i), "tool_result", "tool_use_id"))) {
                return "messages." + i + ".content.0: unexpected `tool_use_id` found in `tool_result` blocks. "
                        + "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.";
            }
            JsonNode content = messages.get(i).path("content");
            boolean seenOther = false;
            for (JsonNode block : content) {
                boolean result = block.path("type").asText().equals("tool_result");
                if (result && seenOther) {
                    return "messages." + i + ": `tool_result` blocks must come first in the user message";
                }
                seenOther |= !result;
            }
        }
        return null;
    }

    private static Set<String> idsOf(JsonNode message, String blockType, String field) {
        Set<String> ids = new HashSet<>();
        for (JsonNode block : message.path("content")) {
            if (block.path("type").asText().equals(blockType)) {
                ids.add(block.path(field).asText());
            }
        }
        return ids;
    }

    private static Answer answerFor(JsonNode req, String model) {
        JsonNode messages = req.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String toolResult = toolResultText(last);
        JsonNode tools = req.path("tools");
        if ("fake-refusal".equals(model)) {
            return new Answer(List.of("I can", "not help with that."), null, "refusal");
        }
        if (toolResult != null) {
            return new Answer(List.of("Tool result received: ", toolResult), null, "end_turn");
        }
        if (tools.isArray() && !tools.isEmpty() && "user".equals(last.path("role").asText())) {
            return new Answer(List.of(), tools.get(0).path("name").asText("tool"), "tool_use");
        }
        return new Answer(List.of("Hello", " from ", model), null, "end_turn");
    }

    /** The text of the turn's tool results, or null when it has none. */
    private static String toolResultText(JsonNode message) {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        for (JsonNode block : message.path("content")) {
            if (block.path("type").asText().equals("tool_result")) {
                any = true;
                JsonNode content = block.path("content");
                if (content.isTextual()) {
                    sb.append(content.asText());
                } else {
                    content.forEach(part -> sb.append(part.path("text").asText("")));
                }
            }
        }
        return any ? sb.toString() : null;
    }

    private static boolean thinks(JsonNode req) {
        return "enabled".equals(req.path("thinking").path("type").asText());
    }

    private void streamMessage(HttpExchange ex, Sse sse, String id, String model, Answer answer, boolean thinking) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        startStream(ex, "text/event-stream; charset=utf-8");

        ObjectNode message = JSON.createObjectNode().put("id", id).put("type", "message").put("role", "assistant");
        message.putArray("content");
        message.put("model", model).putNull("stop_reason").putNull("stop_sequence");
        message.set("usage", usage(1)); // output_tokens here is provisional, as in the real stream
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        start.set("message", message);
        sse.event("message_start", start);

        switch (model) {
            case "fake-cut" -> {
                sse.textBlockStart(0);
                sse.textDelta(0, "Hel");
                // A real cut comes some time after the first content; dropping the socket at once can reset it
                // before the client has read the bytes already sent.
                pause(CUT_DELAY_MS);
                throw new AbruptClose();
            }
            case "fake-stream-error" -> {
                sse.textBlockStart(0);
                sse.textDelta(0, "partial");
                ObjectNode error = JSON.createObjectNode().put("type", "error");
                error.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
                sse.event("error", error);
                return;
            }
            default -> { }
        }
        int index = 0;
        if (thinking) {
            sse.blockStart(index, JSON.createObjectNode().put("type", "thinking").put("thinking", ""));
            sse.blockDelta(index, JSON.createObjectNode().put("type", "thinking_delta").put("thinking", THINKING_TEXT));
            sse.blockDelta(index, JSON.createObjectNode().put("type", "signature_delta").put("signature", THINKING_SIGNATURE));
            sse.blockStop(index++);
        }
        if (!answer.pieces().isEmpty()) {
            sse.textBlockStart(index);
            sse.ping();
            for (String piece : answer.pieces()) {
                sse.textDelta(index, piece);
            }
            sse.blockStop(index++);
        }
        if (answer.toolName() != null) {
            ObjectNode block = JSON.createObjectNode().put("type", "tool_use").put("id", TOOL_USE_ID)
                    .put("name", answer.toolName());
            block.putObject("input");
            sse.blockStart(index, block);
            sse.ping();
            for (String fragment : TOOL_INPUT_FRAGMENTS) {
                ObjectNode delta = JSON.createObjectNode().put("type", "input_json_delta").put("partial_json", fragment);
                sse.blockDelta(index, delta);
            }
            sse.blockStop(index);
        }
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", answer.stopReason()).putNull("stop_sequence");
        messageDelta.set("usage", usage(OUTPUT_TOKENS)); // cumulative, input parts repeated as newer streams do
        sse.event("message_delta", messageDelta);
        sse.event("message_stop", JSON.createObjectNode().put("type", "message_stop"));
    }

    /** Writes named events ({@code event:} line, {@code data:} line, blank line), flushing each one. */
    private static final class Sse {
        private final OutputStream out;

        Sse(HttpExchange ex) {
            this.out = ex.getResponseBody();
        }

        void textBlockStart(int index) throws IOException {
            blockStart(index, JSON.createObjectNode().put("type", "text").put("text", ""));
        }

        void blockStart(int index, ObjectNode block) throws IOException {
            ObjectNode data = JSON.createObjectNode().put("type", "content_block_start").put("index", index);
            data.set("content_block", block);
            event("content_block_start", data);
        }

        void textDelta(int index, String text) throws IOException {
            blockDelta(index, JSON.createObjectNode().put("type", "text_delta").put("text", text));
        }

        void blockDelta(int index, ObjectNode delta) throws IOException {
            ObjectNode data = JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            data.set("delta", delta);
            event("content_block_delta", data);
        }

        void blockStop(int index) throws IOException {
            event("content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
        }

        void ping() throws IOException {
            event("ping", JSON.createObjectNode().put("type", "ping"));
        }

        void event(String name, JsonNode data) throws IOException {
            out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static ObjectNode usage(int outputTokens) {
        return JSON.createObjectNode()
                .put("input_tokens", INPUT_TOKENS)
                .put("cache_creation_input_tokens", CACHE_CREATION_TOKENS)
                .put("cache_read_input_tokens", CACHE_READ_TOKENS)
                .put("output_tokens", outputTokens);
    }

    // ---------------------------------------------------------------- low-level

    private void sendError(HttpExchange ex, int status, String type, String message) throws IOException {
        ObjectNode root = JSON.createObjectNode().put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        root.put("request_id", requestId(ex)); // the same id as the request-id header
        sendJson(ex, status, root);
    }

    @Override
    protected void commonHeaders(HttpExchange ex) {
        requestId(ex);
    }

    /** Sets the response's {@code request-id} (once) and returns it. */
    private String requestId(HttpExchange ex) {
        String id = ex.getResponseHeaders().getFirst("request-id");
        if (id == null) {
            id = "req_fake_" + requestIds.incrementAndGet();
            ex.getResponseHeaders().set("request-id", id);
            ex.getResponseHeaders().set("anthropic-organization-id", "00000000-0000-0000-0000-000000000000");
        }
        return id;
    }
}

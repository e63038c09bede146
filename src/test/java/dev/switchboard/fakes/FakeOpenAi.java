package dev.switchboard.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake of the OpenAI HTTP API (chat completions, the Responses API ({@link FakeOpenAiResponses}), embeddings,
 * models) on 127.0.0.1, built on the JDK
 * {@link HttpServer}. Behaviour is chosen by the request body's {@code model}:
 * <ul>
 *   <li>any other model: success ("Hello from &lt;model&gt;"; a tool call when {@code tools} is set and the last
 *       message is from the user; "Tool result received: ..." when the last message has role {@code tool})</li>
 *   <li>{@code fake-500}, {@code fake-503}, {@code fake-429}, {@code fake-400}, {@code fake-context}: error bodies</li>
 *   <li>{@code fake-hang}: never answers until {@link #close()} (or 120 s)</li>
 *   <li>{@code fake-garbage}: 200 with an HTML body</li>
 *   <li>{@code fake-cut}: the connection is dropped mid-body (no chunked terminator, no {@code [DONE]})</li>
 *   <li>{@code fake-cut-clean}: stream ends cleanly at the HTTP level after "Hel" but without {@code [DONE]}</li>
 *   <li>{@code fake-stream-error}: mid-stream {@code data: {"error":...}} then end (non-stream: like fake-500)</li>
 *   <li>{@code fake-filter}: finish_reason {@code content_filter}; {@code fake-slow}: success after 300 ms</li>
 *   <li>a model given answers with {@link #script}: those answers, in order, streamed or whole as asked</li>
 * </ul>
 * Every request is recorded (header names lower-cased) before it is answered.
 */
public final class FakeOpenAi extends FakeServer {

    public static final String TOOL_CALL_ID = "call_fake_1";
    public static final String TOOL_ARGUMENTS = "{\"city\":\"Boston\"}";
    private static final List<String> TOOL_ARGUMENT_FRAGMENTS = List.of("{\"city\":", "\"Bos", "ton\"}");
    private static final String CHAT = "/v1/chat/completions";
    private static final String EMBEDDINGS = "/v1/embeddings";

    /** What a successful chat answer contains. {@code toolName != null} means a tool call. */
    private record Answer(List<String> pieces, String toolName, String finishReason) {}

    /** Answers a test wrote for a model: its assistant message and finish reason. */
    private record Scripted(ObjectNode message, String finishReason) {}

    private final java.util.Map<String, java.util.Queue<Scripted>> scripts = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, float[]> vectors = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger requestIds = new AtomicInteger();
    private final FakeOpenAiResponses responses = new FakeOpenAiResponses(this);

    private FakeOpenAi() {
        super("fake-openai-", "FakeOpenAi");
    }

    public static FakeOpenAi start() {
        return serve(new FakeOpenAi());
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    // ---------------------------------------------------------------- dispatch

    /** The JSON "model" of chat/embeddings requests, else null. */
    @Override
    protected String modelOf(String method, String path, String body) {
        return "POST".equals(method) && (CHAT.equals(path) || EMBEDDINGS.equals(path) || FakeOpenAiResponses.PATH.equals(path))
                ? jsonModel(body) : null;
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        String method = rec.method();
        String path = rec.path();
        boolean chat = "POST".equals(method) && CHAT.equals(path);
        boolean embeddings = "POST".equals(method) && EMBEDDINGS.equals(path);
        boolean models = "GET".equals(method) && "/v1/models".equals(path);
        boolean responses = "POST".equals(method) && FakeOpenAiResponses.PATH.equals(path);
        JsonNode json = chat || embeddings || responses ? jsonObject(rec.body()) : null;
        String model = rec.model();

        if (!chat && !embeddings && !models && !responses) {
            markUnexpected(rec);
            sendError(ex, 404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
        } else if (models) {
            ObjectNode m = JSON.createObjectNode().put("id", "fake-model").put("object", "model")
                    .put("created", 1700000000L).put("owned_by", "fake");
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            list.putArray("data").add(m);
            sendJson(ex, 200, list);
        } else if (json == null) {
            sendError(ex, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null, null);
        } else if (model == null) {
            sendError(ex, 400, "you must provide a model parameter", "invalid_request_error", null, null);
        } else {
            boolean stream = (chat || responses) && json.path("stream").asBoolean(false);
            if (answerByFailureModel(ex, model, stream)) {
                return;
            }
            if (responses) {
                this.responses.answer(ex, json, model);
            } else if (chat) {
                chat(ex, json, model, stream);
            } else {
                embeddings(ex, json, model);
            }
        }
    }

    /** Handles the models that fail the same way on every endpoint. Returns true when answered. */
    private boolean answerByFailureModel(HttpExchange ex, String model, boolean stream) throws IOException {
        switch (model) {
            case "fake-500" -> serverError500(ex);
            case "fake-503" -> sendError(ex, 503, "The engine is currently overloaded, please try again later",
                    "server_error", null, null);
            case "fake-429" -> {
                ex.getResponseHeaders().set("retry-after", "1");
                ex.getResponseHeaders().set("x-ratelimit-reset-requests", "1s");
                sendError(ex, 429, "Rate limit reached for requests", "requests", null, "rate_limit_exceeded");
            }
            case "fake-400" -> sendError(ex, 400, "Invalid 'messages': bad request from fake",
                    "invalid_request_error", "messages", null);
            case "fake-context" -> sendError(ex, 400, "This model's maximum context length is 128000 tokens. "
                    + "However, your messages resulted in 130000 tokens.", "invalid_request_error", "messages",
                    "context_length_exceeded");
            case "fake-hang" -> hang();
            case "fake-garbage" -> sendText(ex, 200, "text/html", BAD_GATEWAY_HTML);
            case "fake-slow" -> {
                pause(SLOW_DELAY_MS);
                return false;
            }
            default -> {
                if ("fake-stream-error".equals(model) && !stream) {
                    serverError500(ex);
                } else if (model.startsWith("fake-cut") && !stream) {
                    cutShort(ex, "application/json", "{\"id\":\"chatcmpl-fake"); // 20 of the 500 bytes announced
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** The embedding of {@code input} from now on (instead of one derived from its hash): for tests of similarity. */
    public void embedding(String input, float... vector) {
        vectors.put(input, vector);
    }

    /**
     * The next chat request for {@code model} is answered with this assistant message (JSON, e.g.
     * {@code {"role":"assistant","content":"..."}}) and finish reason; several calls queue several answers.
     */
    public void script(String model, String messageJson, String finishReason) {
        try {
            scripts.computeIfAbsent(model, m -> new java.util.concurrent.ConcurrentLinkedQueue<>())
                    .add(new Scripted((ObjectNode) JSON.readTree(messageJson), finishReason));
        } catch (IOException e) {
            throw new IllegalArgumentException("not a JSON message: " + messageJson, e);
        }
    }

    // ---------------------------------------------------------------- chat completions

    private void chat(HttpExchange ex, JsonNode req, String model, boolean stream) throws IOException {
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray()) {
            sendError(ex, 400, "Missing required parameter: 'messages'.", "invalid_request_error", "messages",
                    "missing_required_parameter");
            return;
        }
        if (messages.isEmpty()) {
            sendError(ex, 400, "Invalid 'messages': empty array. Expected an array with minimum length 1, "
                    + "but got an empty array instead.", "invalid_request_error", "messages", "empty_array");
            return;
        }
        String id = "chatcmpl-fake-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        java.util.Queue<Scripted> script = scripts.get(model);
        Scripted scripted = script == null ? null : script.poll();
        if (scripted != null) {
            answerScripted(ex, new Sse(ex, id, created, model, req.path("stream_options").path("include_usage").asBoolean(false)),
                    id, created, model, stream, scripted);
            return;
        }
        if (stream) {
            boolean includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
            streamChat(ex, new Sse(ex, id, created, model, includeUsage), model, answerFor(req, model));
            return;
        }
        Answer answer = answerFor(req, model);
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (answer.toolName() != null) {
            message.putNull("content");
            message.putArray("tool_calls").add(toolCall(null, answer.toolName(), TOOL_ARGUMENTS));
        } else {
            message.put("content", String.join("", answer.pieces()));
        }
        message.putNull("refusal");
        message.putArray("annotations");
        ObjectNode choice = JSON.createObjectNode().put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", answer.finishReason());
        ObjectNode resp = JSON.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", created).put("model", model);
        resp.putArray("choices").add(choice);
        resp.set("usage", usage());
        resp.put("service_tier", "default").put("system_fingerprint", "fp_fake");
        sendJson(ex, 200, resp);
    }

    /** A scripted answer: whole, or streamed as one delta holding the whole message, then its finish. */
    private void answerScripted(HttpExchange ex, Sse sse, String id, long created, String model, boolean stream, Scripted scripted)
            throws IOException {
        if (stream) {
            startStream(ex, "text/event-stream; charset=utf-8");
            ObjectNode delta = scripted.message().deepCopy();
            int index = 0;
            for (JsonNode call : delta.path("tool_calls")) {
                ((ObjectNode) call).put("index", index++);
            }
            sse.delta(delta, null);
            sse.finish(scripted.finishReason());
            return;
        }
        ObjectNode choice = JSON.createObjectNode().put("index", 0);
        choice.set("message", scripted.message());
        choice.put("finish_reason", scripted.finishReason());
        ObjectNode resp = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        resp.putArray("choices").add(choice);
        resp.set("usage", usage());
        sendJson(ex, 200, resp);
    }

    private static Answer answerFor(JsonNode req, String model) {
        JsonNode messages = req.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String lastRole = last.path("role").asText("");
        JsonNode tools = req.path("tools");
        if ("fake-filter".equals(model)) {
            return new Answer(List.of(), null, "content_filter");
        }
        if (tools.isArray() && !tools.isEmpty() && "user".equals(lastRole)) {
            JsonNode first = tools.get(0);
            String name = first.path("function").path("name").asText(first.path("custom").path("name").asText("tool"));
            return new Answer(List.of(), name, "tool_calls");
        }
        if ("tool".equals(lastRole)) {
            return new Answer(List.of("Tool result received: ", text(last.path("content"))), null, "stop");
        }
        return new Answer(List.of("Hello", " from ", model), null, "stop");
    }

    /** String content, or the concatenated text of content parts. */
    private static String text(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            sb.append(part.path("text").asText(""));
        }
        return sb.toString();
    }

    private void streamChat(HttpExchange ex, Sse sse, String model, Answer answer) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        startStream(ex, "text/event-stream; charset=utf-8");
        if (answer.toolName() != null && !model.startsWith("fake-cut") && !"fake-stream-error".equals(model)) {
            streamToolCall(sse, answer.toolName(), answer.finishReason());
            return;
        }
        sse.delta(JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
        switch (model) {
            case "fake-cut", "fake-cut-clean" -> {
                sse.delta(JSON.createObjectNode().put("content", "Hel"), null);
                if ("fake-cut".equals(model)) {
                    // A real cut comes some time after the first content; dropping the socket at once can
                    // reset it before the client has read the bytes already sent.
                    pause(CUT_DELAY_MS);
                    throw new AbruptClose();
                }
            }
            case "fake-stream-error" -> {
                sse.delta(JSON.createObjectNode().put("content", "partial"), null);
                sse.data(errorBody("upstream exploded", "server_error", null, null).toString());
            }
            default -> {
                for (String piece : answer.pieces()) {
                    sse.delta(JSON.createObjectNode().put("content", piece), null);
                }
                sse.finish(answer.finishReason());
            }
        }
    }

    /** Where OpenAI-style chunks go; {@link FakeOpenAiDialects} writes them in its dialect's shape. */
    interface ChunkWriter {
        void delta(ObjectNode delta, String finishReason) throws IOException;

        /** The finishing chunk and whatever the stream sends after it. */
        void finish(String finishReason) throws IOException;
    }

    /** A tool call as OpenAI streams it: id and name first, then the arguments in fragments, then the finish. */
    static void streamToolCall(ChunkWriter sse, String name, String finishReason) throws IOException {
        ObjectNode first = JSON.createObjectNode().put("role", "assistant").putNull("content");
        first.putArray("tool_calls").add(toolCall(0, name, ""));
        sse.delta(first, null);
        for (String fragment : TOOL_ARGUMENT_FRAGMENTS) {
            ObjectNode call = JSON.createObjectNode().put("index", 0);
            call.putObject("function").put("arguments", fragment);
            ObjectNode delta = JSON.createObjectNode();
            delta.putArray("tool_calls").add(call);
            sse.delta(delta, null);
        }
        sse.finish(finishReason);
    }

    /** Writes {@code data: ...} events, flushing each one. */
    private static final class Sse implements ChunkWriter {
        private final OutputStream out;
        private final String id;
        private final long created;
        private final String model;
        private final boolean includeUsage;

        Sse(HttpExchange ex, String id, long created, String model, boolean includeUsage) {
            this.out = ex.getResponseBody();
            this.id = id;
            this.created = created;
            this.model = model;
            this.includeUsage = includeUsage;
        }

        private ObjectNode chunk() {
            return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", created).put("model", model).put("system_fingerprint", "fp_fake");
        }

        @Override
        public void delta(ObjectNode delta, String finishReason) throws IOException {
            ObjectNode choice = JSON.createObjectNode().put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            ObjectNode chunk = chunk();
            chunk.putArray("choices").add(choice);
            if (includeUsage) {
                chunk.putNull("usage");
            }
            data(chunk.toString());
        }

        /** Finish chunk, optional usage chunk, then [DONE]. */
        @Override
        public void finish(String finishReason) throws IOException {
            delta(JSON.createObjectNode(), finishReason);
            if (includeUsage) {
                ObjectNode chunk = chunk();
                chunk.putArray("choices");
                chunk.set("usage", usage());
                data(chunk.toString());
            }
            data("[DONE]");
        }

        void data(String payload) throws IOException {
            out.write(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** A tool call; {@code index} is only set on streaming deltas. */
    static ObjectNode toolCall(Integer index, String name, String arguments) {
        ObjectNode call = JSON.createObjectNode();
        if (index != null) {
            call.put("index", index);
        }
        call.put("id", TOOL_CALL_ID).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", arguments);
        return call;
    }

    private static ObjectNode usage() {
        return JSON.createObjectNode().put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
    }

    // ---------------------------------------------------------------- embeddings

    private void embeddings(HttpExchange ex, JsonNode req, String model) throws IOException {
        JsonNode input = req.get("input");
        List<String> items = new ArrayList<>();
        if (input != null && input.isTextual()) {
            items.add(input.asText());
        } else if (input != null && input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
            items.add(input.toString());                     // one token array = one input
        } else if (input != null && input.isArray()) {
            input.forEach(e -> items.add(e.isTextual() ? e.asText() : e.toString()));
        }
        if (items.isEmpty()) {
            sendError(ex, 400, "Missing required parameter: 'input'.", "invalid_request_error", "input",
                    "missing_required_parameter");
            return;
        }
        boolean base64 = "base64".equals(req.path("encoding_format").asText());
        ObjectNode resp = JSON.createObjectNode().put("object", "list");
        ArrayNode data = resp.putArray("data");
        for (int i = 0; i < items.size(); i++) {
            float[] vector = vectors.getOrDefault(items.get(i), vectorFor(items.get(i)));
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer buf = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : vector) {
                    buf.putFloat(f);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : vector) {
                    values.add(f);
                }
            }
        }
        resp.put("model", model);
        resp.putObject("usage").put("prompt_tokens", 5).put("total_tokens", 5);
        sendJson(ex, 200, resp);
    }

    // ---------------------------------------------------------------- failure helpers

    private void serverError500(HttpExchange ex) throws IOException {
        sendError(ex, 500, "The server had an error while processing your request.", "server_error", null, null);
    }

    // ---------------------------------------------------------------- low-level

    private static ObjectNode errorBody(String message, String type, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", message).put("type", type).put("param", param).put("code", code);
        return root;
    }

    private void sendError(HttpExchange ex, int status, String message, String type, String param, String code)
            throws IOException {
        sendJson(ex, status, errorBody(message, type, param, code));
    }

    @Override
    protected void commonHeaders(HttpExchange ex) {
        ex.getResponseHeaders().set("x-request-id", "req_fake_" + requestIds.incrementAndGet());
        ex.getResponseHeaders().set("openai-version", "2020-10-01");
        ex.getResponseHeaders().set("openai-processing-ms", "1");
    }
}

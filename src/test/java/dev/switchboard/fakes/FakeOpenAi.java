package dev.switchboard.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake of the OpenAI HTTP API (chat completions, embeddings, models) on 127.0.0.1, built on the JDK
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
 * </ul>
 * Every request is recorded (header names lower-cased) before it is answered.
 */
public final class FakeOpenAi implements AutoCloseable {

    /** One received request. {@code model} is the JSON "model" of chat/embeddings requests, else null. */
    public record Recorded(String method, String path, Map<String, List<String>> headers, String body, String model) {
        /** First value of a header (name matched case-insensitively), or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The body parsed as JSON (throws if it is not JSON). */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static final String TOOL_CALL_ID = "call_fake_1";
    public static final String TOOL_ARGUMENTS = "{\"city\":\"Boston\"}";
    private static final List<String> TOOL_ARGUMENT_FRAGMENTS = List.of("{\"city\":", "\"Bos", "ton\"}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HANG_LIMIT_SECONDS = 120;
    private static final long SLOW_DELAY_MS = 300;

    /** Thrown from the handler so that HttpServer drops the connection without finishing the body. */
    private static final class AbruptClose extends IOException {
        AbruptClose() {
            super("fake-cut: connection dropped on purpose");
        }
    }

    /** What a successful chat answer contains. {@code toolName != null} means a tool call. */
    private record Answer(List<String> pieces, String toolName, String finishReason) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<Recorded> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger requestIds = new AtomicInteger();

    private FakeOpenAi(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static FakeOpenAi start() {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-openai-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            FakeOpenAi fake = new FakeOpenAi(server, executor);
            server.createContext("/", fake::handle);
            server.setExecutor(executor);
            server.start();
            return fake;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start FakeOpenAi", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public List<Recorded> requestsFor(String model) {
        return requests.stream().filter(r -> r.model() != null && r.model().equals(model)).toList();
    }

    public int countFor(String model) {
        return requestsFor(model).size();
    }

    /** Requests to unknown paths/methods (answered 404). Tests should assert this is empty. */
    public List<Recorded> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Clears recorded requests (and unexpected ones). */
    public void reset() {
        requests.clear();
        unexpected.clear();
    }

    @Override
    public void close() {
        closing.countDown();          // release fake-hang handlers first
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange ex) throws IOException {
        boolean abrupt = false;
        try {
            dispatch(ex);
        } catch (AbruptClose e) {
            abrupt = true;
            throw e;                  // HttpServer closes the socket; the response stays unfinished
        } catch (IOException e) {
            // the client went away; nothing left to answer
        } finally {
            if (!abrupt) {
                ex.close();
            }
        }
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        boolean chat = "POST".equals(method) && "/v1/chat/completions".equals(path);
        boolean embeddings = "POST".equals(method) && "/v1/embeddings".equals(path);
        boolean models = "GET".equals(method) && "/v1/models".equals(path);

        JsonNode json = null;
        if (chat || embeddings) {
            try {
                json = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                json = null;
            }
        }
        boolean validJson = json != null && json.isObject();
        String model = validJson && json.path("model").isTextual() ? json.get("model").asText() : null;
        Recorded rec = new Recorded(method, path, lowerCased(ex.getRequestHeaders()), body, model);
        requests.add(rec);

        if (!chat && !embeddings && !models) {
            unexpected.add(rec);
            sendError(ex, 404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
        } else if (models) {
            ObjectNode m = JSON.createObjectNode().put("id", "fake-model").put("object", "model")
                    .put("created", 1700000000L).put("owned_by", "fake");
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            list.putArray("data").add(m);
            sendJson(ex, 200, list);
        } else if (!validJson) {
            sendError(ex, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null, null);
        } else if (model == null) {
            sendError(ex, 400, "you must provide a model parameter", "invalid_request_error", null, null);
        } else {
            boolean stream = chat && json.path("stream").asBoolean(false);
            if (answerByFailureModel(ex, model, stream)) {
                return;
            }
            if (chat) {
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
            case "fake-garbage" -> send(ex, 200, "text/html",
                    "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8));
            case "fake-slow" -> {
                pause(SLOW_DELAY_MS);
                return false;
            }
            default -> {
                if ("fake-stream-error".equals(model) && !stream) {
                    serverError500(ex);
                } else if (model.startsWith("fake-cut") && !stream) {
                    cutNonStream(ex);
                } else {
                    return false;
                }
            }
        }
        return true;
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
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        commonHeaders(ex);
        ex.sendResponseHeaders(200, 0);
        if (answer.toolName() != null && !model.startsWith("fake-cut") && !"fake-stream-error".equals(model)) {
            ObjectNode first = JSON.createObjectNode().put("role", "assistant").putNull("content");
            first.putArray("tool_calls").add(toolCall(0, answer.toolName(), ""));
            sse.delta(first, null);
            for (String fragment : TOOL_ARGUMENT_FRAGMENTS) {
                ObjectNode call = JSON.createObjectNode().put("index", 0);
                call.putObject("function").put("arguments", fragment);
                ObjectNode delta = JSON.createObjectNode();
                delta.putArray("tool_calls").add(call);
                sse.delta(delta, null);
            }
            sse.finish(answer.finishReason());
            return;
        }
        sse.delta(JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
        switch (model) {
            case "fake-cut", "fake-cut-clean" -> {
                sse.delta(JSON.createObjectNode().put("content", "Hel"), null);
                if ("fake-cut".equals(model)) {
                    // A real cut comes some time after the first content; dropping the socket at once can
                    // reset it before the client has read the bytes already sent.
                    pause(200);
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

    /** Writes {@code data: ...} events, flushing each one. */
    private static final class Sse {
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

        void delta(ObjectNode delta, String finishReason) throws IOException {
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
        void finish(String finishReason) throws IOException {
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
    private static ObjectNode toolCall(Integer index, String name, String arguments) {
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
            float[] vector = vectorFor(items.get(i));
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

    /** 8 floats in [-1, 1) derived from the SHA-256 of the input: same input, same vector. */
    public static float[] vectorFor(String input) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            float[] vector = new float[8];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = ((hash[i] & 0xff) - 128) / 128f;
            }
            return vector;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- failure helpers

    private void serverError500(HttpExchange ex) throws IOException {
        sendError(ex, 500, "The server had an error while processing your request.", "server_error", null, null);
    }

    private void hang() {
        try {
            closing.await(HANG_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // then return without answering: closing the exchange drops the connection
    }

    /** Announces 500 bytes, sends 20, then drops the connection. */
    private void cutNonStream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        commonHeaders(ex);
        ex.sendResponseHeaders(200, 500);
        OutputStream out = ex.getResponseBody();
        out.write("{\"id\":\"chatcmpl-fake".getBytes(StandardCharsets.UTF_8)); // 20 bytes
        out.flush();
        throw new AbruptClose();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);     // deliberate provider delays (fake-slow, fake-cut)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    private void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    private void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        commonHeaders(ex);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private void commonHeaders(HttpExchange ex) {
        ex.getResponseHeaders().set("x-request-id", "req_fake_" + requestIds.incrementAndGet());
        ex.getResponseHeaders().set("openai-version", "2020-10-01");
        ex.getResponseHeaders().set("openai-processing-ms", "1");
    }

    private static Map<String, List<String>> lowerCased(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        headers.forEach((name, values) -> out.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .addAll(values));
        out.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(out);
    }
}

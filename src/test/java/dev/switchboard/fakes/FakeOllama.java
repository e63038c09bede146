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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
 * A fake of Ollama's native HTTP API ({@code /api/chat}, {@code /api/embed}, {@code /api/tags}, {@code GET /})
 * on 127.0.0.1, built on the JDK {@link HttpServer} (shared/providers/ollama.md). Like Ollama, it streams unless
 * the body says {@code "stream": false}, as NDJSON ({@code application/x-ndjson}): one JSON object per line, the
 * last with {@code done:true}, {@code done_reason} and the counts ({@code prompt_eval_count} 11,
 * {@code eval_count} 7). Errors are {@code {"error":"<text>"}}. Behaviour is chosen by the body's {@code model}:
 * <ul>
 *   <li>any other model: "Hello from &lt;model&gt;" in 3 pieces; a tool call (arguments as an object,
 *       {@code {"city":"Boston"}}) when {@code tools} is set and the last message is from the user;
 *       "Tool result received: ..." when the last message has role {@code tool}</li>
 *   <li>{@code fake-500} (runner crashed), {@code fake-busy} (503 full queue), {@code fake-missing} (404 not
 *       pulled), {@code fake-context} (400 over the window), {@code fake-400} (400 "does not support tools"),
 *       {@code fake-429} (ollama.com rate limit): error bodies</li>
 *   <li>{@code fake-hang}: never answers until {@link #close()} (or 120 s); {@code fake-slow}: success after 300 ms</li>
 *   <li>{@code fake-garbage}: 200 with an HTML body</li>
 *   <li>{@code fake-cut}: one content line, a pause, then the connection is dropped (no {@code done:true})</li>
 *   <li>{@code fake-stream-error}: one content line, then {@code {"error":"an error was encountered while running
 *       the model"}} and the end of the body (non-stream: a 500 with that text)</li>
 * </ul>
 * Every request is recorded (header names lower-cased) before it is answered; unknown paths are answered 404
 * and listed in {@link #unexpected()}.
 */
public final class FakeOllama implements AutoCloseable {

    /** One received request. {@code model} is the JSON "model" of chat/embed requests, else null. */
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

    public static final int PROMPT_EVAL_COUNT = 11;
    public static final int EVAL_COUNT = 7;
    public static final int EMBED_PROMPT_EVAL_COUNT = 5;
    public static final String STREAM_ERROR = "an error was encountered while running the model";
    public static final String BUSY = "server busy, please try again.  maximum pending requests exceeded";
    public static final String CONTEXT = "the input length exceeds the context length";
    public static final List<String> MODELS = List.of("llama3.2:latest", "all-minilm:latest");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HANG_LIMIT_SECONDS = 120;
    private static final long SLOW_DELAY_MS = 300;
    /** A real cut comes some time after the first bytes; dropping at once can reset them before they are read. */
    private static final long CUT_DELAY_MS = 200;

    /** Thrown from the handler so that HttpServer drops the connection without finishing the body. */
    private static final class AbruptClose extends IOException {
        AbruptClose() {
            super("fake-cut: connection dropped on purpose");
        }
    }

    /** What a successful chat answer contains. {@code toolName != null} means a tool call. */
    private record Answer(List<String> pieces, String toolName) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<Recorded> unexpected = new CopyOnWriteArrayList<>();

    private FakeOllama(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static FakeOllama start() {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-ollama-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            FakeOllama fake = new FakeOllama(server, executor);
            server.createContext("/", fake::handle);
            server.setExecutor(executor);
            server.start();
            return fake;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start FakeOllama", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Ollama's base: no {@code /v1}, the native paths start at {@code /api}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
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
        boolean chat = "POST".equals(method) && "/api/chat".equals(path);
        boolean embed = "POST".equals(method) && "/api/embed".equals(path);
        boolean tags = "GET".equals(method) && "/api/tags".equals(path);
        boolean root = "GET".equals(method) && "/".equals(path);

        JsonNode json = null;
        if (chat || embed) {
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

        if (root) {
            send(ex, 200, "text/plain; charset=utf-8", "Ollama is running".getBytes(StandardCharsets.UTF_8));
        } else if (tags) {
            tags(ex);
        } else if (!chat && !embed) {
            unexpected.add(rec);
            // Ollama's router answers unknown routes in plain text, not JSON
            send(ex, 404, "text/plain", "404 page not found".getBytes(StandardCharsets.UTF_8));
        } else if (!validJson) {
            sendError(ex, 400, "invalid character 'x' looking for beginning of value");
        } else if (model == null || model.isBlank()) {
            sendError(ex, 400, "model is required");
        } else {
            // Ollama's quirk: a request without "stream" is streamed.
            boolean stream = chat && json.path("stream").asBoolean(true);
            if (answerByFailureModel(ex, model, stream)) {
                return;
            }
            if (chat) {
                chat(ex, json, model, stream);
            } else {
                embed(ex, json, model);
            }
        }
    }

    /** Handles the models that fail the same way on every endpoint. Returns true when answered. */
    private boolean answerByFailureModel(HttpExchange ex, String model, boolean stream) throws IOException {
        switch (model) {
            case "fake-500" -> sendError(ex, 500, "llama runner process has terminated: exit status 2");
            case "fake-busy" -> sendError(ex, 503, BUSY);
            case "fake-missing" -> sendError(ex, 404, "model \"" + model + "\" not found, try pulling it first");
            case "fake-context" -> sendError(ex, 400, CONTEXT);
            case "fake-400" -> sendError(ex, 400, "\"" + model + "\" does not support tools");
            case "fake-429" -> sendError(ex, 429, "too many requests");
            case "fake-hang" -> hang();
            case "fake-garbage" -> send(ex, 200, "text/html",
                    "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8));
            case "fake-slow" -> {
                pause(SLOW_DELAY_MS);
                return false;
            }
            default -> {
                if ("fake-stream-error".equals(model) && !stream) {
                    sendError(ex, 500, STREAM_ERROR);
                } else if ("fake-cut".equals(model) && !stream) {
                    cutNonStream(ex);
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- chat

    private void chat(HttpExchange ex, JsonNode req, String model, boolean stream) throws IOException {
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            // Ollama answers an empty chat as a model load (done_reason "load"); the fake wants a turn
            sendError(ex, 400, "messages are required");
            return;
        }
        Answer answer = answerFor(req, model);
        if (stream) {
            streamChat(ex, model, answer);
            return;
        }
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (answer.toolName() != null) {
            message.put("content", "");
            message.putArray("tool_calls").add(toolCall(answer.toolName()));
        } else {
            message.put("content", String.join("", answer.pieces()));
        }
        sendJson(ex, 200, done(line(model, message), "stop"));
    }

    private static Answer answerFor(JsonNode req, String model) {
        JsonNode messages = req.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        String lastRole = last.path("role").asText("");
        JsonNode tools = req.path("tools");
        if (tools.isArray() && !tools.isEmpty() && "user".equals(lastRole)) {
            return new Answer(List.of(), tools.get(0).path("function").path("name").asText("tool"));
        }
        if ("tool".equals(lastRole)) {
            return new Answer(List.of("Tool result received: ", last.path("content").asText("")), null);
        }
        return new Answer(List.of("Hello", " from ", model), null);
    }

    private void streamChat(HttpExchange ex, String model, Answer answer) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        switch (model) {
            case "fake-cut" -> {
                writeLine(out, line(model, content("Hel")));
                pause(CUT_DELAY_MS);
                throw new AbruptClose();
            }
            case "fake-stream-error" -> {
                writeLine(out, line(model, content("partial")));
                writeLine(out, JSON.createObjectNode().put("error", STREAM_ERROR));
            }
            default -> {
                if (answer.toolName() != null) {
                    // tool calls arrive whole, in one done:false line
                    ObjectNode message = content("");
                    message.putArray("tool_calls").add(toolCall(answer.toolName()));
                    writeLine(out, line(model, message));
                } else {
                    for (String piece : answer.pieces()) {
                        writeLine(out, line(model, content(piece)));
                    }
                }
                writeLine(out, done(line(model, content("")), "stop"));
            }
        }
    }

    private static ObjectNode content(String text) {
        return JSON.createObjectNode().put("role", "assistant").put("content", text);
    }

    /** One answer object as Ollama writes it, before it is done. */
    private static ObjectNode line(String model, ObjectNode message) {
        ObjectNode line = JSON.createObjectNode().put("model", model).put("created_at", Instant.now().toString());
        line.set("message", message);
        line.put("done", false);
        return line;
    }

    /** Marks the (last) object done, with the reason, the counts and the durations in nanoseconds. */
    private static ObjectNode done(ObjectNode line, String doneReason) {
        return line.put("done", true).put("done_reason", doneReason)
                .put("total_duration", 4_883_583_458L).put("load_duration", 1_334_875L)
                .put("prompt_eval_count", PROMPT_EVAL_COUNT).put("prompt_eval_duration", 342_546_000L)
                .put("eval_count", EVAL_COUNT).put("eval_duration", 4_535_599_000L);
    }

    /** Arguments as an object, not a JSON string: Ollama's difference from OpenAI. */
    private static ObjectNode toolCall(String name) {
        ObjectNode call = JSON.createObjectNode();
        call.putObject("function").put("name", name).putObject("arguments").put("city", "Boston");
        return call;
    }

    private static void writeLine(OutputStream out, JsonNode line) throws IOException {
        out.write((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ---------------------------------------------------------------- embeddings and models

    private void embed(HttpExchange ex, JsonNode req, String model) throws IOException {
        JsonNode input = req.get("input");
        List<String> items = new ArrayList<>();
        if (input != null && input.isTextual()) {
            items.add(input.asText());
        } else if (input != null && input.isArray()) {
            input.forEach(e -> items.add(e.asText()));
        }
        if (items.isEmpty()) {
            sendError(ex, 400, "invalid input type");
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("model", model);
        ArrayNode embeddings = resp.putArray("embeddings");
        for (String item : items) {
            ArrayNode values = embeddings.addArray();
            for (float f : FakeOpenAi.vectorFor(item)) {
                values.add(f);
            }
        }
        resp.put("total_duration", 14_143_917L).put("load_duration", 1_019_500L)
                .put("prompt_eval_count", EMBED_PROMPT_EVAL_COUNT);
        sendJson(ex, 200, resp);
    }

    private void tags(HttpExchange ex) throws IOException {
        ObjectNode resp = JSON.createObjectNode();
        ArrayNode models = resp.putArray("models");
        for (String name : MODELS) {
            ObjectNode m = models.addObject().put("name", name).put("model", name)
                    .put("modified_at", "2025-05-04T17:37:44.706015396-07:00").put("size", 2_019_393_189L)
                    .put("digest", "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72");
            m.putObject("details").put("format", "gguf").put("family", "llama").put("parameter_size", "3.2B")
                    .put("quantization_level", "Q4_K_M");
        }
        sendJson(ex, 200, resp);
    }

    // ---------------------------------------------------------------- failure helpers

    private void hang() {
        try {
            closing.await(HANG_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // then return without answering: closing the exchange drops the connection
    }

    /** Announces 500 bytes, sends a few, then drops the connection. */
    private void cutNonStream(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, 500);
        OutputStream out = ex.getResponseBody();
        out.write("{\"model\":\"fake-cut\",\"crea".getBytes(StandardCharsets.UTF_8));
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

    /** Ollama's error body: a plain string under "error", not OpenAI's object. */
    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        sendJson(ex, status, JSON.createObjectNode().put("error", message));
    }

    private void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static Map<String, List<String>> lowerCased(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        headers.forEach((name, values) -> out.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .addAll(values));
        out.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(out);
    }
}

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
import java.util.ArrayList;
import java.util.List;

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
public final class FakeOllama extends FakeServer {

    public static final int PROMPT_EVAL_COUNT = 11;
    public static final int EVAL_COUNT = 7;
    public static final int EMBED_PROMPT_EVAL_COUNT = 5;
    public static final String STREAM_ERROR = "an error was encountered while running the model";
    public static final String BUSY = "server busy, please try again.  maximum pending requests exceeded";
    public static final String CONTEXT = "the input length exceeds the context length";
    public static final List<String> MODELS = List.of("llama3.2:latest", "all-minilm:latest");
    private static final String CHAT = "/api/chat";
    private static final String EMBED = "/api/embed";

    /** What a successful chat answer contains. {@code toolName != null} means a tool call. */
    private record Answer(List<String> pieces, String toolName) {}

    private FakeOllama() {
        super("fake-ollama-", "FakeOllama");
    }

    public static FakeOllama start() {
        return serve(new FakeOllama());
    }

    /** Ollama's base: no {@code /v1}, the native paths start at {@code /api}. */
    @Override
    public String baseUrl() {
        return origin();
    }

    // ---------------------------------------------------------------- dispatch

    /** The JSON "model" of chat/embed requests, else null. */
    @Override
    protected String modelOf(String method, String path, String body) {
        return "POST".equals(method) && (CHAT.equals(path) || EMBED.equals(path)) ? jsonModel(body) : null;
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        String method = rec.method();
        String path = rec.path();
        boolean chat = "POST".equals(method) && CHAT.equals(path);
        boolean embed = "POST".equals(method) && EMBED.equals(path);
        boolean tags = "GET".equals(method) && "/api/tags".equals(path);
        boolean root = "GET".equals(method) && "/".equals(path);
        JsonNode json = chat || embed ? jsonObject(rec.body()) : null;
        String model = rec.model();

        if (root) {
            sendText(ex, 200, "text/plain; charset=utf-8", "Ollama is running");
        } else if (tags) {
            tags(ex);
        } else if (!chat && !embed) {
            markUnexpected(rec);
            // Ollama's router answers unknown routes in plain text, not JSON
            sendText(ex, 404, "text/plain", "404 page not found");
        } else if (json == null) {
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
            case "fake-garbage" -> sendText(ex, 200, "text/html", BAD_GATEWAY_HTML);
            case "fake-slow" -> {
                pause(SLOW_DELAY_MS);
                return false;
            }
            default -> {
                if ("fake-stream-error".equals(model) && !stream) {
                    sendError(ex, 500, STREAM_ERROR);
                } else if ("fake-cut".equals(model) && !stream) {
                    cutShort(ex, "application/json; charset=utf-8", "{\"model\":\"fake-cut\",\"crea");
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
        startStream(ex, "application/x-ndjson");
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
            for (float f : vectorFor(item)) {
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

    // ---------------------------------------------------------------- low-level

    /** Ollama's error body: a plain string under "error", not OpenAI's object. */
    private void sendError(HttpExchange ex, int status, String message) throws IOException {
        sendJson(ex, status, JSON.createObjectNode().put("error", message));
    }

    @Override
    protected void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }
}

package dev.switchboard.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.providers.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The built-in provider: an OpenAI-compatible HTTP endpoint on a loopback port that answers every model, so
 * the gateway is usable with no key. Called over real HTTP like any provider. It can be slow, fail, rate
 * limit, hang or cut streams on purpose ({@link Simulation}). Non-blocking: timers, never sleeps.
 */
public final class Simulator implements AutoCloseable {
    /**
     * Request header forcing one behaviour on this call ({@link Forced}): how a chain simulation scripts each step.
     * Only the gateway reaches the simulator (loopback, its own port), and it never forwards callers' headers.
     */
    public static final String FORCE_HEADER = "x-switchboard-simulate";
    /** A simulated hang answers nothing for this long, then drops the connection. */
    private static final long HANG_MILLIS = 120_000;
    private static final long CHUNK_GAP_MILLIS = 5;

    private final Vertx vertx;
    private final Simulation simulation;
    private final AtomicLong ids = new AtomicLong();
    private HttpServer server;

    public Simulator(Vertx vertx, Simulation simulation) {
        this.vertx = vertx;
        this.simulation = simulation;
    }

    public Simulator start() {
        try {
            server = vertx.createHttpServer().requestHandler(this::handle)
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the simulator: " + e.getMessage(), e);
        }
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(body -> {
            String path = req.path();
            if (req.method().name().equals("GET") && path.equals("/v1/models")) {
                json(req.response(), 200, models());
                return;
            }
            JsonNode json = Json.parseOrNull(body.getBytes());
            if (json == null || !json.isObject()) {
                json(req.response(), 400, ErrorBodies.openAi("We could not parse the JSON body of your request.", "invalid_request_error", null, null));
                return;
            }
            Runnable answer = switch (path) {
                case "/v1/chat/completions" -> () -> chat(req.response(), (ObjectNode) json);
                case "/v1/embeddings" -> () -> json(req.response(), 200, embeddings((ObjectNode) json));
                default -> () -> json(req.response(), 404, ErrorBodies.openAi("Unknown path " + path, "invalid_request_error", null, "not_found"));
            };
            Forced forced = Forced.parse(req.getHeader(FORCE_HEADER));
            if (forced != null) {
                force(req.response(), forced, (ObjectNode) json, answer);
            } else {
                misbehaveOr(req.response(), json.path("stream").asBoolean(false), answer);
            }
        });
    }

    /** What a scripted call does, whatever the configured {@link Simulation} rates. */
    public enum Forced {
        OK, RATE_LIMIT, SERVER_ERROR, HANG, CUT, CONTENT_FILTER;

        /** The header's spelling (the enum's name in lower case), or null for none or an unknown one. */
        static Forced parse(String header) {
            if (header == null) {
                return null;
            }
            for (Forced f : values()) {
                if (f.label().equals(header)) {
                    return f;
                }
            }
            return null;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private void force(HttpServerResponse response, Forced forced, ObjectNode request, Runnable answer) {
        switch (forced) {
            case OK -> answer.run();
            case HANG -> vertx.setTimer(HANG_MILLIS, t -> response.reset());
            case RATE_LIMIT -> {
                response.putHeader("retry-after", "1");
                json(response, 429, ErrorBodies.openAi("Simulated rate limit", "requests", null, "rate_limit_exceeded"));
            }
            case SERVER_ERROR -> json(response, 500, ErrorBodies.openAi("Simulated server error", "server_error", null, null));
            case CONTENT_FILTER -> json(response, 400, ErrorBodies.openAi("Simulated content filter: the prompt was flagged",
                    "invalid_request_error", null, "content_filter"));
            // Cut after the role chunk, before the first word: the failure a chain can still fall back from.
            case CUT -> chat(response, request, 1);
        }
    }

    private void misbehaveOr(HttpServerResponse response, boolean stream, Runnable answer) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        if (r.nextDouble() < simulation.hangRate()) {
            vertx.setTimer(HANG_MILLIS, t -> response.reset());
            return;
        }
        if (r.nextDouble() < simulation.rateLimitRate()) {
            response.putHeader("retry-after", "1");
            json(response, 429, ErrorBodies.openAi("Simulated rate limit", "requests", null, "rate_limit_exceeded"));
            return;
        }
        if (r.nextDouble() < simulation.errorRate()) {
            json(response, 500, ErrorBodies.openAi("Simulated server error", "server_error", null, null));
            return;
        }
        if (simulation.latencyMs() > 0) {
            vertx.setTimer(simulation.latencyMs(), t -> answer.run());
        } else {
            answer.run();
        }
    }

    private void chat(HttpServerResponse response, ObjectNode request) {
        chat(response, request, -1);
    }

    /** Answers a chat request; a stream is cut at event {@code forcedCut} (-1: as the simulation's cut rate says). */
    private void chat(HttpServerResponse response, ObjectNode request, int forcedCut) {
        String model = request.path("model").asText("simulated");
        String text = "Simulated answer from " + model + " to: " + lastUserText(request);
        int promptTokens = Math.max(1, request.path("messages").toString().length() / 4);
        String[] words = text.split(" ");
        int completionTokens = words.length;
        String id = "chatcmpl-sim-" + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (!request.path("stream").asBoolean(false)) {
            ObjectNode body = JsonNodeFactory.instance.objectNode();
            body.put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            if (wantsToolCall(request)) {
                message.putNull("content");
                message.set("tool_calls", toolCall(request));
                choice.put("finish_reason", "tool_calls");
            } else {
                message.put("content", text);
                choice.put("finish_reason", "stop");
            }
            choice.putNull("logprobs");
            body.set("usage", usage(promptTokens, completionTokens));
            json(response, 200, body);
            return;
        }
        response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
        boolean cut = forcedCut < 0 && ThreadLocalRandom.current().nextDouble() < simulation.cutRate();
        List<ObjectNode> events = new java.util.ArrayList<>();
        events.add(chunk(id, created, model, JsonNodeFactory.instance.objectNode().put("role", "assistant").put("content", ""), null));
        if (wantsToolCall(request)) {
            ObjectNode delta = JsonNodeFactory.instance.objectNode();
            delta.set("tool_calls", toolCall(request));
            ((ObjectNode) delta.get("tool_calls").get(0)).put("index", 0);
            events.add(chunk(id, created, model, delta, null));
            events.add(chunk(id, created, model, JsonNodeFactory.instance.objectNode(), "tool_calls"));
        } else {
            for (int i = 0; i < words.length; i++) {
                events.add(chunk(id, created, model, JsonNodeFactory.instance.objectNode().put("content", (i == 0 ? "" : " ") + words[i]), null));
            }
            events.add(chunk(id, created, model, JsonNodeFactory.instance.objectNode(), "stop"));
        }
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode usageChunk = JsonNodeFactory.instance.objectNode();
            usageChunk.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage(promptTokens, completionTokens));
            events.add(usageChunk);
        }
        sendEvents(response, events, 0, forcedCut >= 0 ? forcedCut : cut ? Math.min(2, events.size()) : -1);
    }

    private void sendEvents(HttpServerResponse response, List<ObjectNode> events, int index, int cutAt) {
        if (response.closed()) {
            return;
        }
        if (index == cutAt) {
            response.reset(); // a connection dropped mid-answer, no [DONE]
            return;
        }
        if (index == events.size()) {
            response.end("data: [DONE]\n\n");
            return;
        }
        response.write("data: " + events.get(index) + "\n\n");
        vertx.setTimer(CHUNK_GAP_MILLIS, t -> sendEvents(response, events, index + 1, cutAt));
    }

    private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finish) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    private static boolean wantsToolCall(ObjectNode request) {
        JsonNode messages = request.path("messages");
        return request.path("tools").size() > 0 && messages.size() > 0
                && messages.get(messages.size() - 1).path("role").asText().equals("user");
    }

    private static ArrayNode toolCall(ObjectNode request) {
        JsonNode tool = request.path("tools").get(0).path("function");
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        tool.path("parameters").path("required").forEach(p -> args.put(p.asText(), "example"));
        ArrayNode calls = JsonNodeFactory.instance.arrayNode();
        ObjectNode call = calls.addObject();
        call.put("id", "call_sim_1").put("type", "function");
        call.putObject("function").put("name", tool.path("name").asText("tool")).put("arguments", args.toString());
        return calls;
    }

    private static String lastUserText(ObjectNode request) {
        JsonNode messages = request.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (m.path("role").asText().equals("tool")) {
                return "tool result " + m.path("content").asText();
            }
            if (m.path("role").asText().equals("user")) {
                String text = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
                return text.length() > 60 ? text.substring(0, 60) + "..." : text;
            }
        }
        return "";
    }

    private static ObjectNode usage(int prompt, int completion) {
        return JsonNodeFactory.instance.objectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static ObjectNode embeddings(ObjectNode request) {
        JsonNode input = request.path("input");
        List<String> items = new java.util.ArrayList<>();
        if (input.isArray()) {
            input.forEach(i -> items.add(i.asText()));
        } else {
            items.add(input.asText());
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = body.putArray("data");
        int tokens = 0;
        // OpenAI's SDKs ask for base64 (little-endian float32) unless the caller chose floats.
        boolean base64 = request.path("encoding_format").asText("float").equals("base64");
        for (int i = 0; i < items.size(); i++) {
            ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
            int h = items.get(i).hashCode();
            float[] vector = new float[8];
            for (int d = 0; d < vector.length; d++) {
                vector[d] = ((h >>> (d * 4)) & 0xF) / 15f - 0.5f;
            }
            if (base64) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(vector.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float f : vector) {
                    bytes.putFloat(f);
                }
                e.put("embedding", java.util.Base64.getEncoder().encodeToString(bytes.array()));
            } else {
                ArrayNode array = e.putArray("embedding");
                for (float f : vector) {
                    array.add(f);
                }
            }
            tokens += Math.max(1, items.get(i).length() / 4);
        }
        body.put("model", request.path("model").asText("simulated"));
        body.set("usage", JsonNodeFactory.instance.objectNode().put("prompt_tokens", tokens).put("total_tokens", tokens));
        return body;
    }

    private static ObjectNode models() {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list");
        body.putArray("data").addObject().put("id", "simulated").put("object", "model").put("created", 0).put("owned_by", "switchboard");
        return body;
    }

    private static void json(HttpServerResponse response, int status, JsonNode body) {
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(Json.bytes(body)));
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}

package dev.switchboard.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link FakeOpenAi}'s Responses API ({@code POST /v1/responses}): a Response object, or with {@code stream} its
 * event sequence as OpenAI sends it (created, in_progress, the output item with its part and deltas, the
 * {@code .done} events, completed with the usage). The answer follows the chat fake's: a function call when
 * {@code tools} are given and the last input is the user's, "Tool result received: ..." after a
 * {@code function_call_output}, else "Hello from &lt;model&gt;". Usage: 11 input tokens (3 cached), 7 output
 * tokens (2 reasoning).
 */
final class FakeOpenAiResponses {
    static final String PATH = "/v1/responses";
    private static final List<String> ARGUMENT_FRAGMENTS = List.of("{\"city\":", "\"Bos", "ton\"}");

    private final FakeOpenAi server;
    private final AtomicInteger ids = new AtomicInteger();

    FakeOpenAiResponses(FakeOpenAi server) {
        this.server = server;
    }

    void answer(HttpExchange ex, JsonNode req, String model) throws IOException {
        JsonNode input = req.get("input");
        if (input == null || !(input.isTextual() || input.isArray() && !input.isEmpty())) {
            server.sendJson(ex, 400, FakeServer.JSON.createObjectNode().set("error", FakeServer.JSON.createObjectNode()
                    .put("message", "Missing required parameter: 'input'.").put("type", "invalid_request_error").put("param", "input")));
            return;
        }
        int n = ids.incrementAndGet();
        String id = "resp_fake_" + n;
        JsonNode last = input.isArray() ? input.get(input.size() - 1) : null;
        boolean toolTurn = req.path("tools").isArray() && !req.path("tools").isEmpty() && (last == null || "user".equals(last.path("role").asText()));
        String name = toolTurn ? req.path("tools").get(0).path("name").asText("tool") : null;
        String text = last != null && "function_call_output".equals(last.path("type").asText())
                ? "Tool result received: " + last.path("output").asText() : "Hello from " + model;
        ObjectNode item = name != null
                ? FakeServer.JSON.createObjectNode().put("id", "fc_fake_" + n).put("type", "function_call").put("status", "completed")
                        .put("arguments", FakeOpenAi.TOOL_ARGUMENTS).put("call_id", FakeOpenAi.TOOL_CALL_ID).put("name", name)
                : message("msg_fake_" + n, text, "completed");
        ObjectNode done = response(id, model, req, "completed");
        ((ArrayNode) done.get("output")).add(item);
        done.set("usage", usage());
        if (!req.path("stream").asBoolean(false)) {
            server.sendJson(ex, 200, done);
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        server.startStream(ex, "text/event-stream; charset=utf-8");
        Events events = new Events(ex.getResponseBody());
        ObjectNode started = response(id, model, req, "in_progress");
        events.send(FakeServer.JSON.createObjectNode().put("type", "response.created").set("response", started));
        events.send(FakeServer.JSON.createObjectNode().put("type", "response.in_progress").set("response", started));
        if (name != null) {
            ObjectNode open = item.deepCopy().put("status", "in_progress").put("arguments", "");
            events.send(event("response.output_item.added").put("output_index", 0).set("item", open));
            for (String fragment : ARGUMENT_FRAGMENTS) {
                events.send(event("response.function_call_arguments.delta").put("item_id", item.path("id").asText())
                        .put("output_index", 0).put("delta", fragment));
            }
            events.send(event("response.function_call_arguments.done").put("item_id", item.path("id").asText())
                    .put("output_index", 0).put("arguments", FakeOpenAi.TOOL_ARGUMENTS));
        } else {
            String itemId = item.path("id").asText();
            ObjectNode open = message(itemId, "", "in_progress");
            ((ArrayNode) open.get("content")).removeAll();
            events.send(event("response.output_item.added").put("output_index", 0).set("item", open));
            events.send(event("response.content_part.added").put("item_id", itemId).put("output_index", 0).put("content_index", 0)
                    .set("part", part("")));
            for (String piece : pieces(text)) {
                ObjectNode delta = event("response.output_text.delta").put("item_id", itemId).put("output_index", 0)
                        .put("content_index", 0).put("delta", piece);
                delta.putArray("logprobs");
                events.send(delta);
            }
            ObjectNode textDone = event("response.output_text.done").put("item_id", itemId).put("output_index", 0)
                    .put("content_index", 0).put("text", text);
            textDone.putArray("logprobs");
            events.send(textDone);
            events.send(event("response.content_part.done").put("item_id", itemId).put("output_index", 0).put("content_index", 0)
                    .set("part", part(text)));
        }
        events.send(event("response.output_item.done").put("output_index", 0).set("item", item));
        events.send(FakeServer.JSON.createObjectNode().put("type", "response.completed").set("response", done));
    }

    private static List<String> pieces(String text) {
        int cut = Math.min(5, text.length());
        return List.of(text.substring(0, cut), text.substring(cut));
    }

    private static ObjectNode event(String type) {
        return FakeServer.JSON.createObjectNode().put("type", type);
    }

    private static ObjectNode response(String id, String model, JsonNode req, String status) {
        ObjectNode r = FakeServer.JSON.createObjectNode().put("id", id).put("object", "response")
                .put("created_at", System.currentTimeMillis() / 1000).put("status", status).putNull("error").putNull("incomplete_details");
        r.set("instructions", req.path("instructions").isTextual() ? req.get("instructions") : FakeServer.JSON.nullNode());
        r.put("model", model);
        r.putArray("output");
        r.put("parallel_tool_calls", true).putNull("previous_response_id");
        r.set("tools", req.path("tools").isArray() ? req.get("tools") : FakeServer.JSON.createArrayNode());
        r.put("tool_choice", "auto").put("store", req.path("store").asBoolean(true)).putNull("usage");
        r.putObject("text").putObject("format").put("type", "text");
        return r;
    }

    private static ObjectNode message(String id, String text, String status) {
        ObjectNode m = FakeServer.JSON.createObjectNode().put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        m.putArray("content").add(part(text));
        return m;
    }

    private static ObjectNode part(String text) {
        ObjectNode p = FakeServer.JSON.createObjectNode().put("type", "output_text").put("text", text);
        p.putArray("annotations");
        return p;
    }

    private static ObjectNode usage() {
        ObjectNode u = FakeServer.JSON.createObjectNode().put("input_tokens", 11);
        u.putObject("input_tokens_details").put("cached_tokens", 3);
        u.put("output_tokens", 7);
        u.putObject("output_tokens_details").put("reasoning_tokens", 2);
        return u.put("total_tokens", 18);
    }

    /** Named SSE events with their sequence numbers, flushed one by one. */
    private static final class Events {
        private final OutputStream out;
        private int sequence;

        Events(OutputStream out) {
            this.out = out;
        }

        void send(ObjectNode data) throws IOException {
            data.put("sequence_number", sequence++);
            out.write(("event: " + data.path("type").asText() + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}

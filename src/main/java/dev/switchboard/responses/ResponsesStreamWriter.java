package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes canonical ({@code chat.completion.chunk}) chunks as the Responses API's event stream:
 * {@code response.created}, {@code response.in_progress}, then per output item {@code response.output_item.added}
 * (and for the message {@code response.content_part.added}), its deltas ({@code response.output_text.delta},
 * {@code response.function_call_arguments.delta}), and at the end the matching {@code .done} events and
 * {@code response.completed} (or {@code response.incomplete}) with the whole Response and its usage. Every event
 * carries the next {@code sequence_number}; SDKs rebuild the response by {@code output_index}, so an item keeps
 * the index it was added with.
 *
 * <p>Created per request and not thread-safe. Feed chunks in order to {@link #onChunk}; call {@link #finish} when
 * the upstream stream ended cleanly.
 */
public final class ResponsesStreamWriter {
    private final ResponsesCall call;
    private final String model;
    private int sequence;
    private boolean started;
    private int nextOutput;
    /** The message item's output index, or -1 before the first text. */
    private int messageOutput = -1;
    private final StringBuilder text = new StringBuilder();
    /** Chat tool-call index → the function call being streamed. */
    private final Map<Integer, Call> calls = new LinkedHashMap<>();
    private String finishReason;
    private ResponsesAnswer.Finished finished;

    /** A function call as it streams in. */
    private static final class Call {
        final int output;
        final String callId;
        final String name;
        final StringBuilder arguments = new StringBuilder();

        Call(int output, String callId, String name) {
            this.output = output;
            this.callId = callId;
            this.name = name;
        }
    }

    public ResponsesStreamWriter(ResponsesCall call, String model) {
        this.call = call;
        this.model = model;
    }

    /** The events for one chunk; empty when the chunk shows nothing new. */
    public String onChunk(ObjectNode chunk) {
        StringBuilder out = new StringBuilder();
        start(out);
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        text(out, string(delta.get("content")));
        text(out, string(delta.get("refusal")));
        int position = 0;
        for (JsonNode tc : delta.path("tool_calls")) {
            toolCall(out, tc, position++);
        }
        String finish = string(choice.get("finish_reason"));
        if (!finish.isEmpty()) {
            finishReason = finish;
        }
        return out.toString();
    }

    /** The closing events: every item done, then the whole response with its usage. */
    public String finish(Usage usage) {
        StringBuilder out = new StringBuilder();
        start(out);
        if (messageOutput < 0 && calls.isEmpty()) {
            openMessage(out); // an empty answer is still one (empty) message, as OpenAI answers it
        }
        ArrayNode output = Json.MAPPER.createArrayNode();
        List<ObjectNode> items = new ArrayList<>();
        for (int i = 0; i < nextOutput; i++) {
            items.add(null);
        }
        if (messageOutput >= 0) {
            ObjectNode data = event("response.output_text.done").put("item_id", call.messageId()).put("output_index", messageOutput)
                    .put("content_index", 0).put("text", text.toString());
            data.putArray("logprobs");
            write(out, data);
            ObjectNode partDone = event("response.content_part.done").put("item_id", call.messageId())
                    .put("output_index", messageOutput).put("content_index", 0);
            partDone.set("part", ResponsesAnswer.textPart(text.toString()));
            write(out, partDone);
            ObjectNode item = ResponsesAnswer.messageItem(call, text.toString(), "completed");
            itemDone(out, messageOutput, item);
            items.set(messageOutput, item);
        }
        for (Call c : calls.values()) {
            String itemId = ResponsesCall.functionCallItemId(c.callId);
            write(out, event("response.function_call_arguments.done").put("item_id", itemId).put("output_index", c.output)
                    .put("name", c.name).put("arguments", c.arguments.toString()));
            ObjectNode item = ResponsesAnswer.functionCallItem(c.callId, c.name, c.arguments.toString(), "completed");
            itemDone(out, c.output, item);
            items.set(c.output, item);
        }
        items.forEach(output::add);
        String[] status = ResponsesCall.status(finishReason);
        ObjectNode response = call.envelope(model, status[0], status[1], output, usage);
        ObjectNode done = event(status[1] == null ? "response.completed" : "response.incomplete");
        done.set("response", response);
        write(out, done);
        finished = ResponsesAnswer.finished(call, response);
        return out.toString();
    }

    /** The response as it ended, once {@link #finish} ran; null for a stream that broke. */
    public ResponsesAnswer.Finished finished() {
        return finished;
    }

    /** The stream's error event, in place of the clean end of a broken answer. */
    public String error(String code, String message) {
        ObjectNode data = event("error").put("code", code).put("message", message);
        data.putNull("param");
        return sse(data);
    }

    // ------------------------------------------------------------------------------------------ events

    private void start(StringBuilder out) {
        if (started) {
            return;
        }
        started = true;
        for (String type : new String[] {"response.created", "response.in_progress"}) {
            ObjectNode data = event(type);
            data.set("response", call.envelope(model, "in_progress", null, Json.MAPPER.createArrayNode(), null));
            write(out, data);
        }
    }

    private void text(StringBuilder out, String piece) {
        if (piece.isEmpty()) {
            return;
        }
        if (messageOutput < 0) {
            openMessage(out);
        }
        text.append(piece);
        ObjectNode data = event("response.output_text.delta").put("item_id", call.messageId()).put("output_index", messageOutput)
                .put("content_index", 0).put("delta", piece);
        data.putArray("logprobs");
        write(out, data);
    }

    private void openMessage(StringBuilder out) {
        messageOutput = nextOutput++;
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", call.messageId()).put("type", "message")
                .put("status", "in_progress").put("role", "assistant");
        item.putArray("content");
        ObjectNode added = event("response.output_item.added").put("output_index", messageOutput);
        added.set("item", item);
        write(out, added);
        ObjectNode part = event("response.content_part.added").put("item_id", call.messageId()).put("output_index", messageOutput)
                .put("content_index", 0);
        part.set("part", ResponsesAnswer.textPart(""));
        write(out, part);
    }

    private void toolCall(StringBuilder out, JsonNode tc, int position) {
        int index = tc.path("index").asInt(position);
        Call c = calls.get(index);
        if (c == null) {
            String callId = string(tc.get("id"));
            c = new Call(nextOutput++, callId.isEmpty() ? "call_" + call.id().substring("resp_".length()) + "_" + index : callId,
                    string(tc.path("function").get("name")));
            calls.put(index, c);
            ObjectNode added = event("response.output_item.added").put("output_index", c.output);
            added.set("item", ResponsesAnswer.functionCallItem(c.callId, c.name, "", "in_progress"));
            write(out, added);
        }
        String arguments = string(tc.path("function").get("arguments"));
        if (!arguments.isEmpty()) {
            c.arguments.append(arguments);
            write(out, event("response.function_call_arguments.delta").put("item_id", ResponsesCall.functionCallItemId(c.callId))
                    .put("output_index", c.output).put("delta", arguments));
        }
    }

    private void itemDone(StringBuilder out, int output, ObjectNode item) {
        ObjectNode done = event("response.output_item.done").put("output_index", output);
        done.set("item", item);
        write(out, done);
    }

    private ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type).put("sequence_number", sequence++);
    }

    private static void write(StringBuilder out, ObjectNode data) {
        out.append(sse(data));
    }

    private static String sse(ObjectNode data) {
        return "event: " + data.path("type").asText() + "\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n";
    }

    private static String string(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : "";
    }
}

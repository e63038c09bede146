package dev.switchboard.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Writes canonical (OpenAI {@code chat.completion.chunk}) chunks as Anthropic's named-event stream, for the
 * {@code POST /v1/messages} front door: {@code message_start}, {@code ping}, a start/delta.../stop triple per
 * text run and per tool call, then {@code message_delta} and {@code message_stop}. Anthropic SDKs accumulate
 * by block {@code index}, so every block gets the next index in order of first appearance.
 *
 * <p>Created per request and not thread-safe. Feed chunks in order to {@link #onChunk}; call {@link #finish}
 * when the upstream stream ended cleanly (it writes the closing events unless a usage chunk already did).
 */
public final class AnthropicStreamWriter {
    private final String model;
    private final int promptTokens;

    private boolean started;
    private boolean ended;
    private String messageId;
    private int nextBlock;
    /** The Anthropic index of the block now open, or -1. Only one block is open at a time. */
    private int openBlock = -1;
    private boolean openIsText;
    /** OpenAI tool_call index → Anthropic block index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private String stopReason;
    private Usage usage;

    /** Model and message id are taken from the first chunk; {@code message_start} reports 0 input tokens. */
    public AnthropicStreamWriter() {
        this(null, 0);
    }

    /**
     * @param model        the model name shown to the caller (null: the chunks' own)
     * @param promptTokens the prompt size for {@code message_start} when the gateway already knows it; the
     *                     real count follows in {@code message_delta}, which Anthropic SDKs also read
     */
    public AnthropicStreamWriter(String model, int promptTokens) {
        this.model = model;
        this.promptTokens = promptTokens;
    }

    /** The events for one chunk; empty when the chunk shows nothing new (a role-only chunk after the start). */
    public String onChunk(ObjectNode chunk) {
        if (ended) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        start(out, chunk);
        JsonNode usageNode = chunk.get("usage");
        boolean hasUsage = usageNode != null && usageNode.isObject();
        if (hasUsage) {
            usage = AnthropicMapper.usageFromOpenAi(usageNode);
        }
        JsonNode choices = chunk.path("choices");
        boolean finishedHere = false;
        if (choices.isArray() && !choices.isEmpty()) {
            JsonNode choice = choices.get(0);
            JsonNode delta = choice.path("delta");
            text(out, string(delta.get("content")));
            text(out, string(delta.get("refusal")));
            // reasoning_content is not written: a thinking block without Anthropic's signature cannot be
            // sent back in the next turn, and this caller did not ask Anthropic for thinking.
            int position = 0;
            for (JsonNode call : delta.path("tool_calls")) {
                toolCall(out, call, position++);
            }
            String finish = string(choice.get("finish_reason"));
            if (!finish.isEmpty()) {
                closeBlock(out);
                stopReason = AnthropicMapper.toStopReason(finish);
                finishedHere = true;
            }
        }
        // The usage comes with the finish chunk or in a usage-only chunk after it (OpenAI's include_usage);
        // usage on earlier chunks (some providers repeat it) is only remembered.
        if (stopReason != null && hasUsage && (finishedHere || choices.isEmpty())) {
            end(out, usage);
        }
        return out.toString();
    }

    /** The closing events when they were not written yet (the stream ended without a usage chunk), else "". */
    public String finish(Usage usage) {
        if (ended) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        start(out, null);
        end(out, usage != null ? usage : this.usage != null ? this.usage : Usage.NONE);
        return out.toString();
    }

    /** Anthropic's mid-stream error event, e.g. {@code error("overloaded_error", "Overloaded")}. */
    public static String error(String type, String message) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "error");
        data.putObject("error").put("type", type).put("message", message);
        return event("error", data);
    }

    // ------------------------------------------------------------------------------------------ events

    private void start(StringBuilder out, JsonNode chunk) {
        if (started) {
            return;
        }
        started = true;
        String id = chunk == null ? "" : string(chunk.get("id"));
        messageId = id.startsWith("msg_") ? id : "msg_" + (id.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : id);
        ObjectNode message = Json.MAPPER.createObjectNode()
                .put("id", messageId)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model != null ? model : chunk == null ? "" : string(chunk.get("model")));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        JsonNode firstUsage = chunk == null ? null : chunk.get("usage");
        if (firstUsage != null && firstUsage.isObject()) {
            message.set("usage", AnthropicMapper.toAnthropicUsage(AnthropicMapper.usageFromOpenAi(firstUsage)));
        } else {
            message.putObject("usage").put("input_tokens", promptTokens).put("output_tokens", 0);
        }
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "message_start");
        data.set("message", message);
        out.append(event("message_start", data));
        out.append(event("ping", Json.MAPPER.createObjectNode().put("type", "ping")));
    }

    private void text(StringBuilder out, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (openBlock < 0 || !openIsText) {
            closeBlock(out);
            ObjectNode block = Json.MAPPER.createObjectNode().put("type", "text").put("text", "");
            openBlock(out, block, true);
        }
        ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "text_delta").put("text", text);
        blockDelta(out, openBlock, delta);
    }

    private void toolCall(StringBuilder out, JsonNode call, int position) {
        int toolIndex = call.path("index").asInt(position);
        Integer block = toolBlocks.get(toolIndex);
        if (block == null) {
            closeBlock(out);
            String id = string(call.get("id"));
            ObjectNode toolUse = Json.MAPPER.createObjectNode()
                    .put("type", "tool_use")
                    .put("id", id.isEmpty() ? "toolu_" + UUID.randomUUID().toString().replace("-", "") : id)
                    .put("name", string(call.path("function").get("name")));
            toolUse.putObject("input");
            block = openBlock(out, toolUse, false);
            toolBlocks.put(toolIndex, block);
        }
        String arguments = string(call.path("function").get("arguments"));
        if (!arguments.isEmpty()) {
            // Providers send calls one after another; should pieces of an earlier call arrive late, they still
            // go to that call's index, where SDKs accumulate them.
            ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", arguments);
            blockDelta(out, block, delta);
        }
    }

    private int openBlock(StringBuilder out, ObjectNode contentBlock, boolean text) {
        int index = nextBlock++;
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", index);
        data.set("content_block", contentBlock);
        out.append(event("content_block_start", data));
        openBlock = index;
        openIsText = text;
        return index;
    }

    private static void blockDelta(StringBuilder out, int index, ObjectNode delta) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", index);
        data.set("delta", delta);
        out.append(event("content_block_delta", data));
    }

    private void closeBlock(StringBuilder out) {
        if (openBlock >= 0) {
            out.append(event("content_block_stop",
                    Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", openBlock)));
            openBlock = -1;
        }
    }

    private void end(StringBuilder out, Usage finalUsage) {
        closeBlock(out);
        ObjectNode data = Json.MAPPER.createObjectNode().put("type", "message_delta");
        data.putObject("delta").put("stop_reason", stopReason != null ? stopReason : "end_turn").putNull("stop_sequence");
        // Cumulative, input parts included: newer Anthropic streams repeat them here and SDKs take them from here.
        data.set("usage", AnthropicMapper.toAnthropicUsage(finalUsage));
        out.append(event("message_delta", data));
        out.append(event("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop")));
        ended = true;
    }

    private static String event(String name, JsonNode data) {
        return "event: " + name + "\ndata: " + new String(Json.bytes(data), StandardCharsets.UTF_8) + "\n\n";
    }

    /** A textual node's text; "" for null, JSON null or a missing node. */
    private static String string(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : "";
    }
}

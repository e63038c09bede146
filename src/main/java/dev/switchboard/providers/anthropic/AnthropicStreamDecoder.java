package dev.switchboard.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's named-event SSE ({@code event: <name>} then {@code data: <json>}) as OpenAI chunks, following
 * the stream mapping of anthropic.md. Created per request and not thread-safe.
 *
 * <p>Chunks are built here, so {@link ChatChunk#raw()} is null and the relay re-serialises them. Usage is the
 * input side from {@code message_start} and the last (cumulative) {@code output_tokens} of {@code message_delta};
 * it goes out in one usage-only chunk on {@code message_stop}, the end marker.
 */
final class AnthropicStreamDecoder implements StreamDecoder {
    private String event;
    private String id = "";
    private String model = "";
    private long created;
    private int inputTokens;
    private int cacheReadTokens;
    private int cacheCreationTokens;
    private int outputTokens;
    /** Anthropic block index of each tool_use block → OpenAI tool_calls index (0, 1, ... in order). */
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private boolean finished;

    @Override
    public List<ChatChunk> decode(String line) {
        if (line.isEmpty()) {
            event = null; // an event ends at the blank line
            return List.of();
        }
        if (line.startsWith("event:")) {
            event = line.substring(6).trim();
            return List.of();
        }
        if (!line.startsWith("data:")) {
            return List.of(); // ": comments", "id:", "retry:"
        }
        String data = line.substring(5).trim();
        if (data.isEmpty()) {
            return List.of();
        }
        JsonNode json = parse(data);
        // Anthropic repeats the event name as data.type; either is enough.
        String type = json.path("type").isTextual() ? json.get("type").asText() : event == null ? "" : event;
        return switch (type) {
            case "message_start" -> messageStart(json.path("message"));
            case "content_block_start" -> blockStart(json.path("index").asInt(), json.path("content_block"));
            case "content_block_delta" -> blockDelta(json.path("index").asInt(), json.path("delta"));
            case "message_delta" -> messageDelta(json.path("delta"), json.path("usage"));
            case "message_stop" -> messageStop();
            // Status was already 200: classify by error.type (overloaded_error is what would have been a 529).
            case "error" -> throw AnthropicAdapter.errorObject(json.get("error"), 200);
            default -> List.of(); // ping, content_block_stop, and event types added later (versioning policy)
        };
    }

    @Override
    public boolean finished() {
        return finished;
    }

    private List<ChatChunk> messageStart(JsonNode message) {
        id = message.path("id").asText("");
        model = message.path("model").asText("");
        created = System.currentTimeMillis() / 1000;
        readUsage(message.path("usage"));
        ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        return List.of(new ChatChunk(chunk(delta, null), null, false, null, null));
    }

    private List<ChatChunk> blockStart(int blockIndex, JsonNode block) {
        switch (block.path("type").asText("")) {
            case "text" -> {
                return text(block.path("text").asText("")); // normally "", the text follows in deltas
            }
            case "tool_use" -> {
                int toolIndex = toolIndexByBlock.size();
                toolIndexByBlock.put(blockIndex, toolIndex);
                ObjectNode call = Json.MAPPER.createObjectNode().put("index", toolIndex)
                        .put("id", block.path("id").asText("")).put("type", "function");
                call.putObject("function").put("name", block.path("name").asText("")).put("arguments", "");
                ObjectNode delta = Json.MAPPER.createObjectNode();
                delta.putArray("tool_calls").add(call);
                return List.of(content(delta));
            }
            default -> {
                return List.of(); // thinking (its text follows in deltas), server-tool blocks
            }
        }
    }

    private List<ChatChunk> blockDelta(int blockIndex, JsonNode delta) {
        switch (delta.path("type").asText("")) {
            case "text_delta" -> {
                return text(delta.path("text").asText(""));
            }
            case "input_json_delta" -> {
                Integer toolIndex = toolIndexByBlock.get(blockIndex);
                String piece = delta.path("partial_json").asText("");
                if (toolIndex == null || piece.isEmpty()) {
                    return List.of(); // a server tool's input, or the empty first piece Anthropic may send
                }
                ObjectNode call = Json.MAPPER.createObjectNode().put("index", toolIndex);
                call.putObject("function").put("arguments", piece);
                ObjectNode out = Json.MAPPER.createObjectNode();
                out.putArray("tool_calls").add(call);
                return List.of(content(out));
            }
            case "thinking_delta" -> {
                String thinking = delta.path("thinking").asText("");
                return thinking.isEmpty() ? List.of()
                        : List.of(content(Json.MAPPER.createObjectNode().put("reasoning_content", thinking)));
            }
            default -> {
                return List.of(); // signature_delta, citations_delta
            }
        }
    }

    private List<ChatChunk> messageDelta(JsonNode delta, JsonNode usage) {
        readUsage(usage);
        String stopReason = delta.path("stop_reason").asText(null);
        if (stopReason == null) {
            return List.of();
        }
        String finish = AnthropicMapper.toFinishReason(stopReason);
        return List.of(new ChatChunk(chunk(Json.MAPPER.createObjectNode(), finish), null, true, finish, null));
    }

    private List<ChatChunk> messageStop() {
        finished = true;
        Usage usage = Usage.of(inputTokens + cacheReadTokens + cacheCreationTokens, outputTokens)
                .withCache(cacheReadTokens, cacheCreationTokens);
        ObjectNode json = base();
        json.putArray("choices");
        json.set("usage", AnthropicMapper.toOpenAiUsage(usage));
        return List.of(new ChatChunk(json, usage, false, null, null));
    }

    /** Usage fields are cumulative wherever they appear: the last value seen wins. */
    private void readUsage(JsonNode usage) {
        inputTokens = usage.path("input_tokens").asInt(inputTokens);
        cacheReadTokens = usage.path("cache_read_input_tokens").asInt(cacheReadTokens);
        cacheCreationTokens = usage.path("cache_creation_input_tokens").asInt(cacheCreationTokens);
        outputTokens = usage.path("output_tokens").asInt(outputTokens);
    }

    private List<ChatChunk> text(String text) {
        return text.isEmpty() ? List.of() : List.of(content(Json.MAPPER.createObjectNode().put("content", text)));
    }

    private ChatChunk content(ObjectNode delta) {
        return new ChatChunk(chunk(delta, null), null, true, null, null);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode json = base();
        ObjectNode choice = json.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return json;
    }

    private ObjectNode base() {
        return Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
    }

    private static JsonNode parse(String data) {
        try {
            JsonNode json = Json.MAPPER.readTree(data);
            if (json != null && json.isObject()) {
                return json;
            }
        } catch (IOException malformed) {
            // answered below
        }
        throw new ProviderFailure(FailureClass.SERVER_ERROR, "Anthropic sent a malformed stream event");
    }
}

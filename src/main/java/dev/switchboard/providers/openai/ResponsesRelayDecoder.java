package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Responses API's event stream for a caller that speaks it too: every event is kept whole, as it came, in
 * its chunk's {@link ChatChunk#raw()} (the SSE event text), and read as a canonical chunk where it has a
 * canonical meaning (text and refusal deltas, a function call's start and argument deltas, the finish with its
 * usage), so the record, the cache and the first-content checks see the answer as from any provider. The stream
 * ends with {@code response.completed} or {@code response.incomplete}; {@code response.failed} and {@code error}
 * events are the provider's failure. Created per request and not thread-safe.
 */
final class ResponsesRelayDecoder implements StreamDecoder {
    /** Output index of a function call item → its index among the answer's tool calls. */
    private final Map<Integer, Integer> toolIndex = new HashMap<>();
    private String event;
    private boolean finished;

    @Override
    public List<ChatChunk> decode(String line) {
        if (line.startsWith("event:")) {
            event = line.substring(6).trim();
            return List.of();
        }
        if (!line.startsWith("data:") || line.substring(5).isBlank()) {
            if (line.isEmpty()) {
                event = null;
            }
            return List.of(); // blank separators and keep-alive comments
        }
        String data = line.substring(5).trim();
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider sent a malformed stream event");
        }
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider sent a malformed stream event");
        }
        String type = json.path("type").asText(event == null ? "" : event);
        String raw = "event: " + type + "\ndata: " + data + "\n\n";
        return List.of(canonical(type, json, raw));
    }

    private ChatChunk canonical(String type, JsonNode json, String raw) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        switch (type) {
            case "response.output_text.delta" -> delta.put("content", json.path("delta").asText(""));
            case "response.refusal.delta" -> delta.put("refusal", json.path("delta").asText(""));
            case "response.output_item.added" -> {
                JsonNode item = json.path("item");
                if (!item.path("type").asText().equals("function_call")) {
                    return invisible(raw);
                }
                int index = toolIndex.size();
                toolIndex.put(json.path("output_index").asInt(), index);
                ObjectNode call = delta.putArray("tool_calls").addObject().put("index", index)
                        .put("id", item.path("call_id").asText("")).put("type", "function");
                call.putObject("function").put("name", item.path("name").asText("")).put("arguments", item.path("arguments").asText(""));
            }
            case "response.function_call_arguments.delta" -> {
                Integer index = toolIndex.get(json.path("output_index").asInt());
                if (index == null) {
                    return invisible(raw);
                }
                delta.putArray("tool_calls").addObject().put("index", index).putObject("function")
                        .put("arguments", json.path("delta").asText(""));
            }
            case "response.completed", "response.incomplete" -> {
                finished = true;
                JsonNode response = json.path("response");
                String finish = ResponsesWire.finishReason(response, !toolIndex.isEmpty());
                return new ChatChunk(chunk(delta, finish), ResponsesWire.usage(response.get("usage")), true, finish, raw);
            }
            case "response.failed" -> {
                ResponsesWire.failed(json.path("response"));
                throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider failed the response");
            }
            case "error" -> throw new ProviderFailure(json.path("code").asText("").contains("rate_limit") ? FailureClass.RATE_LIMIT
                    : FailureClass.SERVER_ERROR, "the provider's stream failed: " + json.path("message").asText("no reason given"));
            default -> {
                return invisible(raw);
            }
        }
        return new ChatChunk(chunk(delta, null), null, true, null, raw);
    }

    /** An event with no canonical meaning (lifecycle, item and part boundaries, hosted tool progress): relayed only. */
    private static ChatChunk invisible(String raw) {
        ObjectNode json = Json.MAPPER.createObjectNode().put("object", "chat.completion.chunk");
        json.putArray("choices");
        return new ChatChunk(json, null, false, null, raw);
    }

    private static ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode json = Json.MAPPER.createObjectNode().put("object", "chat.completion.chunk");
        ObjectNode choice = json.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return json;
    }

    @Override
    public boolean finished() {
        return finished;
    }
}

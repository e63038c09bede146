package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streamed answer put back together as the complete answer it was (text, reasoning and tool calls per choice,
 * finish reasons, usage), so the response cache can keep a stream like any other answer.
 */
final class StreamedAnswer {
    private final Map<Integer, Choice> choices = new TreeMap<>();
    private ObjectNode first;
    private JsonNode usage;

    private static final class Choice {
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        String finishReason;
    }

    void add(ChatChunk chunk) {
        ObjectNode json = chunk.json();
        first = first == null ? json : first;
        if (json.hasNonNull("usage")) {
            usage = json.get("usage");
        }
        for (JsonNode c : json.path("choices")) {
            Choice choice = choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice());
            JsonNode delta = c.path("delta");
            choice.content.append(delta.path("content").asText(""));
            choice.reasoning.append(delta.path("reasoning_content").asText(""));
            for (JsonNode piece : delta.path("tool_calls")) {
                addToolCall(choice, piece);
            }
            if (c.hasNonNull("finish_reason")) {
                choice.finishReason = c.get("finish_reason").asText();
            }
        }
    }

    /** A tool call arrives in pieces by its index: its id, type and name once, its arguments bit by bit. */
    private static void addToolCall(Choice choice, JsonNode piece) {
        ObjectNode call = choice.toolCalls.computeIfAbsent(piece.path("index").asInt(0), i -> {
            ObjectNode c = Json.MAPPER.createObjectNode().put("type", "function");
            c.putObject("function").put("name", "").put("arguments", "");
            return c;
        });
        if (piece.hasNonNull("id")) {
            call.put("id", piece.get("id").asText());
        }
        JsonNode function = piece.path("function");
        ObjectNode target = (ObjectNode) call.get("function");
        if (function.hasNonNull("name")) {
            target.put("name", target.get("name").asText() + function.get("name").asText());
        }
        if (function.hasNonNull("arguments")) {
            target.put("arguments", target.get("arguments").asText() + function.get("arguments").asText());
        }
    }

    /** The complete answer, or null when the stream said nothing worth keeping. */
    ChatResponse response(Usage totals) {
        if (first == null || choices.isEmpty()) {
            return null;
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("id", first.path("id").asText()).put("object", "chat.completion")
                .put("created", first.path("created").asLong()).put("model", first.path("model").asText());
        ArrayNode out = body.putArray("choices");
        String finish = null;
        for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
            Choice c = e.getValue();
            ObjectNode choice = out.addObject().put("index", e.getKey());
            ObjectNode message = choice.putObject("message").put("role", "assistant");
            message.put("content", c.content.isEmpty() && !c.toolCalls.isEmpty() ? null : c.content.toString());
            if (!c.reasoning.isEmpty()) {
                message.put("reasoning_content", c.reasoning.toString());
            }
            if (!c.toolCalls.isEmpty()) {
                c.toolCalls.values().forEach(message.putArray("tool_calls")::add);
            }
            choice.put("finish_reason", c.finishReason);
            finish = finish == null ? c.finishReason : finish;
        }
        if (usage != null) {
            body.set("usage", usage);
        } else {
            body.putObject("usage").put("prompt_tokens", totals.promptTokens()).put("completion_tokens", totals.completionTokens())
                    .put("total_tokens", totals.totalTokens());
        }
        return new ChatResponse(body, totals, finish);
    }
}

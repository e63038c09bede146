package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.Usage;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streamed answer put back together from its chunks (OpenAI's chunk shape), so the quality checks see it the way
 * they see a whole answer: text, refusal, tool calls with their arguments, finish reason, per choice. Keeps at most
 * {@value #MAX_CHARS} characters; a longer answer is given up (it is recorded as not checked), so a long stream never
 * holds more memory than that.
 */
final class AnswerTranscript {
    static final int MAX_CHARS = 200_000;

    private final Map<Integer, Choice> choices = new TreeMap<>();
    private int chars;
    private boolean overflowed;

    private static final class Choice {
        final StringBuilder content = new StringBuilder();
        final StringBuilder refusal = new StringBuilder();
        final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
        final Map<Integer, StringBuilder> arguments = new TreeMap<>();
        String finishReason;
    }

    void add(ChatChunk chunk) {
        if (overflowed || chunk.json() == null) {
            return;
        }
        for (JsonNode c : chunk.json().path("choices")) {
            Choice choice = choices.computeIfAbsent(c.path("index").asInt(0), i -> new Choice());
            JsonNode delta = c.path("delta");
            append(choice.content, delta.path("content"));
            append(choice.refusal, delta.path("refusal"));
            for (JsonNode call : delta.path("tool_calls")) {
                toolCall(choice, call);
            }
            if (c.path("finish_reason").isTextual()) {
                choice.finishReason = c.get("finish_reason").asText();
            }
        }
    }

    private void toolCall(Choice choice, JsonNode call) {
        int index = call.path("index").asInt(choice.toolCalls.size());
        ObjectNode kept = choice.toolCalls.computeIfAbsent(index, i -> JsonNodeFactory.instance.objectNode());
        if (call.path("id").isTextual()) {
            kept.put("id", call.get("id").asText());
        }
        JsonNode function = call.path("function");
        if (function.path("name").isTextual()) {
            kept.put("type", "function").putObject("function").put("name", function.get("name").asText());
        }
        append(choice.arguments.computeIfAbsent(index, i -> new StringBuilder()), function.path("arguments"));
    }

    private void append(StringBuilder to, JsonNode text) {
        if (!text.isTextual()) {
            return;
        }
        chars += text.asText().length();
        if (chars > MAX_CHARS) {
            overflowed = true;
            choices.clear(); // let go of what was kept: the answer will not be checked
            return;
        }
        to.append(text.asText());
    }

    /** The answer as a whole response, or null when it was too long to keep. */
    ChatResponse response(Usage usage) {
        if (overflowed) {
            return null;
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ArrayNode list = body.putArray("choices");
        String firstFinish = null;
        for (Map.Entry<Integer, Choice> e : choices.entrySet()) {
            Choice c = e.getValue();
            ObjectNode message = JsonNodeFactory.instance.objectNode().put("role", "assistant").put("content", c.content.toString());
            if (!c.refusal.isEmpty()) {
                message.put("refusal", c.refusal.toString());
            }
            if (!c.toolCalls.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                c.toolCalls.forEach((i, call) -> {
                    ObjectNode function = call.has("function") ? (ObjectNode) call.get("function") : call.putObject("function");
                    function.put("arguments", c.arguments.getOrDefault(i, new StringBuilder()).toString());
                    calls.add(call);
                });
            }
            list.addObject().put("index", e.getKey()).put("finish_reason", c.finishReason).set("message", message);
            firstFinish = firstFinish == null ? c.finishReason : firstFinish;
        }
        return new ChatResponse(body, usage, firstFinish);
    }
}

package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.providers.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * A stored answer told again as a stream: per choice one chunk with the whole message (role, text, reasoning,
 * tool calls) and one with its finish reason, then the usage chunk; written by the caller's own encoder, so
 * the replay is the stream it would have had (OpenAI {@code data:} lines or Anthropic's events).
 */
final class CachedStream {
    private static final List<String> DELTA_FIELDS = List.of("content", "reasoning_content", "refusal");

    private CachedStream() {
    }

    static String sse(StreamEncoder encoder, ChatResponse response) {
        StringBuilder out = new StringBuilder();
        for (ChatChunk chunk : chunks(response)) {
            out.append(encoder.chunk(chunk));
        }
        return out.append(encoder.end(response.usage())).toString();
    }

    static List<ChatChunk> chunks(ChatResponse response) {
        List<ChatChunk> chunks = new ArrayList<>();
        for (JsonNode choice : response.body().path("choices")) {
            int index = choice.path("index").asInt(0);
            JsonNode message = choice.path("message");
            ObjectNode content = chunk(response);
            ObjectNode delta = content.putArray("choices").addObject().put("index", index).putNull("finish_reason")
                    .putObject("delta").put("role", "assistant");
            for (String field : DELTA_FIELDS) {
                if (message.hasNonNull(field)) {
                    delta.set(field, message.get(field));
                }
            }
            if (message.path("tool_calls").isArray()) {
                ArrayNode calls = delta.putArray("tool_calls");
                int i = 0;
                for (JsonNode call : message.get("tool_calls")) {
                    calls.add(((ObjectNode) call.deepCopy()).put("index", i++));
                }
            }
            chunks.add(new ChatChunk(content, null, true, null, null));
            String reason = choice.path("finish_reason").asText("stop");
            ObjectNode end = chunk(response);
            end.putArray("choices").addObject().put("index", index).put("finish_reason", reason).putObject("delta");
            chunks.add(new ChatChunk(end, null, true, reason, null));
        }
        ObjectNode usage = chunk(response);
        usage.putArray("choices");
        if (response.body().hasNonNull("usage")) {
            usage.set("usage", response.body().get("usage").deepCopy());
        }
        chunks.add(new ChatChunk(usage, response.usage(), false, null, null));
        return chunks;
    }

    private static ObjectNode chunk(ChatResponse response) {
        ObjectNode body = response.body();
        return Json.MAPPER.createObjectNode().put("id", body.path("id").asText()).put("object", "chat.completion.chunk")
                .put("created", body.path("created").asLong()).put("model", body.path("model").asText());
    }
}

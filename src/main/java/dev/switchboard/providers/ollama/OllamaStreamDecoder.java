package dev.switchboard.providers.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Ollama's streamed {@code /api/chat}: NDJSON, one whole JSON object per line, no {@code data:} prefix and no
 * {@code [DONE]}. Lines with {@code done:false} carry a fragment of {@code message.content} (tool calls arrive
 * whole in one line); the line with {@code done:true} carries {@code done_reason} and the token counts and is
 * the end marker. It becomes OpenAI's finish chunk followed by a usage chunk ({@code choices: []}).
 * A line {@code {"error":"..."}} is a failure after HTTP 200, thrown classified.
 * Created per request and not thread-safe.
 */
final class OllamaStreamDecoder implements StreamDecoder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String id;
    private boolean roleSent;
    private int toolCalls;
    private boolean finished;

    OllamaStreamDecoder(String id) {
        this.id = id;
    }

    @Override
    public List<ChatChunk> decode(String line) {
        if (finished || line.isBlank()) {
            return List.of();
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama sent a stream line that is not JSON");
        }
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama sent a stream line that is not a JSON object");
        }
        if (json.hasNonNull("error")) {
            String message = OllamaAdapter.errorMessage(json, 200);
            FailureClass byText = OllamaAdapter.classByMessage(message);
            // Most mid-stream errors are the runner failing ("an error was encountered while running the model").
            throw new ProviderFailure(byText != null ? byText : FailureClass.SERVER_ERROR, 200, message, null);
        }
        List<ChatChunk> chunks = new ArrayList<>(3);
        Envelope envelope = new Envelope(json.path("model").asText(""), OllamaMapper.created(json));
        ObjectNode delta = delta(json.path("message"));
        if (!delta.isEmpty()) {
            chunks.add(chunk(envelope, delta, null, true));
        }
        if (json.path("done").asBoolean(false)) {
            finished = true;
            String finish = OllamaMapper.toFinishReason(json.path("done_reason").asText(null), toolCalls > 0);
            chunks.add(chunk(envelope, NODES.objectNode(), finish, true));
            chunks.add(usageChunk(envelope, OllamaMapper.toUsage(json)));
        }
        return chunks;
    }

    @Override
    public boolean finished() {
        return finished;
    }

    /** The OpenAI delta for one line's message; empty when the line adds nothing a caller would see. */
    private ObjectNode delta(JsonNode message) {
        ObjectNode delta = NODES.objectNode();
        String content = message.path("content").asText("");
        String thinking = message.path("thinking").asText("");
        ArrayNode calls = OllamaMapper.toOpenAiToolCalls(message.path("tool_calls"), toolCalls, true);
        if (content.isEmpty() && thinking.isEmpty() && calls.isEmpty()) {
            return delta;
        }
        if (!roleSent) {
            delta.put("role", "assistant"); // OpenAI's first delta names the role
            roleSent = true;
        }
        if (!content.isEmpty()) {
            delta.put("content", content);
        }
        if (!thinking.isEmpty()) {
            delta.put("reasoning_content", thinking);
        }
        if (!calls.isEmpty()) {
            delta.set("tool_calls", calls);
            toolCalls += calls.size();
        }
        return delta;
    }

    /** What every chunk of one line repeats: the model and the line's time. */
    private record Envelope(String model, long created) {
    }

    private ObjectNode start(Envelope envelope) {
        return NODES.objectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", envelope.created()).put("model", envelope.model());
    }

    private ChatChunk chunk(Envelope envelope, ObjectNode delta, String finishReason, boolean content) {
        ObjectNode json = start(envelope);
        ObjectNode choice = json.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return new ChatChunk(json, null, content, finishReason, null);
    }

    private ChatChunk usageChunk(Envelope envelope, Usage usage) {
        ObjectNode json = start(envelope);
        json.putArray("choices");
        json.set("usage", OllamaMapper.toUsageNode(usage));
        return new ChatChunk(json, usage, false, null, null);
    }
}

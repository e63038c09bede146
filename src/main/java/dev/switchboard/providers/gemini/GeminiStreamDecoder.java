package dev.switchboard.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.StreamDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Gemini's {@code streamGenerateContent?alt=sse} body as OpenAI chat.completion.chunk events. Each
 * {@code data:} line is a whole GenerateContentResponse holding only the new parts; there is no [DONE], so
 * the stream is finished once every candidate has carried a finishReason. The usage of the last chunk is
 * authoritative (earlier ones are running totals) and is sent as OpenAI's separate {@code choices: []} chunk
 * right after the finish chunk. Not thread-safe: one decoder per streamed answer.
 */
final class GeminiStreamDecoder implements StreamDecoder {

    /** An un-prefixed error body larger than this is not an error body: stop buffering it. */
    private static final int MAX_UNPREFIXED_CHARS = 64 * 1024;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What OpenAI's chunks need to stay consistent for one candidate across Gemini's events. */
    private static final class CandidateState {
        boolean roleSent;
        int toolCalls;
        boolean finished;
    }

    private final String id = "chatcmpl-" + UUID.randomUUID();
    private final long created = System.currentTimeMillis() / 1000;
    private final Map<Integer, CandidateState> candidates = new TreeMap<>();
    private final StringBuilder unprefixed = new StringBuilder();
    private String model = "";
    private JsonNode lastUsage;
    private boolean finished;

    @Override
    public List<ChatChunk> decode(String line) {
        String trimmed = line.strip(); // the reader strips \r already; a stray one must not break JSON parsing
        if (trimmed.isEmpty() || trimmed.startsWith(":") || trimmed.startsWith("event:") || trimmed.startsWith("id:")
                || trimmed.startsWith("retry:")) {
            return List.of();
        }
        if (!trimmed.startsWith("data:")) {
            return unprefixedLine(trimmed);
        }
        String data = trimmed.substring(5).strip();
        if (data.isEmpty()) {
            return List.of();
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(data);
        } catch (IOException e) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, 200, "Gemini sent a malformed stream event", null);
        }
        return event(json);
    }

    @Override
    public boolean finished() {
        return finished;
    }

    /**
     * Gemini may send an error as pretty-printed JSON without "data:" (failure-signals.md, section 6): collect
     * such lines until they parse, then treat the object like an event.
     */
    private List<ChatChunk> unprefixedLine(String line) {
        unprefixed.append(line).append('\n');
        if (unprefixed.length() > MAX_UNPREFIXED_CHARS) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, 200, "Gemini sent a stream that is not server-sent events", null);
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(unprefixed.toString());
        } catch (IOException incomplete) {
            return List.of();
        }
        unprefixed.setLength(0);
        return event(json);
    }

    private List<ChatChunk> event(JsonNode json) {
        JsonNode error = GeminiErrors.errorNode(json);
        if (error != null) {
            throw GeminiErrors.fromError(error, 200, h -> null);
        }
        if (!json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, 200, "Gemini sent a stream event that is not a JSON object", null);
        }
        if (json.hasNonNull("modelVersion")) {
            model = json.get("modelVersion").asText();
        }
        if (json.path("usageMetadata").isObject()) {
            lastUsage = json.get("usageMetadata");
        }
        JsonNode geminiCandidates = json.path("candidates");
        if (!geminiCandidates.isArray() || geminiCandidates.isEmpty()) {
            if (json.path("promptFeedback").hasNonNull("blockReason")) {
                throw GeminiMapper.noCandidates(json);
            }
            return List.of(); // a usage-only or empty event: nothing for the caller yet
        }

        ArrayNode deltaChoices = NODES.arrayNode();
        ArrayNode finishChoices = NODES.arrayNode();
        String finishReason = null;
        for (int i = 0; i < geminiCandidates.size(); i++) {
            JsonNode candidate = geminiCandidates.get(i);
            if (GeminiMapper.isFiltered(candidate)) {
                // Mid-stream filtering: the caller may already have text, but the answer is not complete.
                throw GeminiMapper.filtered(candidate.path("finishReason").asText(""));
            }
            int index = candidate.path("index").asInt(i);
            CandidateState state = candidates.computeIfAbsent(index, k -> new CandidateState());
            ObjectNode delta = delta(candidate, state);
            String reason = candidate.path("finishReason").asText("");
            if (delta != null) {
                deltaChoices.add(choice(index, delta, null));
            }
            if (!reason.isEmpty()) {
                state.finished = true;
                String openAiReason = GeminiMapper.toFinishReason(reason, state.toolCalls > 0);
                ObjectNode finishDelta = NODES.objectNode();
                if (!state.roleSent) {
                    finishDelta.put("role", "assistant");
                    state.roleSent = true;
                }
                finishChoices.add(choice(index, finishDelta, openAiReason));
                finishReason = finishReason == null ? openAiReason : finishReason;
            }
        }

        List<ChatChunk> out = new ArrayList<>();
        if (!deltaChoices.isEmpty()) {
            out.add(new ChatChunk(chunk(deltaChoices), null, true, null, null));
        }
        if (!finishChoices.isEmpty()) {
            out.add(new ChatChunk(chunk(finishChoices), null, true, finishReason, null));
        }
        if (candidates.values().stream().allMatch(s -> s.finished)) {
            finished = true;
            if (lastUsage != null) {
                ObjectNode usageChunk = chunk(NODES.arrayNode());
                usageChunk.set("usage", GeminiMapper.toOpenAiUsage(lastUsage));
                out.add(new ChatChunk(usageChunk, GeminiMapper.toUsage(lastUsage), false, null, null));
            }
        }
        return out;
    }

    /** The OpenAI delta for one candidate's new parts, or null when they hold nothing to show. */
    private ObjectNode delta(JsonNode candidate, CandidateState state) {
        GeminiMapper.Parts parts = GeminiMapper.Parts.of(candidate.path("content").path("parts"));
        ArrayNode toolCalls = parts.toolCalls(state.toolCalls);
        if (parts.text.length() == 0 && parts.reasoning.length() == 0 && toolCalls.isEmpty()) {
            return null;
        }
        ObjectNode delta = NODES.objectNode();
        if (!state.roleSent) {
            delta.put("role", "assistant");
            state.roleSent = true;
        }
        if (parts.text.length() > 0) {
            delta.put("content", parts.text.toString());
        }
        if (parts.reasoning.length() > 0) {
            delta.put("reasoning_content", parts.reasoning.toString());
        }
        if (!toolCalls.isEmpty()) {
            // Gemini sends each function call whole, so one delta carries id, name and all the arguments.
            for (int i = 0; i < toolCalls.size(); i++) {
                ((ObjectNode) toolCalls.get(i)).put("index", state.toolCalls + i);
            }
            state.toolCalls += toolCalls.size();
            delta.set("tool_calls", toolCalls);
        }
        return delta;
    }

    private static ObjectNode choice(int index, ObjectNode delta, String finishReason) {
        ObjectNode choice = NODES.objectNode().put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    private ObjectNode chunk(ArrayNode choices) {
        ObjectNode chunk = NODES.objectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        chunk.set("choices", choices);
        return chunk;
    }
}

package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.util.List;

/**
 * One Responses API request as the answer echoes it: its id, when it was made, the request's own fields
 * ({@code instructions}, {@code tools}, {@code text}...), whether it is stored, and the conversation so far
 * (the stored turns of {@code previous_response_id} and the new input, in chat form) that a stored answer
 * continues from.
 *
 * @param id           {@code resp_...}, made from the gateway's request id so a response leads to its usage row
 * @param createdAt    epoch seconds
 * @param request      the caller's body (read only)
 * @param conversation the turns before the answer, without the instructions
 */
public record ResponsesCall(String id, long createdAt, ObjectNode request, boolean store, ArrayNode conversation) {
    /** Request fields the Response object repeats as they were sent, when they were. */
    private static final List<String> ECHOED = List.of("instructions", "max_output_tokens", "metadata", "previous_response_id",
            "temperature", "top_p", "user", "safety_identifier");

    /** A request's id from the gateway's request id ({@code req-<uuid>}). */
    public static String idFor(String requestId) {
        String tail = requestId.startsWith("req-") ? requestId.substring(4) : requestId;
        return "resp_" + tail.replace("-", "");
    }

    /** The id of an answer's message item: derived from the response's, so a stream and its final object agree. */
    String messageId() {
        return "msg_" + id.substring("resp_".length());
    }

    /** The id of the function call item for a tool call id. */
    static String functionCallItemId(String callId) {
        return "fc_" + callId;
    }

    /**
     * The Response object: {@code status} completed, or incomplete with its reason when the answer stopped at
     * its token limit or was filtered; {@code in_progress} (with no usage) for the stream's first events.
     */
    ObjectNode envelope(String model, String status, String incompleteReason, ArrayNode output, Usage usage) {
        ObjectNode r = Json.MAPPER.createObjectNode()
                .put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
        r.putNull("error");
        if (incompleteReason == null) {
            r.putNull("incomplete_details");
        } else {
            r.putObject("incomplete_details").put("reason", incompleteReason);
        }
        r.put("model", model == null ? request.path("model").asText("") : model);
        r.set("output", output);
        r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        for (String field : ECHOED) {
            JsonNode v = request.get(field);
            r.set(field, v == null ? Json.MAPPER.nullNode() : v);
        }
        if (!r.get("metadata").isObject()) {
            r.putObject("metadata");
        }
        r.set("tools", request.path("tools").isArray() ? request.get("tools") : Json.MAPPER.createArrayNode());
        r.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice") : Json.MAPPER.getNodeFactory().textNode("auto"));
        ObjectNode text = Json.MAPPER.createObjectNode();
        text.set("format", request.path("text").path("format").isObject() ? request.path("text").get("format")
                : Json.MAPPER.createObjectNode().put("type", "text"));
        r.set("text", text);
        r.putObject("reasoning").set("effort", request.path("reasoning").path("effort").isTextual()
                ? request.path("reasoning").get("effort") : Json.MAPPER.nullNode());
        r.put("store", store);
        r.put("truncation", "disabled");
        if (usage == null) {
            r.putNull("usage");
        } else {
            r.set("usage", usage(usage));
        }
        return r;
    }

    /** The Responses usage object: input and output tokens, cache reads and reasoning tokens as details. */
    static ObjectNode usage(Usage usage) {
        ObjectNode u = Json.MAPPER.createObjectNode().put("input_tokens", usage.promptTokens());
        u.putObject("input_tokens_details").put("cached_tokens", usage.cachedTokens());
        u.put("output_tokens", usage.completionTokens());
        u.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        u.put("total_tokens", usage.totalTokens());
        return u;
    }

    /** The status and incomplete reason for a chat finish reason. */
    static String[] status(String finishReason) {
        if ("length".equals(finishReason)) {
            return new String[] {"incomplete", "max_output_tokens"};
        }
        if ("content_filter".equals(finishReason)) {
            return new String[] {"incomplete", "content_filter"};
        }
        return new String[] {"completed", null};
    }
}

package dev.switchboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The canonical chat request: OpenAI's chat-completions shape, validated at the edge. The JSON tree is kept
 * whole so that tools, tool calls, tool results and fields the gateway does not know pass through intact;
 * adapters translate it to their provider's shape. Treat {@code body} as read-only: every change goes
 * through a method returning a copy.
 */
public record ChatRequest(String model, ObjectNode body, boolean stream, boolean includeUsage) {

    public ArrayNode messages() {
        return (ArrayNode) body.get("messages");
    }

    public boolean hasTools() {
        JsonNode tools = body.get("tools");
        return tools != null && tools.isArray() && !tools.isEmpty();
    }

    /** A copy with a parameter set (or removed when {@code value} is null), as a rule's {@code set} asks. */
    public ChatRequest withParam(String name, JsonNode value) {
        ObjectNode copy = body.deepCopy();
        if (value == null || value.isNull()) {
            copy.remove(name);
        } else {
            copy.set(name, value);
        }
        return new ChatRequest(model, copy, stream, includeUsage);
    }

    /** A copy whose messages start with the given system prompt unless the caller sent one. */
    public ChatRequest withDefaultSystemPrompt(String prompt) {
        if (prompt == null || prompt.isBlank()) {
            return this;
        }
        for (JsonNode m : messages()) {
            String role = m.path("role").asText();
            if (role.equals("system") || role.equals("developer")) {
                return this;
            }
        }
        ObjectNode copy = body.deepCopy();
        ArrayNode msgs = copy.putArray("messages");
        msgs.addObject().put("role", "system").put("content", prompt);
        messages().forEach(msgs::add);
        return new ChatRequest(model, copy, stream, includeUsage);
    }
}

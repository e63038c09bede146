package dev.switchboard.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * An Anthropic-shaped request served by Anthropic: the caller's body goes out as it came, except where the
 * pipeline changed the canonical request (a rule set {@code temperature}, the conversation was fitted, a model
 * default filled {@code max_tokens}): those fields are taken from the canonical request's translation. What
 * changed is found by comparing the canonical request with the caller's body read as canonical
 * ({@link AnthropicMapper#fromAnthropicRequest}), field by field. Pure functions; inputs are never modified.
 */
public final class AnthropicPassThrough {
    /**
     * Request fields {@link AnthropicMapper#fromAnthropicRequest} carries into the canonical request: the others
     * ({@code thinking}, {@code top_k}, {@code mcp_servers}, {@code service_tier}, {@code container}...) cannot go
     * to another provider.
     */
    private static final Set<String> CANONICAL_FIELDS = Set.of("model", "messages", "system", "max_tokens", "temperature",
            "top_p", "stop_sequences", "stream", "tools", "tool_choice", "metadata");
    /** Message content blocks the canonical request carries; the others (thinking, server-tool blocks...) it drops. */
    private static final Set<String> CANONICAL_BLOCKS = Set.of("text", "image", "tool_use", "tool_result");

    /** Canonical field → the Anthropic field it becomes, for the parameters a rule or a model default may change. */
    private static final List<String[]> PARAMETERS = List.of(
            new String[] {"temperature", "temperature"}, new String[] {"top_p", "top_p"}, new String[] {"stop", "stop_sequences"},
            new String[] {"max_tokens", "max_tokens"}, new String[] {"max_completion_tokens", "max_tokens"},
            new String[] {"tool_choice", "tool_choice"}, new String[] {"parallel_tool_calls", "tool_choice"});

    private AnthropicPassThrough() {
    }

    /** The Messages request to send for a caller's Messages request and the canonical request the pipeline made of it. */
    public static ObjectNode request(JsonNode callerBody, ObjectNode canonical, String upstreamModel, int defaultMaxTokens) {
        ObjectNode received = AnthropicMapper.fromAnthropicRequest(callerBody);
        ObjectNode translated = AnthropicMapper.toAnthropicRequest(canonical, upstreamModel, defaultMaxTokens);
        ObjectNode out = ((ObjectNode) callerBody).deepCopy();
        out.put("model", upstreamModel);
        if (!Json.sameField(canonical, received, "messages")) {
            out.set("messages", translated.get("messages"));
            Json.setOrRemove(out, "system", translated.get("system"));
        }
        for (String[] p : PARAMETERS) {
            if (!Json.sameField(canonical, received, p[0])) {
                Json.setOrRemove(out, p[1], translated.get(p[1]));
            }
        }
        if (!Json.sameField(canonical, received, "tools")) {
            ArrayNode tools = translated.has("tools") ? (ArrayNode) translated.get("tools") : Json.MAPPER.createArrayNode();
            for (JsonNode tool : callerBody.path("tools")) {
                if (!tool.has("input_schema")) {
                    tools.add(tool); // server tools (web search, code execution, MCP toolsets): Anthropic runs them
                }
            }
            Json.setOrRemove(out, "tools", tools.isEmpty() ? null : tools);
        }
        return out;
    }

    /**
     * What of a Messages request another provider cannot be given, by name: Anthropic-only parameters, server
     * tools ({@code server_tools}) and history blocks the canonical request has no place for
     * ({@code thinking_blocks}, {@code <type>_blocks}). Empty when the request translates whole.
     */
    public static List<String> untranslatable(JsonNode callerBody) {
        Set<String> names = new TreeSet<>();
        callerBody.fieldNames().forEachRemaining(f -> {
            if (!CANONICAL_FIELDS.contains(f)) {
                names.add(f);
            }
        });
        JsonNode metadata = callerBody.get("metadata");
        if (metadata != null && metadata.isObject()) {
            metadata.fieldNames().forEachRemaining(f -> {
                if (!f.equals("user_id")) {
                    names.add("metadata." + f);
                }
            });
        }
        for (JsonNode tool : callerBody.path("tools")) {
            if (!tool.has("input_schema")) {
                names.add("server_tools");
            }
        }
        for (JsonNode message : callerBody.path("messages")) {
            for (JsonNode block : message.path("content")) {
                String type = block.path("type").asText("");
                if (!type.isEmpty() && !CANONICAL_BLOCKS.contains(type)) {
                    names.add(type.equals("redacted_thinking") ? "thinking_blocks" : type + "_blocks");
                }
            }
        }
        return new ArrayList<>(names);
    }
}

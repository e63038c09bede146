package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import java.util.List;

/**
 * A Responses request served by a provider that speaks the Responses API itself (OpenAI): the caller's body goes
 * out as it came, except where the pipeline changed the canonical request (a rule set {@code temperature}, the
 * conversation was fitted, a model default filled {@code max_tokens}): those fields are taken from the canonical
 * request, written back in Responses terms. What changed is found by comparing the canonical request with the
 * caller's body read as canonical ({@link ResponsesRequest#toChat}), field by field. The gateway keeps the
 * conversation itself ({@code previous_response_id} is resolved into the input before the call, see
 * {@link #resolve}), so the provider is asked not to store it. Pure functions; inputs are never modified.
 */
public final class ResponsesPassThrough {
    /** Canonical field → the Responses field it becomes, for the parameters a rule or a model default may change. */
    private static final List<String[]> PARAMETERS = List.of(
            new String[] {"temperature", "temperature"}, new String[] {"top_p", "top_p"},
            new String[] {"max_tokens", "max_output_tokens"}, new String[] {"max_completion_tokens", "max_output_tokens"},
            new String[] {"parallel_tool_calls", "parallel_tool_calls"}, new String[] {"user", "user"});

    private ResponsesPassThrough() {
    }

    /**
     * The caller's body with its {@code previous_response_id} resolved: the stored conversation, as input items,
     * before the caller's input. What a provider of the Responses API is sent (after {@link #request}).
     */
    public static ObjectNode resolve(ObjectNode callerBody, ArrayNode storedConversation) {
        ObjectNode out = callerBody.deepCopy();
        out.remove("previous_response_id");
        if (storedConversation.isEmpty()) {
            return out;
        }
        ArrayNode input = items(storedConversation);
        JsonNode own = callerBody.get("input");
        if (own != null && own.isTextual()) {
            input.addObject().put("role", "user").put("content", own.asText());
        } else if (own != null && own.isArray()) {
            input.addAll((ArrayNode) own);
        }
        out.set("input", input);
        return out;
    }

    /** The Responses request to send for a (resolved) caller's body and the canonical request the pipeline made of it. */
    public static ObjectNode request(ObjectNode callerBody, ObjectNode canonical, String upstreamModel) {
        ObjectNode received = ResponsesRequest.toChat(callerBody, ResponsesRequest.inputMessages(callerBody));
        ObjectNode out = callerBody.deepCopy();
        out.put("model", upstreamModel);
        out.put("store", false); // the gateway stores the conversation; the provider need not keep a copy
        if (!Json.sameField(canonical, received, "messages")) {
            out.remove("instructions"); // the fitted conversation's system message carries them
            out.set("input", items((ArrayNode) canonical.get("messages")));
        }
        for (String[] p : PARAMETERS) {
            if (!Json.sameField(canonical, received, p[0])) {
                Json.setOrRemove(out, p[1], canonical.get(p[0]));
            }
        }
        if (!Json.sameField(canonical, received, "reasoning_effort")) {
            if (canonical.path("reasoning_effort").isTextual()) {
                ObjectNode reasoning = out.path("reasoning").isObject() ? (ObjectNode) out.get("reasoning") : out.putObject("reasoning");
                reasoning.set("effort", canonical.get("reasoning_effort"));
            } else if (out.path("reasoning").isObject()) {
                ((ObjectNode) out.get("reasoning")).remove("effort");
            }
        }
        if (!Json.sameField(canonical, received, "tool_choice")) {
            Json.setOrRemove(out, "tool_choice", toolChoice(canonical.get("tool_choice")));
        }
        if (!Json.sameField(canonical, received, "tools")) {
            Json.setOrRemove(out, "tools", tools(canonical.get("tools")));
        }
        return out;
    }

    /** Chat messages as Responses input items: messages with input parts, function calls and their outputs. */
    static ArrayNode items(ArrayNode messages) {
        ArrayNode items = Json.MAPPER.createArrayNode();
        for (JsonNode m : messages) {
            String role = m.path("role").asText("");
            switch (role) {
                case "tool" -> items.addObject().put("type", "function_call_output")
                        .put("call_id", m.path("tool_call_id").asText("")).put("output", text(m.get("content")));
                case "assistant" -> {
                    String text = text(m.get("content"));
                    if (!text.isEmpty()) {
                        items.addObject().put("role", "assistant").put("content", text);
                    }
                    for (JsonNode tc : m.path("tool_calls")) {
                        items.addObject().put("type", "function_call").put("call_id", tc.path("id").asText(""))
                                .put("name", tc.path("function").path("name").asText(""))
                                .put("arguments", tc.path("function").path("arguments").asText("{}"));
                    }
                }
                default -> {
                    ObjectNode item = items.addObject().put("role", role);
                    JsonNode content = m.get("content");
                    item.set("content", content != null && content.isArray() ? inputParts(content) : Json.MAPPER.getNodeFactory().textNode(text(content)));
                }
            }
        }
        return items;
    }

    private static ArrayNode inputParts(JsonNode parts) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (JsonNode part : parts) {
            if (part.path("type").asText().equals("image_url")) {
                ObjectNode image = out.addObject().put("type", "input_image").put("image_url", part.path("image_url").path("url").asText(""));
                if (part.path("image_url").path("detail").isTextual()) {
                    image.set("detail", part.path("image_url").get("detail"));
                }
            } else {
                out.addObject().put("type", "input_text").put("text", part.path("text").asText(""));
            }
        }
        return out;
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(p -> sb.append(p.path("text").asText("")));
        return sb.toString();
    }

    /** Chat tools back in Responses form: function tools flattened; hosted tools are kept as the caller sent them. */
    private static ArrayNode tools(JsonNode chatTools) {
        if (chatTools == null || !chatTools.isArray() || chatTools.isEmpty()) {
            return null;
        }
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (JsonNode tool : chatTools) {
            if (!tool.path("type").asText().equals("function") || !tool.has("function")) {
                out.add(tool);
                continue;
            }
            ObjectNode t = out.addObject().put("type", "function");
            tool.get("function").fields().forEachRemaining(e -> t.set(e.getKey(), e.getValue()));
        }
        return out;
    }

    private static JsonNode toolChoice(JsonNode chatChoice) {
        if (chatChoice != null && chatChoice.path("function").path("name").isTextual()) {
            return Json.MAPPER.createObjectNode().put("type", "function").put("name", chatChoice.path("function").path("name").asText());
        }
        return chatChoice;
    }
}

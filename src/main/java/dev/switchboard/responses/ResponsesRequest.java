package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.providers.Json;
import java.util.Set;

/**
 * OpenAI's Responses API request ({@code POST /v1/responses}) as the canonical chat body: {@code instructions}
 * become the system message, {@code input} (a string or items) the messages after the stored conversation of
 * {@code previous_response_id}, function tools and {@code text.format} their chat counterparts. What the gateway
 * cannot serve through chat completions (background runs, file ids) is refused 400 naming the {@code param}, never
 * dropped silently; hosted tools stay in the canonical tools as sent, for OpenAI, and are refused for other
 * providers ({@link #refuseHostedTools}). Pure functions; inputs are never modified.
 */
public final class ResponsesRequest {
    /** Input item types the gateway serves; every other one is refused by name. */
    private static final Set<String> MESSAGE_ROLES = Set.of("user", "assistant", "system", "developer");
    /** Scalar parameters with the same name and meaning in chat completions. */
    private static final Set<String> SAME_NAME = Set.of("temperature", "top_p", "parallel_tool_calls", "stream");

    private ResponsesRequest() {
    }

    /**
     * The messages of {@code input} in chat-completions form, without the instructions: what a later
     * {@code previous_response_id} continues from (with the answer appended).
     */
    public static ArrayNode inputMessages(JsonNode body) {
        JsonNode input = body.get("input");
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (input == null || input.isNull()) {
            throw GatewayError.badRequest("input", "'input' is required: a string or an array of input items");
        }
        if (input.isTextual()) {
            out.addObject().put("role", "user").put("content", input.asText());
            return out;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayError.badRequest("input", "'input' must be a string or a non-empty array of input items");
        }
        for (int i = 0; i < input.size(); i++) {
            item(input.get(i), "input[" + i + "]", out);
        }
        return out;
    }

    /**
     * The canonical chat body: the system message of {@code instructions}, then {@code conversation} (the stored
     * turns and the new input), then the parameters.
     */
    public static ObjectNode toChat(JsonNode body, ArrayNode conversation) {
        ObjectNode chat = Json.MAPPER.createObjectNode();
        JsonNode model = body.get("model");
        if (model != null && !model.isNull()) {
            chat.set("model", model);
        }
        ArrayNode messages = chat.putArray("messages");
        JsonNode instructions = body.get("instructions");
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isTextual()) {
                throw GatewayError.badRequest("instructions", "'instructions' must be a string");
            }
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        messages.addAll(conversation);
        for (String name : SAME_NAME) {
            if (body.hasNonNull(name)) {
                chat.set(name, body.get(name));
            }
        }
        if (body.hasNonNull("max_output_tokens")) {
            JsonNode max = body.get("max_output_tokens");
            // Checked under the caller's own name: the chat check after translation would name max_tokens.
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
                throw GatewayError.badRequest("max_output_tokens",
                        "'max_output_tokens' must be an integer from 1 to 2147483647, got " + max);
            }
            chat.set("max_tokens", max);
        }
        if (body.path("stream").asBoolean(false)) {
            // response.completed carries the usage whether or not the caller asked: ask the provider for it.
            chat.putObject("stream_options").put("include_usage", true);
        }
        JsonNode user = body.hasNonNull("safety_identifier") ? body.get("safety_identifier") : body.get("user");
        if (user != null && user.isTextual()) {
            chat.put("user", user.asText());
        }
        if (body.path("reasoning").path("effort").isTextual()) {
            chat.put("reasoning_effort", body.path("reasoning").path("effort").asText());
        }
        if (body.path("background").asBoolean(false)) {
            throw GatewayError.badRequest("background", "'background' responses are not served by this gateway; send the request without it");
        }
        tools(body.get("tools"), chat);
        toolChoice(body.get("tool_choice"), chat);
        format(body.path("text").get("format"), chat);
        return chat;
    }

    // ------------------------------------------------------------------------------------------ input items

    private static void item(JsonNode item, String where, ArrayNode out) {
        if (!item.isObject()) {
            throw GatewayError.badRequest(where, where + " must be an object (a message or an item with a 'type')");
        }
        String type = item.path("type").asText(item.has("role") ? "message" : "");
        switch (type) {
            case "message" -> message(item, where, out);
            case "function_call" -> functionCall(item, where, out);
            case "function_call_output" -> functionCallOutput(item, where, out);
            case "reasoning" -> { } // a model's own reasoning: providers behind chat completions take none back
            default -> throw GatewayError.badRequest(where + ".type", where + ".type '" + type + "' is not served by this gateway; "
                    + "send messages, function_call and function_call_output items");
        }
    }

    private static void message(JsonNode item, String where, ArrayNode out) {
        String role = item.path("role").asText("");
        if (!MESSAGE_ROLES.contains(role)) {
            throw GatewayError.badRequest(where + ".role", where + ".role must be one of " + MESSAGE_ROLES.stream().sorted().toList()
                    + ", got " + item.get("role"));
        }
        JsonNode content = item.get("content");
        ObjectNode message = Json.MAPPER.createObjectNode().put("role", role);
        if (content != null && content.isTextual()) {
            message.put("content", content.asText());
        } else if (content != null && content.isArray()) {
            message.set("content", parts(content, where + ".content", role.equals("assistant")));
        } else {
            throw GatewayError.badRequest(where + ".content", where + ".content must be a string or an array of content parts");
        }
        out.add(message);
    }

    /** Content parts as chat parts; an assistant's output text is plain text again (chat takes only text from it). */
    private static JsonNode parts(JsonNode content, String where, boolean assistant) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            switch (type) {
                case "input_text", "output_text", "text" -> {
                    parts.addObject().put("type", "text").put("text", part.path("text").asText(""));
                    text.append(part.path("text").asText(""));
                }
                case "refusal" -> text.append(part.path("refusal").asText(""));
                case "input_image" -> {
                    if (!part.path("image_url").isTextual()) {
                        throw GatewayError.badRequest(where + "[" + i + "].image_url", where + "[" + i
                                + "]: images are served by URL or data URL ('image_url'); file ids are not");
                    }
                    ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", part.get("image_url").asText());
                    if (part.path("detail").isTextual()) {
                        image.put("detail", part.get("detail").asText());
                    }
                }
                default -> throw GatewayError.badRequest(where + "[" + i + "].type", where + "[" + i + "].type '" + type
                        + "' is not served by this gateway; send input_text or input_image parts");
            }
        }
        return assistant ? Json.MAPPER.getNodeFactory().textNode(text.toString()) : parts;
    }

    /** Calls go on the assistant turn before them (chat holds a turn's text and calls in one message). */
    private static void functionCall(JsonNode item, String where, ArrayNode out) {
        String callId = required(item, "call_id", where);
        String name = required(item, "name", where);
        ObjectNode call = Json.MAPPER.createObjectNode().put("id", callId).put("type", "function");
        call.putObject("function").put("name", name).put("arguments", item.path("arguments").asText("{}"));
        JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
        ObjectNode assistant;
        if (last != null && last.path("role").asText().equals("assistant")) {
            assistant = (ObjectNode) last;
        } else {
            assistant = out.addObject().put("role", "assistant").putNull("content");
        }
        ArrayNode calls = assistant.has("tool_calls") ? (ArrayNode) assistant.get("tool_calls") : assistant.putArray("tool_calls");
        calls.add(call);
    }

    private static void functionCallOutput(JsonNode item, String where, ArrayNode out) {
        String callId = required(item, "call_id", where);
        JsonNode output = item.get("output");
        String text;
        if (output != null && output.isTextual()) {
            text = output.asText();
        } else if (output != null && output.isArray()) {
            StringBuilder sb = new StringBuilder();
            output.forEach(p -> sb.append(p.path("text").asText("")));
            text = sb.toString();
        } else {
            throw GatewayError.badRequest(where + ".output", where + ".output must be a string");
        }
        out.addObject().put("role", "tool").put("tool_call_id", callId).put("content", text);
    }

    private static String required(JsonNode item, String field, String where) {
        JsonNode v = item.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw GatewayError.badRequest(where + "." + field, where + "." + field + " is required (a string)");
        }
        return v.asText();
    }

    // ------------------------------------------------------------------------------------------ parameters

    /** Function tools as chat tools; hosted tools (web search, file search, code interpreter...) as they are. */
    private static void tools(JsonNode tools, ObjectNode chat) {
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw GatewayError.badRequest("tools", "'tools' must be an array");
        }
        if (tools.isEmpty()) {
            return;
        }
        ArrayNode out = chat.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String type = tool.path("type").asText("");
            if (!type.equals("function")) {
                out.add(tool); // a hosted tool: only a provider of the Responses API takes it (see refuseHostedTools)
                continue;
            }
            ObjectNode function = out.addObject().put("type", "function").putObject("function")
                    .put("name", required(tool, "name", "tools[" + i + "]"));
            for (String field : new String[] {"description", "parameters", "strict"}) {
                if (tool.hasNonNull(field)) {
                    function.set(field, tool.get(field));
                }
            }
        }
    }

    /**
     * For a provider served through chat completions: a hosted tool (web search, file search, code interpreter...)
     * runs at OpenAI alone, so a request with one is refused 400 naming it, never served without it.
     */
    public static void refuseHostedTools(ObjectNode chat) {
        JsonNode tools = chat.path("tools");
        for (int i = 0; i < tools.size(); i++) {
            String type = tools.get(i).path("type").asText("");
            if (!type.equals("function")) {
                throw GatewayError.badRequest("tools[" + i + "].type", "tools[" + i + "].type '" + type
                        + "' is served only by OpenAI models (hosted tools run at OpenAI); this request was routed to another provider");
            }
        }
    }

    private static void toolChoice(JsonNode choice, ObjectNode chat) {
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            chat.set("tool_choice", choice);
            return;
        }
        if (choice.path("type").asText("").equals("function") && choice.path("name").isTextual()) {
            chat.putObject("tool_choice").put("type", "function").putObject("function").put("name", choice.get("name").asText());
            return;
        }
        throw GatewayError.badRequest("tool_choice", "'tool_choice' must be 'auto', 'none', 'required' or {\"type\":\"function\",\"name\":...}");
    }

    /** {@code text.format}: json_schema and json_object become chat's {@code response_format}; text is the default. */
    private static void format(JsonNode format, ObjectNode chat) {
        if (format == null || format.isNull()) {
            return;
        }
        switch (format.path("type").asText("")) {
            case "text" -> { }
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                if (!format.path("schema").isObject()) {
                    throw GatewayError.badRequest("text.format.schema", "text.format.schema is required for json_schema (a JSON Schema object)");
                }
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                schema.put("name", format.path("name").asText("response"));
                for (String field : new String[] {"description", "schema", "strict"}) {
                    if (format.hasNonNull(field)) {
                        schema.set(field, format.get(field));
                    }
                }
            }
            default -> throw GatewayError.badRequest("text.format.type", "text.format.type must be 'text', 'json_object' or 'json_schema', got "
                    + format.get("type"));
        }
    }
}

package dev.switchboard.providers.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * Pure translation between OpenAI's chat shape (the canonical one) and Ollama's native {@code /api} shapes
 * (shared/providers/ollama.md). Internal to {@link OllamaAdapter}; every method is a static {@code toX}/{@code fromX}.
 */
final class OllamaMapper {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** What a data URL carries before its base64 payload: {@code data:image/png;base64,<payload>}. */
    private static final String BASE64_MARKER = ";base64,";

    private OllamaMapper() {
    }

    // ---------------------------------------------------------------- requests

    /** The {@code /api/chat} body. {@code stream} is always written: Ollama streams when it is missing. */
    static ObjectNode toChatBody(ChatRequest request, String model) {
        ObjectNode openAi = request.body();
        ObjectNode body = NODES.objectNode();
        body.put("model", model);
        body.put("stream", request.stream());
        body.set("messages", toMessages(request.messages()));
        ObjectNode options = toOptions(openAi);
        if (!options.isEmpty()) {
            body.set("options", options);
        }
        // Ollama has no tool_choice; "none" is honoured the only way it can be, by not offering the tools.
        if (request.hasTools() && !"none".equals(openAi.path("tool_choice").asText())) {
            body.set("tools", openAi.get("tools").deepCopy());
        }
        JsonNode format = toFormat(openAi.get("response_format"));
        if (format != null) {
            body.set("format", format);
        }
        return body;
    }

    static ArrayNode toMessages(ArrayNode messages) {
        ArrayNode out = NODES.arrayNode();
        // Ollama names the tool a result belongs to; OpenAI only gives the call id, so remember who was called.
        Map<String, String> toolNameById = new HashMap<>();
        for (JsonNode message : messages) {
            ObjectNode ollama = out.addObject();
            String role = message.path("role").asText("user");
            ollama.put("role", toRole(role));
            ArrayNode images = NODES.arrayNode();
            ollama.put("content", toText(message.get("content"), images));
            if (!images.isEmpty()) {
                ollama.set("images", images);
            }
            String reasoning = message.path("reasoning_content").asText("");
            if (!reasoning.isEmpty()) {
                ollama.put("thinking", reasoning);
            }
            JsonNode calls = message.path("tool_calls");
            if (calls.isArray() && !calls.isEmpty()) {
                ArrayNode toolCalls = ollama.putArray("tool_calls");
                for (JsonNode call : calls) {
                    String name = call.path("function").path("name").asText();
                    ObjectNode ollamaCall = toolCalls.addObject();
                    if (call.hasNonNull("id")) {
                        ollamaCall.put("id", call.get("id").asText());
                        toolNameById.put(call.get("id").asText(), name);
                    }
                    ollamaCall.putObject("function").put("name", name)
                            .set("arguments", toArgumentsObject(call.path("function").get("arguments"), name));
                }
            }
            if (role.equals("tool") || role.equals("function")) {
                String callId = message.path("tool_call_id").asText(null);
                String name = callId == null ? null : toolNameById.get(callId);
                if (name == null) {
                    name = message.path("name").asText(null);
                }
                if (name != null) {
                    ollama.put("tool_name", name);
                }
                if (callId != null) {
                    ollama.put("tool_call_id", callId); // read by newer servers, ignored by older ones
                }
            }
        }
        return out;
    }

    private static String toRole(String role) {
        return switch (role) {
            case "developer" -> "system";
            case "function" -> "tool";
            default -> role;
        };
    }

    /** The message text; image parts go to {@code images} as bare base64, which is all Ollama accepts. */
    private static String toText(JsonNode content, ArrayNode images) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if (type.equals("text")) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(part.path("text").asText(""));
            } else if (type.equals("image_url")) {
                JsonNode image = part.path("image_url");
                String url = image.isTextual() ? image.asText() : image.path("url").asText("");
                int marker = url.indexOf(BASE64_MARKER);
                if (!url.startsWith("data:") || marker < 0) {
                    throw new ProviderFailure(FailureClass.BAD_REQUEST,
                            "Ollama takes images only as base64 data URLs (data:image/...;base64,...), not links");
                }
                images.add(url.substring(marker + BASE64_MARKER.length()));
            } else {
                throw new ProviderFailure(FailureClass.BAD_REQUEST,
                        "Ollama takes text and image parts only; this message has a '" + type + "' part");
            }
        }
        return text.toString();
    }

    /** OpenAI sends arguments as a JSON string; Ollama wants the object itself. */
    private static JsonNode toArgumentsObject(JsonNode arguments, String tool) {
        if (arguments == null || arguments.isNull()) {
            return NODES.objectNode();
        }
        if (arguments.isObject()) {
            return arguments.deepCopy();
        }
        String text = arguments.asText("");
        if (text.isBlank()) {
            return NODES.objectNode();
        }
        try {
            JsonNode parsed = Json.MAPPER.readTree(text);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException notJson) {
            // reported below
        }
        throw new ProviderFailure(FailureClass.BAD_REQUEST,
                "the arguments of the earlier call to tool '" + tool + "' are not a JSON object, which Ollama requires");
    }

    /** Sampling parameters live in {@code options} on Ollama; only those the caller set are sent. */
    static ObjectNode toOptions(ObjectNode openAi) {
        ObjectNode options = NODES.objectNode();
        copy(openAi, "temperature", options, "temperature");
        copy(openAi, "top_p", options, "top_p");
        copy(openAi, openAi.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                options, "num_predict");
        copy(openAi, "seed", options, "seed");
        copy(openAi, "presence_penalty", options, "presence_penalty");
        copy(openAi, "frequency_penalty", options, "frequency_penalty");
        JsonNode stop = openAi.get("stop");
        if (stop != null && stop.isTextual()) {
            options.putArray("stop").add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            options.set("stop", stop.deepCopy());
        }
        return options;
    }

    private static void copy(ObjectNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) {
            to.set(as, value.deepCopy());
        }
    }

    /** {@code "json"} for json_object, the schema itself for json_schema, null for text. */
    static JsonNode toFormat(JsonNode responseFormat) {
        if (responseFormat == null || !responseFormat.isObject()) {
            return null;
        }
        return switch (responseFormat.path("type").asText("")) {
            case "json_object" -> NODES.textNode("json");
            case "json_schema" -> {
                JsonNode schema = responseFormat.path("json_schema").get("schema");
                yield schema != null && schema.isObject() ? schema.deepCopy() : NODES.textNode("json");
            }
            default -> null;
        };
    }

    /** The {@code /api/embed} body: text only (Ollama takes no token arrays). */
    static ObjectNode toEmbedBody(ObjectNode openAi, String model) {
        JsonNode input = openAi.get("input");
        boolean text = input != null && (input.isTextual() || input.isArray() && !input.isEmpty()
                && StreamSupport.stream(input.spliterator(), false).allMatch(JsonNode::isTextual));
        if (!text) {
            throw new ProviderFailure(FailureClass.BAD_REQUEST,
                    "Ollama embeds text only: send 'input' as a string or a list of strings");
        }
        ObjectNode body = NODES.objectNode();
        body.put("model", model);
        body.set("input", input.deepCopy());
        copy(openAi, "dimensions", body, "dimensions");
        return body;
    }

    // ---------------------------------------------------------------- answers

    /** A whole {@code /api/chat} answer as OpenAI's {@code chat.completion}. */
    static ObjectNode fromChatBody(JsonNode ollama, String id) {
        JsonNode message = ollama.path("message");
        ArrayNode toolCalls = toOpenAiToolCalls(message.path("tool_calls"), 0, false);
        String content = message.path("content").asText("");
        ObjectNode openAiMessage = NODES.objectNode().put("role", "assistant");
        if (content.isEmpty() && !toolCalls.isEmpty()) {
            openAiMessage.putNull("content"); // as OpenAI answers a pure tool call
        } else {
            openAiMessage.put("content", content);
        }
        String thinking = message.path("thinking").asText("");
        if (!thinking.isEmpty()) {
            openAiMessage.put("reasoning_content", thinking);
        }
        if (!toolCalls.isEmpty()) {
            openAiMessage.set("tool_calls", toolCalls);
        }
        ObjectNode choice = NODES.objectNode().put("index", 0);
        choice.set("message", openAiMessage);
        choice.put("finish_reason", toFinishReason(ollama.path("done_reason").asText(null), !toolCalls.isEmpty()));
        ObjectNode completion = NODES.objectNode().put("id", id).put("object", "chat.completion")
                .put("created", created(ollama)).put("model", ollama.path("model").asText(""));
        completion.putArray("choices").add(choice);
        completion.set("usage", toUsageNode(toUsage(ollama)));
        return completion;
    }

    /**
     * Ollama's tool calls, whose {@code arguments} is an object, as OpenAI's, whose {@code arguments} is a JSON
     * string. Ollama may give no id; one is made up from the call's position in the answer ({@code call_<i>}),
     * so a caller can send the result back. Stream deltas also carry the {@code index}.
     */
    static ArrayNode toOpenAiToolCalls(JsonNode ollamaCalls, int firstIndex, boolean withIndex) {
        ArrayNode out = NODES.arrayNode();
        if (!ollamaCalls.isArray()) {
            return out;
        }
        int index = firstIndex;
        for (JsonNode call : ollamaCalls) {
            ObjectNode openAi = out.addObject();
            if (withIndex) {
                openAi.put("index", index);
            }
            String id = call.path("id").asText("");
            openAi.put("id", id.isBlank() ? "call_" + index : id);
            openAi.put("type", "function");
            JsonNode arguments = call.path("function").path("arguments");
            openAi.putObject("function").put("name", call.path("function").path("name").asText(""))
                    .put("arguments", arguments.isTextual() ? arguments.asText()
                            : arguments.isMissingNode() || arguments.isNull() ? "{}" : arguments.toString());
            index++;
        }
        return out;
    }

    /**
     * Ollama ends with {@code stop} even after a tool call (it has no tool finish reason), so the calls decide.
     * {@code load}/{@code unload} and anything new end normally.
     */
    static String toFinishReason(String doneReason, boolean toolCalls) {
        if (toolCalls) {
            return "tool_calls";
        }
        return "length".equals(doneReason) ? "length" : "stop";
    }

    /** {@code prompt_eval_count} and {@code eval_count}; both are left out of the body when zero. */
    static Usage toUsage(JsonNode ollama) {
        return Usage.of(ollama.path("prompt_eval_count").asInt(0), ollama.path("eval_count").asInt(0));
    }

    static ObjectNode toUsageNode(Usage usage) {
        return NODES.objectNode().put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens()).put("total_tokens", usage.totalTokens());
    }

    /** {@code created_at} (RFC 3339, nanoseconds, any offset) as Unix seconds; now when missing or odd. */
    static long created(JsonNode ollama) {
        String createdAt = ollama.path("created_at").asText("");
        try {
            return OffsetDateTime.parse(createdAt).toEpochSecond();
        } catch (DateTimeParseException e) {
            return System.currentTimeMillis() / 1000;
        }
    }

    /** {@code /api/embed}'s {@code embeddings} as OpenAI's list, with the prompt tokens as its usage. */
    static ObjectNode fromEmbedBody(JsonNode ollama) {
        ObjectNode list = NODES.objectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        int index = 0;
        for (JsonNode vector : ollama.path("embeddings")) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", index++);
            item.set("embedding", vector.deepCopy());
        }
        list.put("model", ollama.path("model").asText(""));
        int tokens = ollama.path("prompt_eval_count").asInt(0);
        list.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return list;
    }

    /** Each vector as OpenAI's base64 form: little-endian float32s, base64-encoded. */
    static void toBase64Embeddings(ObjectNode list) {
        for (JsonNode item : list.path("data")) {
            JsonNode vector = item.path("embedding");
            ByteBuffer bytes = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            vector.forEach(value -> bytes.putFloat(value.floatValue()));
            ((ObjectNode) item).put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
        }
    }
}

package dev.switchboard.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Pure translation between OpenAI's chat-completions / embeddings shapes (Switchboard's canonical format) and
 * Gemini's native generateContent / batchEmbedContents shapes, on Jackson trees. No I/O and no state: every
 * method is a function of its arguments (plus the clock for {@code created}). Wire reference:
 * /work/shared/providers/gemini.md, https://ai.google.dev/api/generate-content.
 */
public final class GeminiMapper {

    /** Gemini finish reasons that mean "a filter stopped the answer": a content_filter failure, not a success. */
    public static final Set<String> FILTER_FINISH_REASONS = Set.of(
            "SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "LANGUAGE",
            "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION");

    /** Where Google's own OpenAI-compatible endpoint puts a function call's thought signature; we do the same. */
    static final String THOUGHT_SIGNATURE_POINTER = "/extra_content/google/thought_signature";

    /** Mime types by file extension, for http image URLs: Gemini's fileData must name one. */
    private static final Map<String, String> MIME_BY_EXTENSION = Map.ofEntries(
            Map.entry("png", "image/png"), Map.entry("jpg", "image/jpeg"), Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"), Map.entry("webp", "image/webp"), Map.entry("heic", "image/heic"),
            Map.entry("heif", "image/heif"), Map.entry("pdf", "application/pdf"), Map.entry("mp3", "audio/mp3"),
            Map.entry("wav", "audio/wav"), Map.entry("mp4", "video/mp4"), Map.entry("mov", "video/mov"),
            Map.entry("webm", "video/webm"), Map.entry("txt", "text/plain"));
    /** An {@code image_url} without a known extension is still an image; JPEG is the commonest. */
    private static final String DEFAULT_IMAGE_MIME = "image/jpeg";

    /** Gemini reports no tokens for embeddings; we estimate about four characters per token, like OpenAI's rule of thumb. */
    private static final int CHARS_PER_TOKEN = 4;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private GeminiMapper() {
    }

    // ---------------------------------------------------------------- chat request

    /**
     * An OpenAI chat body as a GenerateContentRequest. The model goes in the URL, not the body, and OpenAI-only
     * fields (model, stream, stream_options, user, metadata...) are dropped: Gemini rejects unknown fields.
     * Throws a BAD_REQUEST failure for what no provider could make sense of (a tool result answering no call).
     */
    public static ObjectNode toGenerateContent(ObjectNode openAi) {
        ObjectNode out = NODES.objectNode();
        ArrayNode systemParts = NODES.arrayNode();
        ArrayNode contents = NODES.arrayNode();
        // OpenAI tool messages name only the call id; Gemini's functionResponse needs the function name.
        // Later assistant turns overwrite earlier ids, because we generate ids that repeat per answer (call_0...).
        Map<String, String> toolNames = new HashMap<>();

        for (JsonNode message : openAi.path("messages")) {
            String role = message.path("role").asText("");
            switch (role) {
                case "system", "developer" -> texts(message.path("content")).stream().filter(t -> !t.isEmpty())
                        .forEach(t -> systemParts.addObject().put("text", t));
                case "user" -> addTurn(contents, "user", contentParts(message.path("content")));
                case "assistant" -> addTurn(contents, "model", assistantParts(message, toolNames));
                case "tool", "function" -> addTurn(contents, "user", List.of(functionResponse(message, toolNames)));
                default -> throw badRequest("message role '" + role + "' cannot be sent to Gemini; use system, developer, "
                        + "user, assistant or tool");
            }
        }
        if (!systemParts.isEmpty()) {
            out.putObject("systemInstruction").set("parts", systemParts);
        }
        out.set("contents", contents);

        ArrayNode declarations = functionDeclarations(openAi.path("tools"));
        if (!declarations.isEmpty()) {
            out.putArray("tools").addObject().set("functionDeclarations", declarations);
            ObjectNode callingConfig = functionCallingConfig(openAi.get("tool_choice"));
            if (callingConfig != null) {
                out.putObject("toolConfig").set("functionCallingConfig", callingConfig);
            }
        }
        ObjectNode generationConfig = generationConfig(openAi);
        if (!generationConfig.isEmpty()) {
            out.set("generationConfig", generationConfig);
        }
        return out;
    }

    /** Appends parts to the last turn when it has the same role: Gemini wants user and model turns to alternate. */
    private static void addTurn(ArrayNode contents, String role, List<ObjectNode> parts) {
        if (parts.isEmpty()) {
            return; // an empty assistant message; Gemini refuses a turn without parts
        }
        JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
        ArrayNode target;
        if (last != null && role.equals(last.path("role").asText())) {
            target = (ArrayNode) last.get("parts");
        } else {
            ObjectNode turn = contents.addObject().put("role", role);
            target = turn.putArray("parts");
        }
        parts.forEach(target::add);
    }

    private static List<ObjectNode> contentParts(JsonNode content) {
        List<ObjectNode> parts = new ArrayList<>();
        if (content.isTextual()) {
            parts.add(textPart(content.asText()));
            return parts;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> parts.add(textPart(part.path("text").asText("")));
                case "refusal" -> parts.add(textPart(part.path("refusal").asText("")));
                case "image_url" -> parts.add(urlPart(part.path("image_url").path("url").asText(""), DEFAULT_IMAGE_MIME));
                case "input_audio" -> {
                    ObjectNode inline = NODES.objectNode();
                    inline.putObject("inlineData")
                            .put("mimeType", "audio/" + part.path("input_audio").path("format").asText("wav"))
                            .put("data", part.path("input_audio").path("data").asText(""));
                    parts.add(inline);
                }
                case "file" -> parts.add(filePart(part.path("file")));
                default -> throw badRequest("content part type '" + type + "' cannot be sent to Gemini; use text, "
                        + "image_url, input_audio or file");
            }
        }
        return parts;
    }

    private static ObjectNode textPart(String text) {
        return NODES.objectNode().put("text", text);
    }

    /** A data: URL becomes inline bytes; any other URL is passed by reference with a mime type guessed from its name. */
    private static ObjectNode urlPart(String url, String defaultMime) {
        ObjectNode part = NODES.objectNode();
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            if (comma < 0) {
                throw badRequest("the data URL of a content part has no ',' before its data");
            }
            String meta = url.substring(5, comma);
            String payload = url.substring(comma + 1);
            boolean base64 = meta.endsWith(";base64");
            String mime = (base64 ? meta.substring(0, meta.length() - 7) : meta).split(";")[0];
            String data = base64 ? payload : Base64.getEncoder().encodeToString(
                    URLDecoder.decode(payload, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
            part.putObject("inlineData").put("mimeType", mime.isEmpty() ? defaultMime : mime).put("data", data);
        } else {
            part.putObject("fileData").put("mimeType", guessMime(url, defaultMime)).put("fileUri", url);
        }
        return part;
    }

    private static ObjectNode filePart(JsonNode file) {
        String data = file.path("file_data").asText("");
        if (data.isEmpty()) {
            throw badRequest("Gemini cannot read OpenAI file ids; send the file inline as 'file_data' (a data: URL)");
        }
        if (data.startsWith("data:")) {
            return urlPart(data, guessMime(file.path("filename").asText(""), "application/pdf"));
        }
        ObjectNode part = NODES.objectNode();
        part.putObject("inlineData").put("mimeType", guessMime(file.path("filename").asText(""), "application/pdf"))
                .put("data", data);
        return part;
    }

    static String guessMime(String urlOrName, String fallback) {
        String path = urlOrName.split("[?#]", 2)[0];
        int dot = path.lastIndexOf('.');
        if (dot < 0 || dot < path.lastIndexOf('/')) {
            return fallback;
        }
        return MIME_BY_EXTENSION.getOrDefault(path.substring(dot + 1).toLowerCase(Locale.ROOT), fallback);
    }

    private static List<ObjectNode> assistantParts(JsonNode message, Map<String, String> toolNames) {
        List<ObjectNode> parts = new ArrayList<>();
        JsonNode content = message.path("content");
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                parts.add(textPart(content.asText()));
            }
        } else if (content.isArray()) {
            parts.addAll(contentParts(content));
        }
        for (JsonNode call : message.path("tool_calls")) {
            String name = call.path("function").path("name").asText("");
            toolNames.put(call.path("id").asText(""), name);
            ObjectNode part = NODES.objectNode();
            part.putObject("functionCall").put("name", name).set("args", arguments(call));
            // Thinking models want their signature back on the call they made (gemini.md, "thoughtSignature").
            JsonNode signature = call.at(THOUGHT_SIGNATURE_POINTER);
            if (signature.isTextual()) {
                part.put("thoughtSignature", signature.asText());
            }
            parts.add(part);
        }
        return parts;
    }

    /** OpenAI's arguments are a JSON string; Gemini's args must be an object. */
    private static JsonNode arguments(JsonNode call) {
        JsonNode raw = call.path("function").path("arguments");
        if (raw.isObject()) {
            return raw;
        }
        String text = raw.asText("").trim();
        if (text.isEmpty()) {
            return NODES.objectNode();
        }
        JsonNode parsed = parseOrNull(text);
        if (parsed == null || !parsed.isObject()) {
            throw badRequest("the arguments of tool call '" + call.path("id").asText() + "' are not a JSON object; "
                    + "Gemini needs an object");
        }
        return parsed;
    }

    private static ObjectNode functionResponse(JsonNode message, Map<String, String> toolNames) {
        String name = message.path("role").asText().equals("function")
                ? message.path("name").asText("")
                : toolNames.get(message.path("tool_call_id").asText(""));
        if (name == null || name.isEmpty()) {
            name = message.path("name").asText("");
        }
        if (name.isEmpty()) {
            throw badRequest("tool message answers tool_call_id '" + message.path("tool_call_id").asText()
                    + "', which no earlier assistant message called; Gemini needs the function's name");
        }
        String text = String.join("", texts(message.path("content")));
        JsonNode parsed = parseOrNull(text);
        ObjectNode response;
        if (parsed != null && parsed.isObject()) {
            response = (ObjectNode) parsed;
        } else {
            // Gemini's response must be an object; plain text (or a JSON array/number) is wrapped.
            response = NODES.objectNode().put("content", text);
        }
        ObjectNode part = NODES.objectNode();
        part.putObject("functionResponse").put("name", name).set("response", response);
        return part;
    }

    /** The texts of a string content or of the text parts of an array content. */
    private static List<String> texts(JsonNode content) {
        List<String> texts = new ArrayList<>();
        if (content.isTextual()) {
            texts.add(content.asText());
        } else {
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    texts.add(part.get("text").asText());
                }
            }
        }
        return texts;
    }

    private static ArrayNode functionDeclarations(JsonNode tools) {
        ArrayNode declarations = NODES.arrayNode();
        for (JsonNode tool : tools) {
            if (!"function".equals(tool.path("type").asText("function"))) {
                throw badRequest("tool type '" + tool.path("type").asText() + "' cannot be sent to Gemini; only function tools");
            }
            JsonNode function = tool.path("function");
            ObjectNode declaration = declarations.addObject().put("name", function.path("name").asText(""));
            if (function.hasNonNull("description")) {
                declaration.put("description", function.get("description").asText());
            }
            if (function.path("parameters").isObject()) {
                // parametersJsonSchema takes JSON Schema as OpenAI callers write it (additionalProperties, $defs,
                // $ref...); the older "parameters" field is an OpenAPI subset that refuses those keys with a 400.
                declaration.set("parametersJsonSchema", function.get("parameters"));
            }
        }
        return declarations;
    }

    private static ObjectNode functionCallingConfig(JsonNode toolChoice) {
        if (toolChoice == null || toolChoice.isNull()) {
            return null;
        }
        ObjectNode config = NODES.objectNode();
        if (toolChoice.isTextual()) {
            switch (toolChoice.asText()) {
                case "auto" -> config.put("mode", "AUTO");
                case "none" -> config.put("mode", "NONE");
                case "required" -> config.put("mode", "ANY");
                default -> throw badRequest("tool_choice '" + toolChoice.asText() + "' is not auto, none, required or a function");
            }
            return config;
        }
        String name = toolChoice.path("function").path("name").asText("");
        if (name.isEmpty()) {
            throw badRequest("tool_choice names no function; use {\"type\":\"function\",\"function\":{\"name\":...}}");
        }
        config.put("mode", "ANY").putArray("allowedFunctionNames").add(name);
        return config;
    }

    private static ObjectNode generationConfig(ObjectNode openAi) {
        ObjectNode config = NODES.objectNode();
        copyNumber(openAi, "temperature", config, "temperature");
        copyNumber(openAi, "top_p", config, "topP");
        // max_completion_tokens replaced max_tokens in OpenAI's API; prefer it when both are sent.
        copyNumber(openAi, openAi.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                config, "maxOutputTokens");
        copyNumber(openAi, "n", config, "candidateCount");
        copyNumber(openAi, "seed", config, "seed");
        copyNumber(openAi, "presence_penalty", config, "presencePenalty");
        copyNumber(openAi, "frequency_penalty", config, "frequencyPenalty");
        JsonNode stop = openAi.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
            config.set("stopSequences", stop);
        }
        JsonNode format = openAi.path("response_format");
        switch (format.path("type").asText("")) {
            case "json_object" -> config.put("responseMimeType", "application/json");
            case "json_schema" -> {
                config.put("responseMimeType", "application/json");
                JsonNode schema = format.path("json_schema").path("schema");
                if (schema.isObject()) {
                    // responseJsonSchema takes standard JSON Schema; responseSchema is the OpenAPI subset.
                    config.set("responseJsonSchema", schema);
                }
            }
            default -> { } // "text" or absent: Gemini's default
        }
        return config;
    }

    private static void copyNumber(JsonNode from, String name, ObjectNode to, String geminiName) {
        JsonNode value = from.get(name);
        if (value != null && value.isNumber()) {
            to.set(geminiName, value);
        }
    }

    // ---------------------------------------------------------------- chat response

    /**
     * A GenerateContentResponse as an OpenAI chat.completion. Throws a classified failure instead of returning
     * something that looks like a success: an error body, a blocked prompt or a filtered answer (CONTENT_FILTER),
     * and a 200 without candidates (SERVER_ERROR).
     */
    public static ObjectNode fromGenerateContent(JsonNode gemini) {
        JsonNode error = GeminiErrors.errorNode(gemini);
        if (error != null) {
            throw GeminiErrors.fromError(error, 200, h -> null);
        }
        if (gemini == null || !gemini.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Gemini answered 200 with a body that is not a GenerateContentResponse");
        }
        JsonNode candidates = gemini.path("candidates");
        if (!candidates.isArray() || candidates.isEmpty()) {
            throw noCandidates(gemini);
        }
        ObjectNode out = NODES.objectNode()
                .put("id", "chatcmpl-" + gemini.path("responseId").asText(UUID.randomUUID().toString()))
                .put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000)
                .put("model", gemini.path("modelVersion").asText(""));
        ArrayNode choices = out.putArray("choices");
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode candidate = candidates.get(i);
            String reason = candidate.path("finishReason").asText("");
            if (isFiltered(candidate)) {
                if (i == 0) {
                    throw filtered(reason);
                }
                // Another candidate survived: keep the answer and mark only this choice, as OpenAI would.
            }
            choices.add(choice(candidate, i));
        }
        JsonNode usageMetadata = gemini.get("usageMetadata");
        if (usageMetadata != null && usageMetadata.isObject()) {
            out.set("usage", toOpenAiUsage(usageMetadata));
        }
        return out;
    }

    private static ObjectNode choice(JsonNode candidate, int position) {
        Parts parts = Parts.of(candidate.path("content").path("parts"));
        ObjectNode message = NODES.objectNode().put("role", "assistant");
        ArrayNode toolCalls = parts.toolCalls(0);
        if (parts.text.length() == 0 && !toolCalls.isEmpty()) {
            message.putNull("content"); // OpenAI's shape for a tool-call-only answer
        } else {
            message.put("content", parts.text.toString());
        }
        if (parts.reasoning.length() > 0) {
            message.put("reasoning_content", parts.reasoning.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        message.putNull("refusal");
        ObjectNode choice = NODES.objectNode().put("index", candidate.path("index").asInt(position));
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", isFiltered(candidate)
                ? "content_filter" : toFinishReason(candidate.path("finishReason").asText(null), !toolCalls.isEmpty()));
        return choice;
    }

    /**
     * Gemini's finish reason in OpenAI's words. Gemini has no tool-call reason: STOP with function calls is
     * "tool_calls". Filter reasons never get here (they are failures); anything else unknown is "stop".
     */
    public static String toFinishReason(String geminiReason, boolean hasToolCalls) {
        if ("MAX_TOKENS".equals(geminiReason)) {
            return "length";
        }
        return hasToolCalls ? "tool_calls" : "stop";
    }

    static boolean isFiltered(JsonNode candidate) {
        if (FILTER_FINISH_REASONS.contains(candidate.path("finishReason").asText(""))) {
            return true;
        }
        for (JsonNode rating : candidate.path("safetyRatings")) {
            if (rating.path("blocked").asBoolean(false)) {
                return true;
            }
        }
        return false;
    }

    static ProviderFailure filtered(String finishReason) {
        return new ProviderFailure(FailureClass.CONTENT_FILTER, 200,
                "Gemini stopped the answer with finishReason " + (finishReason.isEmpty() ? "(blocked safety rating)" : finishReason),
                null);
    }

    /** A 200 without candidates: a blocked prompt (CONTENT_FILTER) or a broken answer (SERVER_ERROR). */
    static ProviderFailure noCandidates(JsonNode gemini) {
        JsonNode feedback = gemini.path("promptFeedback");
        String blockReason = feedback.path("blockReason").asText("");
        if (!blockReason.isEmpty()) {
            String detail = feedback.path("blockReasonMessage").asText("");
            return new ProviderFailure(FailureClass.CONTENT_FILTER, 200,
                    "Gemini blocked the prompt (blockReason " + blockReason + ")" + (detail.isEmpty() ? "" : ": " + detail), null);
        }
        return new ProviderFailure(FailureClass.SERVER_ERROR, 200, "Gemini answered 200 without candidates or a block reason", null);
    }

    /** The parts of one candidate sorted into visible text, thoughts and function calls. */
    static final class Parts {
        final StringBuilder text = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final List<JsonNode> functionCalls = new ArrayList<>();

        static Parts of(JsonNode parts) {
            Parts sorted = new Parts();
            for (JsonNode part : parts) {
                if (part.has("functionCall")) {
                    sorted.functionCalls.add(part);
                } else if (part.path("text").isTextual()) {
                    // Thought summaries come as text parts flagged "thought": they are reasoning, not the answer.
                    (part.path("thought").asBoolean(false) ? sorted.reasoning : sorted.text).append(part.get("text").asText());
                }
            }
            return sorted;
        }

        /** OpenAI tool calls numbered from {@code firstIndex}; ids are "call_<index>" since Gemini gives none reliably. */
        ArrayNode toolCalls(int firstIndex) {
            ArrayNode calls = NODES.arrayNode();
            for (int i = 0; i < functionCalls.size(); i++) {
                calls.add(toolCall(functionCalls.get(i), firstIndex + i));
            }
            return calls;
        }
    }

    static ObjectNode toolCall(JsonNode functionCallPart, int index) {
        JsonNode call = functionCallPart.get("functionCall");
        JsonNode args = call.path("args");
        ObjectNode out = NODES.objectNode().put("id", "call_" + index).put("type", "function");
        out.putObject("function").put("name", call.path("name").asText(""))
                .put("arguments", args.isMissingNode() || args.isNull() ? "{}" : args.toString());
        if (functionCallPart.path("thoughtSignature").isTextual()) {
            out.putObject("extra_content").putObject("google")
                    .put("thought_signature", functionCallPart.get("thoughtSignature").asText());
        }
        return out;
    }

    // ---------------------------------------------------------------- usage

    /**
     * Gemini's usageMetadata as OpenAI's usage object. Completion counts thoughts too (OpenAI's reasoning tokens
     * sit inside completion_tokens), and tool-use prompt tokens are prompt tokens, so that the parts add up to
     * totalTokenCount.
     */
    public static ObjectNode toOpenAiUsage(JsonNode usageMetadata) {
        int prompt = usageMetadata.path("promptTokenCount").asInt(0) + usageMetadata.path("toolUsePromptTokenCount").asInt(0);
        int thoughts = usageMetadata.path("thoughtsTokenCount").asInt(0);
        int completion = usageMetadata.path("candidatesTokenCount").asInt(0) + thoughts;
        ObjectNode usage = NODES.objectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", usageMetadata.path("totalTokenCount").asInt(prompt + completion));
        usage.putObject("prompt_tokens_details").put("cached_tokens", usageMetadata.path("cachedContentTokenCount").asInt(0));
        usage.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
        return usage;
    }

    /** The same counts as Switchboard's {@link Usage}, for recording. */
    public static Usage toUsage(JsonNode usageMetadata) {
        return usageMetadata == null || !usageMetadata.isObject() ? Usage.NONE : Usage.fromOpenAi(toOpenAiUsage(usageMetadata));
    }

    // ---------------------------------------------------------------- embeddings

    /** An OpenAI embeddings body as a batchEmbedContents request; each entry repeats the model, as the API wants. */
    public static ObjectNode toBatchEmbedContents(ObjectNode openAi, String model) {
        List<String> inputs = embeddingInputs(openAi);
        ObjectNode out = NODES.objectNode();
        ArrayNode requests = out.putArray("requests");
        for (String input : inputs) {
            ObjectNode request = requests.addObject().put("model", "models/" + model);
            request.putObject("content").putArray("parts").addObject().put("text", input);
            if (openAi.path("dimensions").isInt()) {
                request.put("outputDimensionality", openAi.get("dimensions").asInt());
            }
        }
        return out;
    }

    private static List<String> embeddingInputs(JsonNode openAi) {
        JsonNode input = openAi.path("input");
        List<String> inputs = new ArrayList<>();
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else if (input.isArray()) {
            for (JsonNode item : input) {
                if (!item.isTextual()) {
                    throw badRequest("Gemini embeds text only; send 'input' as a string or an array of strings, not token ids");
                }
                inputs.add(item.asText());
            }
        }
        if (inputs.isEmpty()) {
            throw badRequest("embeddings need 'input': a string or a non-empty array of strings");
        }
        return inputs;
    }

    /** Gemini reports no token usage for embeddings, so the prompt size is estimated: total characters / 4. */
    public static int estimateEmbeddingTokens(JsonNode openAiRequest) {
        int chars = 0;
        for (String input : embeddingInputs(openAiRequest)) {
            chars += input.length();
        }
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /**
     * A batchEmbedContents answer in OpenAI's list shape. {@code promptTokens} is the estimate of
     * {@link #estimateEmbeddingTokens} (the answer has no counts); {@code model} is omitted when null;
     * {@code base64} packs each vector as little-endian float32, as OpenAI does for encoding_format=base64.
     */
    public static ObjectNode fromBatchEmbedContents(JsonNode gemini, int promptTokens, String model, boolean base64) {
        JsonNode error = GeminiErrors.errorNode(gemini);
        if (error != null) {
            throw GeminiErrors.fromError(error, 200, h -> null);
        }
        JsonNode embeddings = gemini == null ? null : gemini.get("embeddings");
        if (embeddings == null || !embeddings.isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Gemini answered 200 with a body that is not a batchEmbedContents answer");
        }
        ObjectNode out = NODES.objectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < embeddings.size(); i++) {
            JsonNode values = embeddings.get(i).path("values");
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                ByteBuffer buffer = ByteBuffer.allocate(values.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
                values.forEach(v -> buffer.putFloat(v.floatValue()));
                item.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
            } else {
                item.set("embedding", values);
            }
        }
        if (model != null) {
            out.put("model", model);
        }
        out.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        return out;
    }

    // ---------------------------------------------------------------- models

    /** Model ids of a models listing, without the "models/" resource prefix. */
    public static List<String> fromModelsList(JsonNode gemini) {
        JsonNode models = gemini == null ? null : gemini.get("models");
        if (models == null || !models.isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Gemini's model list has no 'models' array");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode model : models) {
            String name = model.path("name").asText("");
            ids.add(name.startsWith("models/") ? name.substring("models/".length()) : name);
        }
        return ids;
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode parseOrNull(String text) {
        String trimmed = text.trim();
        if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(trimmed);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static ProviderFailure badRequest(String message) {
        return new ProviderFailure(FailureClass.BAD_REQUEST, message);
    }
}

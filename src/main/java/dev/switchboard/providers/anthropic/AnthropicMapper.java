package dev.switchboard.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI chat completions ⇄ Anthropic Messages, as pure static functions on Jackson trees (the pattern of
 * LangChain4j's AnthropicMapper). Used in both directions: by {@link AnthropicAdapter} (canonical request out,
 * Anthropic answer back) and by the gateway's {@code POST /v1/messages} front door (Anthropic request in,
 * canonical answer out). Wire reference: shared/providers/anthropic.md, "Mapping: OpenAI chat ⇄ Anthropic
 * messages". Inputs are never modified.
 *
 * <p>Two non-standard OpenAI fields carry what OpenAI's shape cannot hold, so that an Anthropic caller served
 * by an Anthropic model loses nothing: {@code usage.prompt_tokens_details.cache_write_tokens} (Anthropic's
 * {@code cache_creation_input_tokens}) and {@code cache_control} on text parts, system parts and tools.
 */
public final class AnthropicMapper {

    /** Separator between several system/developer messages hoisted into Anthropic's single {@code system}. */
    static final String SYSTEM_SEPARATOR = "\n\n";

    private AnthropicMapper() {
    }

    // ======================================================================== OpenAI request → Anthropic request

    /**
     * The Messages request for an OpenAI chat body. System and developer messages (any position) are hoisted
     * into {@code system}; tool results become user turns; adjacent same-role turns are merged because
     * Anthropic wants user and assistant to alternate. OpenAI parameters without a counterpart are dropped.
     *
     * @throws ProviderFailure BAD_REQUEST for what Anthropic cannot do at all ({@code n > 1}, audio parts, a
     *                         data URL that is not base64)
     */
    public static ObjectNode toAnthropicRequest(ObjectNode openAiChatBody, String upstreamModel, int defaultMaxTokens) {
        JsonNode body = openAiChatBody;
        if (body.path("n").asInt(1) > 1) {
            throw badRequest("Anthropic answers one choice per request; send n=1 or route to another provider");
        }
        ObjectNode out = object();
        out.put("model", upstreamModel);
        out.put("max_tokens", maxTokens(body, defaultMaxTokens));

        List<ObjectNode> systemBlocks = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            switch (m.path("role").asText("")) {
                case "system", "developer" -> systemBlocks.addAll(textBlocks(m.get("content")));
                case "user" -> append(turns, "user", userBlocks(m.get("content")));
                case "assistant" -> append(turns, "assistant", assistantBlocks(m));
                case "tool" -> append(turns, "user", List.of(toolResultBlock(m)));
                default -> { } // legacy "function" role (no call id to pair it with) and anything newer
            }
        }
        if (!systemBlocks.isEmpty()) {
            out.set("system", system(systemBlocks));
        }
        ArrayNode messages = out.putArray("messages");
        turns.forEach(t -> messages.add(t.toJson()));

        JsonNode temperature = body.get("temperature");
        if (temperature != null && temperature.isNumber()) {
            // OpenAI allows 0..2, Anthropic 0..1: clamp as Anthropic's own compatibility layer does.
            out.put("temperature", Math.max(0.0, Math.min(1.0, temperature.asDouble())));
        }
        JsonNode topP = body.get("top_p");
        if (topP != null && topP.isNumber()) {
            out.set("top_p", topP);
        }
        ArrayNode stops = stopSequences(body.get("stop"));
        if (!stops.isEmpty()) {
            out.set("stop_sequences", stops);
        }
        ArrayNode tools = tools(body.get("tools"));
        if (!tools.isEmpty()) {
            out.set("tools", tools);
            ObjectNode choice = toolChoice(body.get("tool_choice"), body.path("parallel_tool_calls"));
            if (choice != null) {
                out.set("tool_choice", choice);
            }
        }
        if (body.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        if (body.path("user").isTextual()) {
            out.putObject("metadata").put("user_id", body.get("user").asText());
        }
        return out;
    }

    private static int maxTokens(JsonNode body, int defaultMaxTokens) {
        // max_completion_tokens is OpenAI's newer name; when both are sent it is the one OpenAI honours.
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = body.get(field);
            if (value != null && value.canConvertToInt()) {
                return value.asInt();
            }
        }
        return defaultMaxTokens; // Anthropic has no default: the field is required
    }

    /** One string when plain (the common case); blocks when a part asks for prompt caching. */
    private static JsonNode system(List<ObjectNode> blocks) {
        if (blocks.stream().anyMatch(b -> b.has("cache_control"))) {
            ArrayNode array = Json.MAPPER.createArrayNode();
            blocks.forEach(array::add);
            return array;
        }
        List<String> texts = blocks.stream().map(b -> b.path("text").asText()).toList();
        return Json.MAPPER.getNodeFactory().textNode(String.join(SYSTEM_SEPARATOR, texts));
    }

    /** Text blocks of string-or-parts content; empty texts are left out (Anthropic rejects empty text blocks). */
    private static List<ObjectNode> textBlocks(JsonNode content) {
        List<ObjectNode> blocks = new ArrayList<>();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            addText(blocks, content.asText(), null);
            return blocks;
        }
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            if (type.equals("text")) {
                addText(blocks, part.path("text").asText(""), part.get("cache_control"));
            } else if (type.equals("refusal")) {
                addText(blocks, part.path("refusal").asText(""), null);
            }
        }
        return blocks;
    }

    private static void addText(List<ObjectNode> blocks, String text, JsonNode cacheControl) {
        if (text.isEmpty()) {
            return;
        }
        ObjectNode block = object().put("type", "text").put("text", text);
        if (cacheControl != null && cacheControl.isObject()) {
            block.set("cache_control", cacheControl);
        }
        blocks.add(block);
    }

    private static List<ObjectNode> userBlocks(JsonNode content) {
        if (content == null || !content.isArray()) {
            return textBlocks(content);
        }
        List<ObjectNode> blocks = new ArrayList<>();
        for (JsonNode part : content) {
            String type = part.path("type").asText("");
            switch (type) {
                case "text" -> addText(blocks, part.path("text").asText(""), part.get("cache_control"));
                case "image_url" -> blocks.add(imageBlock(part.get("image_url")));
                default -> throw badRequest("content part type '" + type + "' is not supported by Anthropic; send "
                        + "text or image_url parts, or route to another provider");
            }
        }
        return blocks;
    }

    /** {@code data:<media>;base64,<data>} becomes a base64 source; an http(s) URL a url source. */
    private static ObjectNode imageBlock(JsonNode imageUrl) {
        String url = imageUrl == null ? "" : imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
        ObjectNode block = object().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:")) {
            int semicolon = url.indexOf(';');
            int comma = url.indexOf(',');
            if (semicolon < 0 || comma < semicolon || !url.substring(semicolon, comma).equals(";base64")) {
                throw badRequest("image_url data URLs must be base64 (data:<media type>;base64,<data>) for Anthropic");
            }
            source.put("type", "base64").put("media_type", url.substring(5, semicolon)).put("data", url.substring(comma + 1));
        } else {
            source.put("type", "url").put("url", url);
        }
        return block;
    }

    /** Text first, then one tool_use per tool call: the order Anthropic's own answers have. */
    private static List<ObjectNode> assistantBlocks(JsonNode message) {
        List<ObjectNode> blocks = textBlocks(message.get("content"));
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            ObjectNode block = object().put("type", "tool_use").put("id", toolId(call.path("id").asText("")))
                    .put("name", function.path("name").asText(""));
            block.set("input", toolInput(function.get("arguments")));
            blocks.add(block);
        }
        return blocks;
    }

    /** The arguments as a JSON object; arguments that are not a JSON object become {} (input must be an object). */
    private static JsonNode toolInput(JsonNode arguments) {
        if (arguments != null && arguments.isObject()) {
            return arguments;
        }
        if (arguments != null && arguments.isTextual()) {
            try {
                JsonNode parsed = Json.MAPPER.readTree(arguments.asText());
                if (parsed != null && parsed.isObject()) {
                    return parsed;
                }
            } catch (IOException notJson) {
                // a model's broken arguments must not fail the whole conversation
            }
        }
        return object();
    }

    private static ObjectNode toolResultBlock(JsonNode toolMessage) {
        ObjectNode block = object().put("type", "tool_result")
                .put("tool_use_id", toolId(toolMessage.path("tool_call_id").asText("")));
        JsonNode content = toolMessage.get("content");
        if (content != null && content.isArray()) {
            ArrayNode blocks = block.putArray("content");
            textBlocks(content).forEach(blocks::add);
        } else {
            block.put("content", content == null || content.isNull() ? "" : content.asText());
        }
        return block;
    }

    /**
     * Anthropic accepts tool ids matching {@code ^[a-zA-Z0-9_-]+$}; some OpenAI-compatible providers use ids
     * like {@code functions.get_weather:0}. The replacement is deterministic, so tool_use and tool_result
     * ids still pair up.
     */
    private static String toolId(String id) {
        return id.replaceAll("[^a-zA-Z0-9_-]", "_");
    }

    /** Merges into the previous turn when it has the same role; an assistant message with nothing in it is dropped. */
    private static void append(List<Turn> turns, String role, List<ObjectNode> blocks) {
        if (blocks.isEmpty() && role.equals("assistant")) {
            return;
        }
        Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role.equals(role)) {
            last.blocks.addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
    }

    /** One Anthropic message being built. */
    private record Turn(String role, List<ObjectNode> blocks) {
        ObjectNode toJson() {
            ObjectNode message = object().put("role", role);
            // tool_result blocks must open the user turn that answers a tool_use (anthropic.md, mapping table).
            List<ObjectNode> ordered = new ArrayList<>(blocks.stream().filter(AnthropicMapper::isToolResult).toList());
            blocks.stream().filter(b -> !isToolResult(b)).forEach(ordered::add);
            if (ordered.isEmpty()) {
                message.put("content", ""); // the caller sent an empty turn; Anthropic will say so
            } else if (ordered.size() == 1 && ordered.get(0).path("type").asText().equals("text")
                    && !ordered.get(0).has("cache_control")) {
                message.put("content", ordered.get(0).get("text").asText()); // shorthand for one text block
            } else {
                ArrayNode content = message.putArray("content");
                ordered.forEach(content::add);
            }
            return message;
        }
    }

    private static boolean isToolResult(JsonNode block) {
        return block.path("type").asText().equals("tool_result");
    }

    /** Whitespace-only stop sequences are refused by Anthropic, so they are left out. */
    private static ArrayNode stopSequences(JsonNode stop) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (stop == null) {
            return out;
        }
        List<JsonNode> values = stop.isArray() ? toList(stop) : List.of(stop);
        for (JsonNode s : values) {
            if (s.isTextual() && !s.asText().isBlank()) {
                out.add(s.asText());
            }
        }
        return out;
    }

    /** Function tools only: OpenAI's custom (free-text) tools have no Anthropic counterpart. */
    private static ArrayNode tools(JsonNode tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        if (tools == null || !tools.isArray()) {
            return out;
        }
        for (JsonNode tool : tools) {
            JsonNode function = tool.get("function");
            if (function == null || !function.isObject() || !tool.path("type").asText("function").equals("function")) {
                continue;
            }
            ObjectNode t = out.addObject().put("name", function.path("name").asText(""));
            if (function.path("description").isTextual()) {
                t.put("description", function.get("description").asText());
            }
            JsonNode parameters = function.get("parameters");
            if (parameters != null && parameters.isObject()) {
                t.set("input_schema", parameters);
            } else {
                // input_schema is required; OpenAI allows a function without parameters.
                t.putObject("input_schema").put("type", "object").putObject("properties");
            }
            if (function.path("strict").isBoolean()) {
                t.set("strict", function.get("strict"));
            }
            if (tool.path("cache_control").isObject()) {
                t.set("cache_control", tool.get("cache_control"));
            }
        }
        return out;
    }

    private static ObjectNode toolChoice(JsonNode choice, JsonNode parallelToolCalls) {
        ObjectNode out = null;
        if (choice != null && choice.isTextual()) {
            out = switch (choice.asText()) {
                case "auto" -> object().put("type", "auto");
                case "required" -> object().put("type", "any");
                case "none" -> object().put("type", "none");
                default -> null;
            };
        } else if (choice != null && choice.isObject() && choice.path("function").path("name").isTextual()) {
            out = object().put("type", "tool").put("name", choice.path("function").path("name").asText());
        }
        if (parallelToolCalls.isBoolean() && !parallelToolCalls.asBoolean()) {
            if (out == null) {
                out = object().put("type", "auto"); // OpenAI's default choice, which Anthropic needs to hang the flag on
            }
            if (!out.path("type").asText().equals("none")) { // "none" does not accept the flag
                out.put("disable_parallel_tool_use", true);
            }
        }
        return out;
    }

    // ======================================================================== Anthropic answer → OpenAI answer

    /**
     * The OpenAI chat.completion for a Messages answer. Text blocks are joined into {@code content} (null when
     * the answer is only tool calls); thinking is exposed as the non-standard {@code reasoning_content}.
     */
    public static ObjectNode fromAnthropicResponse(JsonNode messagesResponse) {
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        boolean sawText = false;
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (JsonNode block : messagesResponse.path("content")) {
            switch (block.path("type").asText("")) {
                case "text" -> {
                    sawText = true;
                    text.append(block.path("text").asText(""));
                }
                case "thinking" -> thinking.append(block.path("thinking").asText(""));
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject().put("id", block.path("id").asText(""))
                            .put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText(""))
                            .put("arguments", jsonText(block.has("input") ? block.get("input") : object()));
                }
                default -> { } // redacted thinking, server-tool blocks: nothing an OpenAI caller can use
            }
        }
        ObjectNode message = object().put("role", "assistant");
        if (sawText || toolCalls.isEmpty()) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        if (thinking.length() > 0) {
            message.put("reasoning_content", thinking.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        ObjectNode out = object()
                .put("id", messagesResponse.path("id").asText(""))
                .put("object", "chat.completion")
                // Anthropic's answer carries no timestamp; OpenAI's shape requires one.
                .put("created", Instant.now().getEpochSecond())
                .put("model", messagesResponse.path("model").asText(""));
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", toFinishReason(messagesResponse.path("stop_reason").asText(null)));
        out.set("usage", toOpenAiUsage(usageOf(messagesResponse.get("usage"))));
        return out;
    }

    /**
     * Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason} (anthropic.md). Anything unknown,
     * including values Anthropic adds later, is {@code stop}: the answer did end.
     */
    public static String toFinishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn and anything new
        };
    }

    /** Anthropic usage normalised to OpenAI's meaning: every prompt token counted, cache reads and writes included. */
    public static Usage usageOf(JsonNode anthropicUsage) {
        if (anthropicUsage == null || !anthropicUsage.isObject()) {
            return Usage.NONE;
        }
        int input = anthropicUsage.path("input_tokens").asInt(0);
        int cacheRead = anthropicUsage.path("cache_read_input_tokens").asInt(0);
        int cacheCreation = anthropicUsage.path("cache_creation_input_tokens").asInt(0);
        int output = anthropicUsage.path("output_tokens").asInt(0);
        return Usage.of(input + cacheRead + cacheCreation, output).withCache(cacheRead, cacheCreation);
    }

    /** OpenAI's {@code usage} object, plus the non-standard {@code prompt_tokens_details.cache_write_tokens}. */
    public static ObjectNode toOpenAiUsage(Usage usage) {
        ObjectNode out = object()
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
        out.putObject("prompt_tokens_details")
                .put("cached_tokens", usage.cachedTokens())
                .put("cache_write_tokens", usage.cacheWriteTokens());
        return out;
    }

    // ======================================================================== Anthropic request → OpenAI request

    /**
     * The canonical (OpenAI) chat body for a Messages request arriving at the gateway's front door. Tool
     * results become {@code tool} messages placed before the rest of their user turn; thinking blocks and
     * server-tool blocks have no OpenAI counterpart and are dropped, as are Anthropic-only parameters
     * ({@code top_k}, {@code thinking}, ...).
     */
    public static ObjectNode fromAnthropicRequest(JsonNode messagesRequest) {
        ObjectNode out = object();
        if (messagesRequest.has("model")) {
            out.set("model", messagesRequest.get("model"));
        }
        ArrayNode messages = out.putArray("messages");
        JsonNode system = messagesRequest.get("system");
        if (system != null && system.isTextual() && !system.asText().isEmpty()) {
            messages.addObject().put("role", "system").put("content", system.asText());
        } else if (system != null && system.isArray() && !system.isEmpty()) {
            messages.addObject().put("role", "system").set("content", textParts(system));
        }
        for (JsonNode m : messagesRequest.path("messages")) {
            if (m.path("role").asText().equals("assistant")) {
                messages.add(assistantMessage(m.get("content")));
            } else {
                userMessages(m.get("content"), messages);
            }
        }
        copyIfPresent(messagesRequest, "max_tokens", out, "max_tokens");
        copyIfPresent(messagesRequest, "temperature", out, "temperature");
        copyIfPresent(messagesRequest, "top_p", out, "top_p");
        copyIfPresent(messagesRequest, "stop_sequences", out, "stop");
        if (messagesRequest.path("stream").asBoolean(false)) {
            out.put("stream", true);
        }
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (JsonNode tool : messagesRequest.path("tools")) {
            if (!tool.has("input_schema")) {
                continue; // server tools (web search, bash, ...): only Anthropic can run them
            }
            ObjectNode t = tools.addObject().put("type", "function");
            ObjectNode function = t.putObject("function").put("name", tool.path("name").asText(""));
            if (tool.path("description").isTextual()) {
                function.put("description", tool.get("description").asText());
            }
            function.set("parameters", tool.get("input_schema"));
            if (tool.path("strict").isBoolean()) {
                function.set("strict", tool.get("strict"));
            }
            if (tool.path("cache_control").isObject()) {
                t.set("cache_control", tool.get("cache_control"));
            }
        }
        if (!tools.isEmpty()) {
            out.set("tools", tools);
        }
        JsonNode choice = messagesRequest.get("tool_choice");
        if (choice != null && choice.isObject()) {
            switch (choice.path("type").asText("")) {
                case "auto" -> out.put("tool_choice", "auto");
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" -> out.putObject("tool_choice").put("type", "function")
                        .putObject("function").put("name", choice.path("name").asText(""));
                default -> { }
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
                out.put("parallel_tool_calls", false);
            }
        }
        if (messagesRequest.path("metadata").path("user_id").isTextual()) {
            out.put("user", messagesRequest.path("metadata").path("user_id").asText());
        }
        return out;
    }

    private static ObjectNode assistantMessage(JsonNode content) {
        ObjectNode message = object().put("role", "assistant");
        StringBuilder text = new StringBuilder();
        boolean sawText = false;
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (JsonNode block : blocks(content)) {
            switch (block.path("type").asText("")) {
                case "text" -> {
                    sawText = true;
                    text.append(block.path("text").asText(""));
                }
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject().put("id", block.path("id").asText("")).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText(""))
                            .put("arguments", jsonText(block.has("input") ? block.get("input") : object()));
                }
                default -> { } // thinking blocks: their signatures only mean something to Anthropic
            }
        }
        if (sawText) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        return message;
    }

    /** One user turn: its tool results first (as tool messages), then the rest as one user message. */
    private static void userMessages(JsonNode content, ArrayNode messages) {
        if (content != null && content.isTextual()) {
            messages.addObject().put("role", "user").put("content", content.asText());
            return;
        }
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (JsonNode block : blocks(content)) {
            switch (block.path("type").asText("")) {
                case "tool_result" -> {
                    // is_error has no OpenAI counterpart; the result text usually says what went wrong.
                    JsonNode result = block.get("content");
                    messages.addObject().put("role", "tool")
                            .put("tool_call_id", block.path("tool_use_id").asText(""))
                            .put("content", result == null ? "" : result.isTextual() ? result.asText() : joinText(result));
                }
                case "text" -> parts.add(textPart(block));
                case "image" -> {
                    JsonNode source = block.path("source");
                    String url = source.path("type").asText().equals("base64")
                            ? "data:" + source.path("media_type").asText("") + ";base64," + source.path("data").asText("")
                            : source.path("url").asText("");
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                }
                default -> { } // documents, search results: not in the canonical shape yet
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode user = messages.addObject().put("role", "user");
        if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text") && !parts.get(0).has("cache_control")) {
            user.put("content", parts.get(0).path("text").asText());
        } else {
            user.set("content", parts);
        }
    }

    private static ArrayNode textParts(JsonNode blocks) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (JsonNode block : blocks) {
            if (block.path("type").asText().equals("text")) {
                parts.add(textPart(block));
            }
        }
        return parts;
    }

    private static ObjectNode textPart(JsonNode block) {
        ObjectNode part = object().put("type", "text").put("text", block.path("text").asText(""));
        if (block.path("cache_control").isObject()) {
            part.set("cache_control", block.get("cache_control"));
        }
        return part;
    }

    private static String joinText(JsonNode blocks) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode block : blocks) {
            if (block.path("type").asText().equals("text")) {
                sb.append(block.path("text").asText(""));
            }
        }
        return sb.toString();
    }

    /** Content as a list of blocks: a string is shorthand for one text block. */
    private static List<JsonNode> blocks(JsonNode content) {
        if (content == null || content.isNull()) {
            return List.of();
        }
        if (content.isTextual()) {
            return List.of(object().put("type", "text").put("text", content.asText()));
        }
        return toList(content);
    }

    // ======================================================================== OpenAI answer → Anthropic answer

    /**
     * The Messages answer for the front door: text becomes a text block, tool calls tool_use blocks, and the
     * usage is split back into Anthropic's parts ({@code input_tokens} excludes cached tokens).
     *
     * @param model the model name to show the caller; null keeps the answer's own
     */
    public static ObjectNode toAnthropicResponse(JsonNode openAiChatCompletion, String model) {
        JsonNode choice = openAiChatCompletion.path("choices").path(0);
        JsonNode message = choice.path("message");
        String id = openAiChatCompletion.path("id").asText("");
        ObjectNode out = object()
                .put("id", id.startsWith("msg_") ? id : "msg_" + id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model != null ? model : openAiChatCompletion.path("model").asText(""));
        ArrayNode content = out.putArray("content");
        List<ObjectNode> text = textBlocks(message.get("content"));
        if (text.isEmpty() && message.path("refusal").isTextual()) {
            text = textBlocks(message.get("refusal"));
        }
        text.forEach(content::add);
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            ObjectNode block = content.addObject().put("type", "tool_use").put("id", call.path("id").asText(""))
                    .put("name", function.path("name").asText(""));
            block.set("input", toolInput(function.get("arguments")));
        }
        out.put("stop_reason", toStopReason(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        out.set("usage", toAnthropicUsage(usageFromOpenAi(openAiChatCompletion.get("usage"))));
        return out;
    }

    /** OpenAI's {@code finish_reason} as Anthropic's {@code stop_reason}; anything unknown is {@code end_turn}. */
    public static String toStopReason(String finishReason) {
        if (finishReason == null) {
            return "end_turn";
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /** Anthropic's usage parts from canonical usage: {@code input_tokens} is what was neither read from nor written to the cache. */
    public static ObjectNode toAnthropicUsage(Usage usage) {
        int input = Math.max(0, usage.promptTokens() - usage.cachedTokens() - usage.cacheWriteTokens());
        return object()
                .put("input_tokens", input)
                .put("cache_creation_input_tokens", usage.cacheWriteTokens())
                .put("cache_read_input_tokens", usage.cachedTokens())
                .put("output_tokens", usage.completionTokens());
    }

    /** {@link Usage#fromOpenAi} plus the cache writes this mapper records in {@code cache_write_tokens}. */
    static Usage usageFromOpenAi(JsonNode openAiUsage) {
        Usage usage = Usage.fromOpenAi(openAiUsage);
        int cacheWrite = openAiUsage == null ? 0 : openAiUsage.path("prompt_tokens_details").path("cache_write_tokens").asInt(0);
        return usage.withCache(usage.cachedTokens(), cacheWrite);
    }

    // ======================================================================== helpers

    private static void copyIfPresent(JsonNode from, String field, ObjectNode to, String as) {
        JsonNode value = from.get(field);
        if (value != null && !value.isNull()) {
            to.set(as, value);
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    /** Compact JSON text, as OpenAI's {@code arguments} string carries it. */
    static String jsonText(JsonNode node) {
        return new String(Json.bytes(node), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }

    private static ProviderFailure badRequest(String message) {
        return new ProviderFailure(FailureClass.BAD_REQUEST, message);
    }
}

package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;

/**
 * OpenAI's Responses API answers read as canonical chat answers, for the record, budgets, the cache and the
 * checks, while the caller gets the Response as it came: the output items' text and refusals become the
 * assistant message, {@code function_call} items its tool calls, the status its finish reason and the Responses
 * usage ({@code input_tokens}, {@code output_tokens}, cached and reasoning details) the canonical usage.
 * Wire reference: OpenAI's API reference, "Responses" (the Response object and its streaming events).
 */
final class ResponsesWire {
    private ResponsesWire() {
    }

    /** A whole Response object ({@code POST /v1/responses} without {@code stream}). */
    static ChatResponse read(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider answered 200 with a body that is not JSON");
        }
        failed(json);
        if (!json.path("output").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider answered 200 without 'output'");
        }
        ObjectNode chat = chatCompletion(json);
        return new ChatResponse(chat, usage(json.get("usage")), chat.path("choices").path(0).path("finish_reason").asText(null));
    }

    /** A Response whose status is {@code failed} (or an error at 200) is the provider's failure. */
    static void failed(JsonNode response) {
        if (response.path("status").asText().equals("failed") || response.path("error").isObject()) {
            JsonNode error = response.path("error");
            String code = error.path("code").asText("");
            throw new ProviderFailure(code.contains("rate_limit") ? FailureClass.RATE_LIMIT : FailureClass.SERVER_ERROR,
                    "the provider failed the response: " + error.path("message").asText(code.isEmpty() ? "no reason given" : code));
        }
    }

    /** The canonical chat completion of a Response object. */
    static ObjectNode chatCompletion(JsonNode response) {
        StringBuilder text = new StringBuilder();
        StringBuilder refusal = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asText("")) {
                case "message" -> item.path("content").forEach(part -> {
                    text.append(part.path("type").asText().equals("output_text") ? part.path("text").asText("") : "");
                    refusal.append(part.path("type").asText().equals("refusal") ? part.path("refusal").asText("") : "");
                });
                case "function_call" -> {
                    ObjectNode call = calls.addObject().put("id", item.path("call_id").asText("")).put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText("")).put("arguments", item.path("arguments").asText(""));
                }
                default -> { } // reasoning and hosted tool calls: the caller gets them in the Response itself
            }
        }
        ObjectNode chat = Json.MAPPER.createObjectNode().put("id", response.path("id").asText(""))
                .put("object", "chat.completion").put("created", response.path("created_at").asLong(0))
                .put("model", response.path("model").asText(""));
        ObjectNode choice = chat.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (text.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!refusal.isEmpty()) {
            message.put("refusal", refusal.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        choice.put("finish_reason", finishReason(response, !calls.isEmpty()));
        Usage usage = usage(response.get("usage"));
        chat.putObject("usage").put("prompt_tokens", usage.promptTokens()).put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.totalTokens());
        return chat;
    }

    /** The chat finish reason of a Response's status and incomplete reason. */
    static String finishReason(JsonNode response, boolean calledTools) {
        if (response.path("status").asText().equals("incomplete")) {
            return response.path("incomplete_details").path("reason").asText().equals("content_filter") ? "content_filter" : "length";
        }
        return calledTools ? "tool_calls" : "stop";
    }

    /** The Responses usage object as canonical usage; a missing one is {@link Usage#NONE}. */
    static Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return Usage.NONE;
        }
        int input = usage.path("input_tokens").asInt(0);
        int output = usage.path("output_tokens").asInt(0);
        return new Usage(input, output, usage.path("total_tokens").asInt(input + output),
                usage.path("input_tokens_details").path("cached_tokens").asInt(0),
                usage.path("output_tokens_details").path("reasoning_tokens").asInt(0), 0, 0);
    }
}

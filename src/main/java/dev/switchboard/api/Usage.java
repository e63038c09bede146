package dev.switchboard.api;

import com.fasterxml.jackson.databind.JsonNode;

/** Token counts of one answer, as the provider reported them. */
public record Usage(int promptTokens, int completionTokens, int totalTokens, int cachedTokens, int reasoningTokens) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0);

    /** Reads OpenAI's {@code usage} object; a missing or null node gives {@link #NONE}. */
    public static Usage fromOpenAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return NONE;
        }
        int prompt = usage.path("prompt_tokens").asInt(0);
        int completion = usage.path("completion_tokens").asInt(0);
        int total = usage.path("total_tokens").asInt(prompt + completion);
        int cached = usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
        int reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asInt(0);
        return new Usage(prompt, completion, total, cached, reasoning);
    }
}

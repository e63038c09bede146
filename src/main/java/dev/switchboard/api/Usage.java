package dev.switchboard.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts of one answer, normalised to OpenAI's meaning whatever the provider: {@code promptTokens}
 * counts every prompt token (cached and cache-written ones included), {@code completionTokens} every output
 * token (reasoning included). The finer counts say how each part is billed.
 */
public record Usage(
        int promptTokens,
        int completionTokens,
        int totalTokens,
        /** Prompt tokens read from the provider's cache (billed at the cached rate). */
        int cachedTokens,
        /** Output tokens spent thinking (already inside completionTokens). */
        int reasoningTokens,
        /** Prompt tokens written to the provider's cache (Anthropic bills them above the input rate). */
        int cacheWriteTokens,
        /** Web searches the provider ran for the answer (Perplexity bills them per request). */
        int searchQueries) {

    public static final Usage NONE = new Usage(0, 0, 0, 0, 0, 0, 0);

    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens, 0, 0, 0, 0);
    }

    public Usage withCache(int cached, int cacheWrite) {
        return new Usage(promptTokens, completionTokens, totalTokens, cached, reasoningTokens, cacheWrite, searchQueries);
    }

    public Usage withSearchQueries(int queries) {
        return new Usage(promptTokens, completionTokens, totalTokens, cachedTokens, reasoningTokens, cacheWriteTokens, queries);
    }

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
        return new Usage(prompt, completion, total, cached, reasoning, 0, 0);
    }
}

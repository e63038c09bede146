package dev.switchboard.recording;

import java.time.Instant;
import java.util.List;

/**
 * One row per request that reached the gateway, success or error. {@code outcome} is {@code ok},
 * {@code truncated} (a stream broke after its first chunk), {@code client_closed}, or the error code the
 * caller got. {@code requestedModel} is what the caller asked for, {@code model} what served;
 * {@code plannedCostUsd} is what the answer would have cost at the price of the first model of its chain, so
 * analytics can tell what fallbacks to other models saved (or cost).
 */
public record UsageRecord(
        String requestId,
        Instant createdAt,
        String entry,
        String operation,
        String caller,
        String requestedModel,
        String model,
        String provider,
        String rule,
        List<Attempt> attempts,
        int promptTokens,
        int completionTokens,
        int totalTokens,
        double costUsd,
        long latencyMs,
        long ttftMs,
        int status,
        String outcome,
        String error,
        boolean stream,
        List<String> tags,
        /** Prompt tokens read from the provider's cache (inside promptTokens). */
        int cachedTokens,
        /** Output tokens spent thinking (inside completionTokens). */
        int reasoningTokens,
        String taskType,
        /** The chain tried, by id ({@code null} for a single model). */
        String chain,
        double plannedCostUsd,
        /** How the conversation was fitted to the serving model: {@code full}, {@code windowed:kept=N}, {@code summarized}; null when not a chat. */
        String contextFit) {

    /** The tag of an answer served from the response cache, followed by what the call it replaced cost (US dollars). */
    public static final String CACHE_SAVED_TAG = "cache_saved_usd:";

    /** A row without a context fitting (written before the gateway fitted conversations, or not a chat). */
    public UsageRecord(String requestId, Instant createdAt, String entry, String operation, String caller, String requestedModel,
                       String model, String provider, String rule, List<Attempt> attempts, int promptTokens, int completionTokens,
                       int totalTokens, double costUsd, long latencyMs, long ttftMs, int status, String outcome, String error,
                       boolean stream, List<String> tags, int cachedTokens, int reasoningTokens, String taskType, String chain,
                       double plannedCostUsd) {
        this(requestId, createdAt, entry, operation, caller, requestedModel, model, provider, rule, attempts, promptTokens,
                completionTokens, totalTokens, costUsd, latencyMs, ttftMs, status, outcome, error, stream, tags, cachedTokens,
                reasoningTokens, taskType, chain, plannedCostUsd, null);
    }

    public UsageRecord {
        attempts = List.copyOf(attempts);
        tags = List.copyOf(tags);
    }

    /** What the response cache saved on this request: the cost of the call it replaced, 0 for any other answer. */
    public double cacheSavedUsd() {
        for (String tag : tags) {
            if (tag.startsWith(CACHE_SAVED_TAG)) {
                try {
                    return Double.parseDouble(tag.substring(CACHE_SAVED_TAG.length()));
                } catch (NumberFormatException e) {
                    return 0; // a caller's own tag that only looks like ours
                }
            }
        }
        return 0;
    }

    /** How many times the request moved on to another model (retries of the same model are not fallbacks). */
    public int fallbacks() {
        int moves = 0;
        for (int i = 1; i < attempts.size(); i++) {
            if (!java.util.Objects.equals(attempts.get(i).model(), attempts.get(i - 1).model())) {
                moves++;
            }
        }
        return moves;
    }
}

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
        double plannedCostUsd) {

    public UsageRecord {
        attempts = List.copyOf(attempts);
        tags = List.copyOf(tags);
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

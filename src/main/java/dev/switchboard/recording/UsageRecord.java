package dev.switchboard.recording;

import java.time.Instant;
import java.util.List;

/**
 * One row per request that reached the gateway, success or error. {@code outcome} is {@code ok},
 * {@code truncated} (a stream broke after its first chunk), {@code client_closed}, or the error code the
 * caller got.
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
        List<String> tags) {

    public UsageRecord {
        attempts = List.copyOf(attempts);
        tags = List.copyOf(tags);
    }
}

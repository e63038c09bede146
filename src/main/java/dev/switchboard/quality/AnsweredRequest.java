package dev.switchboard.quality;

import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import java.time.Instant;

/**
 * One answered chat request, as the pipeline hands it over for checking. {@code agent} is the agent that sent its
 * key (null for callers without one: they cannot give feedback); {@code caller} is the name the usage row carries.
 * {@code response} is null when the answer could not be kept whole (a stream longer than the gateway keeps): then
 * the request is stored as not checked.
 */
public record AnsweredRequest(String requestId, Instant createdAt, String agent, String caller, String model, String taskType,
                              ChatRequest request, ChatResponse response) {
}

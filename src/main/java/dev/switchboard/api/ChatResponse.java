package dev.switchboard.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A whole (non-streamed) answer in OpenAI's chat-completion shape, with its usage read out for recording. */
public record ChatResponse(ObjectNode body, Usage usage, String finishReason) {
}

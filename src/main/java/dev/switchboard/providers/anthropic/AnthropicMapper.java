package dev.switchboard.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** PLACEHOLDER (signatures only) so the tree compiles while the Anthropic mapper is written: replace it whole. */
public final class AnthropicMapper {
    private AnthropicMapper() {
    }

    public static ObjectNode fromAnthropicRequest(JsonNode messagesRequest) {
        throw new UnsupportedOperationException("Anthropic mapper not written yet");
    }

    public static ObjectNode toAnthropicResponse(JsonNode openAiChatCompletion, String model) {
        throw new UnsupportedOperationException("Anthropic mapper not written yet");
    }
}

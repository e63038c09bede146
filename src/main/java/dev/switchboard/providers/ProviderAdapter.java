package dev.switchboard.providers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.ProviderFailure;
import java.util.function.Function;


/**
 * One provider's wire format. Pure translation, no I/O: the pipeline sends the bytes (camel-http), so an
 * adapter is tested as plain functions. One implementation per file; OpenAI-compatible providers extend
 * {@link OpenAiCompatibleAdapter} with only their differences.
 */
public interface ProviderAdapter {

    /** The chat call for {@code upstreamModel}, with the key in the header this provider expects. */
    UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials);

    /** A whole answer; a body that is not this provider's shape throws a SERVER_ERROR failure. */
    ChatResponse fromChatResponse(byte[] body);

    /** A fresh decoder for one streamed answer. */
    StreamDecoder streamDecoder();

    /** The embeddings call; a provider without embeddings throws {@link UnsupportedOperationException}. */
    UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials);

    /** Embeddings in OpenAI's list shape. */
    ObjectNode fromEmbeddingsResponse(byte[] body);

    /** Embeddings in OpenAI's list shape, knowing the request (for providers that report no token counts). */
    default ObjectNode fromEmbeddingsResponse(byte[] body, ObjectNode request, String model) {
        return fromEmbeddingsResponse(body);
    }

    /**
     * The request parameters this provider takes, or null when it takes them all: others are dropped on the
     * way out (noted in the usage record), never an error, so a fallback to it keeps working.
     */
    default java.util.Set<String> supportedParameters() {
        return null;
    }

    /** The request listing the provider's models: model discovery, and the cheap credential / health check. */
    UpstreamRequest toModelsRequest(Credentials credentials);

    /** The model ids of a models listing. */
    java.util.List<String> fromModelsResponse(byte[] body);

    /** Classifies a non-2xx answer from its status, headers (looked up case-insensitively) and body. */
    ProviderFailure classify(int status, Function<String, String> header, byte[] body);

    /** Where to call and with which key; {@code apiKey} may be null for local servers. */
    record Credentials(String baseUrl, String apiKey) {
        @Override
        public String toString() {
            return "Credentials[" + baseUrl + "]";
        }
    }
}

package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.UpstreamRequest;
import java.util.Locale;

/**
 * DeepSeek at {@code https://api.deepseek.com} (the {@code /v1} form works too): OpenAI's chat completions
 * (shared/providers/deepseek.md). What the base already does right, and so is not repeated here:
 * <ul>
 *   <li>{@code reasoning_content} on the message and on stream deltas passes through untouched, and a delta
 *       holding only reasoning counts as content (the chain may no longer fall back after it);</li>
 *   <li>the {@code : keep-alive} comments and blank lines sent while a request waits are skipped, and blank
 *       lines before a non-streamed JSON body are tolerated by the JSON parser;</li>
 *   <li>the context-length message arrives without a dedicated code and is matched by its text;</li>
 *   <li>{@code error.type authentication_error} and HTTP 402 are AUTH.</li>
 * </ul>
 */
public class DeepSeekAdapter extends OpenAiDialectAdapter {

    /** Inference stopped for lack of server resources: the answer is incomplete, and a retry may succeed. */
    static final String INSUFFICIENT_SYSTEM_RESOURCE = "insufficient_system_resource";

    /**
     * {@code error.code} is always the generic {@code invalid_request_error}, so only {@code type} and the text
     * say anything. An empty balance comes as {@code unknown_error} + "Insufficient Balance": an account problem.
     */
    @Override
    protected FailureClass classByBody(JsonNode error, String message) {
        String type = error.path("type").asText("");
        if (type.equals("authentication_error")) {
            return FailureClass.AUTH;
        }
        if (message.toLowerCase(Locale.ROOT).contains("insufficient balance")) {
            return FailureClass.AUTH;
        }
        return super.classByBody(error, message);
    }

    /** {@code prompt_cache_hit_tokens} (hit + miss = prompt) are the cached tokens; newer bodies mirror them in OpenAI's field. */
    @Override
    protected Usage usage(JsonNode node) {
        Usage openAi = Usage.fromOpenAi(node);
        if (node == null || !node.isObject()) {
            return openAi;
        }
        return openAi.withCache(node.path("prompt_cache_hit_tokens").asInt(openAi.cachedTokens()), 0);
    }

    @Override
    protected ProviderFailure failureFor(String finishReason) {
        if (INSUFFICIENT_SYSTEM_RESOURCE.equals(finishReason)) {
            return new ProviderFailure(FailureClass.SERVER_ERROR, 200,
                    "DeepSeek interrupted the answer for lack of resources (finish_reason insufficient_system_resource)", null);
        }
        return null;
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        throw new UnsupportedOperationException("DeepSeek has no embeddings endpoint; route embeddings to another provider");
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        throw new UnsupportedOperationException("DeepSeek has no embeddings endpoint; route embeddings to another provider");
    }
}

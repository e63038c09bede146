package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.UpstreamRequest;
import java.util.Locale;

/**
 * xAI (Grok) at {@code https://api.x.ai/v1}: OpenAI's chat completions with a different error body and a
 * different meaning of {@code completion_tokens} (shared/providers/xai-grok.md).
 *
 * <p>Errors come in two shapes, and both are read:
 * <pre>
 *   xAI    {"code": "Client specified an invalid argument", "error": "Incorrect API key provided: ba***na. ..."}
 *   OpenAI {"error": {"message": "...", "type": "...", "code": "..."}}
 * </pre>
 * The base already takes a string {@code error} as the message; this class adds xAI's text rules on top.
 */
public class XaiAdapter extends OpenAiDialectAdapter {

    /** A bad key is answered 400, not 401, so the text decides ("Incorrect API key provided: ..."). */
    private static final String API_KEY_TEXT = "api key";
    /** Exhausted credits are answered 429, but waiting does not help: an account problem, like insufficient_quota. */
    private static final String CREDITS_TEXT = "credits";
    private static final String SPENDING_LIMIT_TEXT = "spending limit";

    @Override
    protected FailureClass classByBody(JsonNode error, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains(API_KEY_TEXT) || lower.contains(CREDITS_TEXT) || lower.contains(SPENDING_LIMIT_TEXT)) {
            return FailureClass.AUTH;
        }
        // "This model's maximum prompt length is 131072 ..." is among the base's context patterns.
        return super.classByBody(error, message);
    }

    /**
     * xAI counts reasoning outside {@code completion_tokens} ("counted separately from completion_tokens, but
     * counted in the total_tokens"); Usage counts it inside, as OpenAI does. The totals tell which one a body
     * uses, so an answer that already follows OpenAI is not counted twice.
     */
    @Override
    protected Usage usage(JsonNode node) {
        Usage openAi = Usage.fromOpenAi(node);
        int reasoning = openAi.reasoningTokens();
        boolean reasoningOutside = reasoning > 0 && (!node.has("total_tokens")
                || openAi.totalTokens() == openAi.promptTokens() + openAi.completionTokens() + reasoning);
        if (!reasoningOutside) {
            return openAi;
        }
        return new Usage(openAi.promptTokens(), openAi.completionTokens() + reasoning,
                openAi.promptTokens() + openAi.completionTokens() + reasoning, openAi.cachedTokens(), reasoning,
                openAi.cacheWriteTokens(), openAi.searchQueries());
    }

    /** The current API reference has no embeddings endpoint (older SDKs used one; treated as gone). */
    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        throw new UnsupportedOperationException("xAI has no embeddings endpoint; route embeddings to another provider");
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        throw new UnsupportedOperationException("xAI has no embeddings endpoint; route embeddings to another provider");
    }
}

package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.UpstreamRequest;
import java.util.Locale;

/**
 * Perplexity Sonar at {@code https://api.perplexity.ai} (no {@code /v1}): OpenAI's chat completions plus web
 * search (shared/providers/perplexity.md).
 * <ul>
 *   <li>{@code citations}, {@code search_results} and {@code usage.cost} pass through untouched, on the body and
 *       on every chunk: the base keeps each chunk's raw JSON, and this class never rewrites a chunk.</li>
 *   <li>Usage adds {@code num_search_queries} (billed per search). {@code citation_tokens} and {@code cost} stay
 *       in the body only: {@link Usage} has no field for them.</li>
 *   <li>Streams may end without {@code data: [DONE]}; the chunk with a {@code finish_reason} ends them (as in
 *       Portkey's adapter). Every chunk carries running usage; the last one read wins.</li>
 *   <li>No tools, no embeddings, no models listing. {@link #toModelsRequest} stays the base's
 *       {@code GET {base}/models}: it is free (no tokens, no search fee) and the key is checked before the path,
 *       so a bad key is AUTH (401 HTML page) while a good one gets NOT_FOUND (no listing).</li>
 * </ul>
 * Errors: {@code {"error":{"message","type","code":400}}} with a numeric code, and 401 as an HTML page
 * (classified AUTH by its status alone).
 */
public class PerplexityAdapter extends OpenAiDialectAdapter {

    static final String NO_TOOLS = "Perplexity models do not support tools; route tool calls to another model";

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        if (request.hasTools()) {
            // Sonar would silently ignore the tools (gateways drop them) and answer in text, which a caller
            // waiting for a tool call cannot use. Refuse before spending a search on it.
            throw new ProviderFailure(FailureClass.BAD_REQUEST, NO_TOOLS);
        }
        return super.toChatRequest(request, upstreamModel, credentials);
    }

    /**
     * {@code type invalid_model} is a retired or misspelt model, answered 400. Context wording is unverified, so
     * a message about the context and its size counts, besides the base's known patterns.
     */
    @Override
    protected FailureClass classByBody(JsonNode error, String message) {
        if (error.path("type").asText("").equals("invalid_model")) {
            return FailureClass.NOT_FOUND;
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("context") && (lower.contains("token") || lower.contains("too long") || lower.contains("length"))) {
            return FailureClass.CONTEXT_LENGTH;
        }
        return super.classByBody(error, message);
    }

    @Override
    protected Usage usage(JsonNode node) {
        Usage openAi = Usage.fromOpenAi(node);
        if (node == null || !node.isObject()) {
            return openAi;
        }
        return openAi.withSearchQueries(node.path("num_search_queries").asInt(0));
    }

    @Override
    protected boolean endsStream(ChatChunk chunk) {
        return chunk.finishReason() != null;
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        throw new UnsupportedOperationException("Perplexity has no embeddings endpoint; route embeddings to another provider");
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        throw new UnsupportedOperationException("Perplexity has no embeddings endpoint; route embeddings to another provider");
    }
}

package dev.switchboard.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.providers.UpstreamRequest;
import java.util.Locale;
import java.util.Map;

/**
 * LM Studio's local server, OpenAI-compatible surface ({@code http://localhost:1234/v1}; see
 * shared/providers/lmstudio.md). Differences from OpenAI:
 * <ul>
 *   <li>no key by default: the {@code Authorization} header is sent only when the catalog gives a key (servers
 *       with "Require Authentication" on);</li>
 *   <li>without a base URL in the catalog, the default local server is called;</li>
 *   <li>{@code max_tokens} is the length limit it reads, so {@code max_completion_tokens} is sent under that name;</li>
 *   <li>stream errors come as {@code event: error} +
 *       {@code {"type":"error","error":{"type":"invalid_request"|"model_not_found"|"internal_error",...}}};</li>
 *   <li>no loaded model is a 404 "No models loaded. Please load a model ...", whatever wrapper it comes in.</li>
 * </ul>
 */
public class LmStudioAdapter extends OpenAiCompatibleAdapter {

    /** Where {@code lms server start} listens unless the port is changed in the app. */
    public static final String DEFAULT_BASE_URL = "http://localhost:1234/v1";

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        ChatRequest lmStudio = request;
        JsonNode limit = request.body().get("max_completion_tokens");
        if (limit != null && !request.body().has("max_tokens")) {
            lmStudio = request.withParam("max_tokens", limit).withParam("max_completion_tokens", null);
        }
        return super.toChatRequest(lmStudio, upstreamModel, local(credentials));
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        return super.toEmbeddingsRequest(request, upstreamModel, local(credentials));
    }

    @Override
    public UpstreamRequest toModelsRequest(Credentials credentials) {
        return super.toModelsRequest(local(credentials));
    }

    /** A blank key counts as none: an empty {@code Bearer } header is refused by servers in token mode. */
    @Override
    protected Map<String, String> headers(Credentials credentials, boolean stream) {
        boolean noKey = credentials.apiKey() == null || credentials.apiKey().isBlank();
        return super.headers(noKey ? new Credentials(credentials.baseUrl(), null) : credentials, stream);
    }

    @Override
    protected FailureClass classByBody(JsonNode error, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("no models loaded")) {
            return FailureClass.NOT_FOUND;
        }
        // Before the types: an overflow reported as invalid_request still deserves a model with a larger window.
        // The wording is unverified and depends on the model's overflow policy (failure-signals.md, section 3).
        if (lower.contains("context length") || lower.contains("context overflow")) {
            return FailureClass.CONTEXT_LENGTH;
        }
        switch (error.path("type").asText("")) {
            case "invalid_request": return FailureClass.BAD_REQUEST;
            case "model_not_found": return FailureClass.NOT_FOUND;
            case "internal_error", "unknown": return FailureClass.SERVER_ERROR;
            default: return super.classByBody(error, message);
        }
    }

    private static Credentials local(Credentials credentials) {
        String base = credentials.baseUrl();
        return base == null || base.isBlank() ? new Credentials(DEFAULT_BASE_URL, credentials.apiKey()) : credentials;
    }
}

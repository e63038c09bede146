package dev.switchboard.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Google Gemini's native Developer API (generativelanguage.googleapis.com/v1beta), catalog type {@code gemini}.
 * Translation lives in {@link GeminiMapper}, streaming in {@link GeminiStreamDecoder}, failure classes in
 * {@link GeminiErrors}; this class only builds the calls. Stateless and thread-safe.
 */
public final class GeminiAdapter implements ProviderAdapter {
    /** What this wire format carries; other OpenAI parameters are dropped (and noted in the record). */
    private static final java.util.Set<String> SUPPORTED = java.util.Set.of("model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "n", "seed", "presence_penalty", "frequency_penalty", "response_format", "tools", "tool_choice", "stream", "stream_options");

    @Override
    public java.util.Set<String> supportedParameters() {
        return SUPPORTED;
    }


    /** The header the official SDKs send. The {@code ?key=} form would put the key in URLs, which get logged. */
    public static final String API_KEY_HEADER = "x-goog-api-key";

    /** The listing's default page is 50 models, fewer than Gemini serves; 1000 is the documented maximum. */
    private static final int MODELS_PAGE_SIZE = 1000;

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        ObjectNode body = GeminiMapper.toGenerateContent(request.body());
        // Without alt=sse the streaming endpoint answers one JSON array, not server-sent events (gemini.md).
        String method = request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent";
        return UpstreamRequest.post(modelUrl(credentials, upstreamModel) + method,
                headers(credentials, request.stream()), Json.bytes(body));
    }

    @Override
    public ChatResponse fromChatResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, 200, "Gemini answered 200 with a body that is not JSON", null);
        }
        ObjectNode completion = GeminiMapper.fromGenerateContent(json);
        String finish = completion.path("choices").path(0).path("finish_reason").asText(null);
        return new ChatResponse(completion, GeminiMapper.toUsage(json.get("usageMetadata")), finish);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new GeminiStreamDecoder();
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        // The batch form takes one text or many, which is what the python-genai SDK uses for the Developer API.
        ObjectNode body = GeminiMapper.toBatchEmbedContents(request, bareModel(upstreamModel));
        return UpstreamRequest.post(modelUrl(credentials, upstreamModel) + ":batchEmbedContents",
                headers(credentials, false), Json.bytes(body));
    }

    /**
     * Embeddings in OpenAI's list shape. Gemini's answer holds only vectors, so this form cannot know the model
     * or estimate the prompt tokens (usage is 0): prefer {@link #fromEmbeddingsResponse(byte[], ObjectNode, String)}
     * where the request is at hand.
     */
    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        return GeminiMapper.fromBatchEmbedContents(Json.parseOrNull(body), 0, null, false);
    }

    /**
     * Embeddings in OpenAI's list shape, with the request the caller sent: usage estimated from its text
     * (Gemini counts no tokens for embeddings), {@code model} set, and {@code encoding_format: base64} honoured.
     */
    public ObjectNode fromEmbeddingsResponse(byte[] body, ObjectNode request, String model) {
        return GeminiMapper.fromBatchEmbedContents(Json.parseOrNull(body), GeminiMapper.estimateEmbeddingTokens(request),
                model, "base64".equals(request.path("encoding_format").asText()));
    }

    @Override
    public UpstreamRequest toModelsRequest(Credentials credentials) {
        return UpstreamRequest.get(base(credentials) + "/models?pageSize=" + MODELS_PAGE_SIZE, headers(credentials, false));
    }

    @Override
    public List<String> fromModelsResponse(byte[] body) {
        return GeminiMapper.fromModelsList(Json.parseOrNull(body));
    }

    @Override
    public ProviderFailure classify(int status, Function<String, String> header, byte[] body) {
        return GeminiErrors.classify(status, header, body);
    }

    private static Map<String, String> headers(Credentials credentials, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        if (credentials.apiKey() != null) {
            headers.put(API_KEY_HEADER, credentials.apiKey());
        }
        return headers;
    }

    private static String modelUrl(Credentials credentials, String upstreamModel) {
        return base(credentials) + "/models/" + bareModel(upstreamModel);
    }

    /** Catalogs may copy ids from Gemini's own listing, which names them "models/<id>". */
    private static String bareModel(String upstreamModel) {
        return upstreamModel.startsWith("models/") ? upstreamModel.substring("models/".length()) : upstreamModel;
    }

    private static String base(Credentials credentials) {
        String base = credentials.baseUrl();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}

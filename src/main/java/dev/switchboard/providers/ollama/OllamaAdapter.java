package dev.switchboard.providers.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.RetryHints;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Ollama's native API ({@code /api/chat}, {@code /api/embed}, {@code /api/tags}) at a base URL without
 * {@code /v1}, such as {@code http://127.0.0.1:11434} (shared/providers/ollama.md). Native rather than Ollama's
 * OpenAI-compatible {@code /v1}: only the native API takes {@code options} such as {@code num_ctx}, and its
 * errors and mid-stream failures are documented.
 *
 * <p>Streams are NDJSON ({@link OllamaStreamDecoder}); errors are {@code {"error":"<text>"}} with a plain string,
 * classified by text first (section 2 of failure-signals.md) and then by the Ollama column of the status table.
 * A local server needs no key; the {@code Authorization} header is only sent when one is given (ollama.com).
 */
public class OllamaAdapter implements ProviderAdapter {
    /** What this wire format carries; other OpenAI parameters are dropped (and noted in the record). */
    private static final java.util.Set<String> SUPPORTED = java.util.Set.of("model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed", "presence_penalty", "frequency_penalty", "tools", "tool_choice", "response_format", "stream", "stream_options");

    @Override
    public java.util.Set<String> supportedParameters() {
        return SUPPORTED;
    }


    /** Where {@code ollama serve} listens unless OLLAMA_HOST says otherwise. */
    public static final String DEFAULT_BASE_URL = "http://127.0.0.1:11434";

    /** Ollama's own context-overflow texts (runner and server); by default it truncates silently instead. */
    private static final List<String> CONTEXT_PATTERNS = List.of(
            "exceeds the context length",                // the input length exceeds the context length
            "is longer than the context length",         // the prompt is longer than the context length currently available ...
            "exceeds maximum context length",            // input after truncation exceeds maximum context length
            "maximum context length is");                // OpenAI's wording, should a proxy answer in its name

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        ObjectNode body = OllamaMapper.toChatBody(request, upstreamModel);
        return UpstreamRequest.post(base(credentials) + "/api/chat", headers(credentials, request.stream()), Json.bytes(body));
    }

    @Override
    public ChatResponse fromChatResponse(byte[] body) {
        JsonNode json = answer(body);
        if (!json.path("message").isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama answered 200 without a 'message'");
        }
        ObjectNode completion = OllamaMapper.fromChatBody(json, newId());
        String finish = completion.path("choices").get(0).path("finish_reason").asText();
        return new ChatResponse(completion, OllamaMapper.toUsage(json), finish);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new OllamaStreamDecoder(newId());
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        ObjectNode body = OllamaMapper.toEmbedBody(request, upstreamModel);
        return UpstreamRequest.post(base(credentials) + "/api/embed", headers(credentials, false), Json.bytes(body));
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        JsonNode json = answer(body);
        if (!json.path("embeddings").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama answered 200 without 'embeddings'");
        }
        return OllamaMapper.fromEmbedBody(json);
    }

    /**
     * With the caller's request at hand: the list is named after the model the caller asked for, and
     * {@code encoding_format: base64} is honoured (Ollama only returns floats; OpenAI SDKs ask for base64).
     */
    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body, ObjectNode request, String model) {
        ObjectNode list = fromEmbeddingsResponse(body);
        if (model != null) {
            list.put("model", model);
        }
        if (request != null && "base64".equals(request.path("encoding_format").asText())) {
            OllamaMapper.toBase64Embeddings(list);
        }
        return list;
    }

    @Override
    public UpstreamRequest toModelsRequest(Credentials credentials) {
        return UpstreamRequest.get(base(credentials) + "/api/tags", headers(credentials, false));
    }

    /** The pulled models' names as Ollama takes them in {@code model}, tag included ({@code llama3.2:latest}). */
    @Override
    public List<String> fromModelsResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.path("models").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama's model list has no 'models' array");
        }
        List<String> names = new ArrayList<>();
        json.get("models").forEach(m -> names.add(m.path("name").asText(m.path("model").asText())));
        return names;
    }

    @Override
    public ProviderFailure classify(int status, Function<String, String> header, byte[] body) {
        Duration retryAfter = RetryHints.retryAfter(header);
        String message = errorMessage(Json.parseOrNull(body), status);
        FailureClass byText = classByMessage(message);
        return new ProviderFailure(byText != null ? byText : classByStatus(status), status, message, retryAfter);
    }

    /** Ollama's error strings that say more than their status (failure-signals.md, sections 2 and 3); else null. */
    static FailureClass classByMessage(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("try pulling it first")) {
            return FailureClass.NOT_FOUND;        // model "x" not found, try pulling it first
        }
        if (lower.contains("does not support")) {
            return FailureClass.BAD_REQUEST;      // "llama2" does not support tools / thinking
        }
        if (lower.contains("server busy")) {
            return FailureClass.RATE_LIMIT;       // the queue is full (OLLAMA_MAX_QUEUE): waiting helps
        }
        if (CONTEXT_PATTERNS.stream().anyMatch(lower::contains)) {
            return FailureClass.CONTEXT_LENGTH;
        }
        return null;
    }

    /** The Ollama column of failure-signals.md, section 1. */
    static FailureClass classByStatus(int status) {
        return switch (status) {
            case 499 -> FailureClass.TIMEOUT;      // "request canceled": the request went away
            case 503 -> FailureClass.RATE_LIMIT;   // "server busy": the queue is full, not a crash
            default -> FailureClass.ofStatus(status);
        };
    }

    /** {@code {"error":"text"}}; the {@code /v1} object shape is read too, should a base URL point there. */
    static String errorMessage(JsonNode json, int status) {
        JsonNode error = json == null ? null : json.get("error");
        if (error != null && error.isTextual()) {
            return error.asText();
        }
        if (error != null && error.isObject() && error.hasNonNull("message")) {
            return error.get("message").asText();
        }
        return "Ollama answered HTTP " + status + " without an error message";
    }

    /** A 200 body as a JSON object; an {@code error} in it is thrown classified. */
    private static JsonNode answer(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Ollama answered 200 with a body that is not JSON");
        }
        if (json.hasNonNull("error")) {
            String message = errorMessage(json, 200);
            FailureClass byText = classByMessage(message);
            throw new ProviderFailure(byText != null ? byText : FailureClass.SERVER_ERROR, 200, message, null);
        }
        return json;
    }

    private static Map<String, String> headers(Credentials credentials, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "application/x-ndjson" : "application/json");
        if (credentials.apiKey() != null && !credentials.apiKey().isBlank()) {
            headers.put("Authorization", "Bearer " + credentials.apiKey());
        }
        return headers;
    }

    private static String base(Credentials credentials) {
        String base = credentials.baseUrl();
        if (base == null || base.isBlank()) {
            return DEFAULT_BASE_URL;
        }
        if (!base.contains("://")) {
            base = "http://" + base; // OLLAMA_HOST is usually written without a scheme: 127.0.0.1:11434
        }
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** OpenAI answers carry an id; Ollama's do not, so one is made per answer. */
    private static String newId() {
        return "chatcmpl-ollama-" + UUID.randomUUID();
    }
}

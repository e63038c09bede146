package dev.switchboard.providers.openai;

import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.RetryHints;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * OpenAI's chat-completions wire format: the canonical shape, so requests and answers pass through almost
 * untouched. Providers that speak it with small differences (xAI, DeepSeek, Perplexity, LM Studio, Ollama's
 * /v1) extend this class and override only the hook that differs.
 */
public class OpenAiCompatibleAdapter implements ProviderAdapter {

    /** Lower-cased substrings that mean "the prompt does not fit" (failure-signals.md, section 3). */
    private static final List<String> CONTEXT_PATTERNS = List.of(
            "maximum context length", "context_length_exceeded", "exceed context limit", "prompt is too long",
            "exceeds the maximum number of tokens allowed", "maximum prompt length is", "exceeds the context length",
            "is longer than the model's context length", "exceeds the available context size");

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        ObjectNode body = request.body().deepCopy();
        body.put("model", upstreamModel);
        if (request.stream()) {
            // Always ask for the usage chunk: every stream is recorded with its tokens, whether or not the caller asked.
            body.putObject("stream_options").put("include_usage", true);
        } else {
            body.remove("stream_options");
        }
        return UpstreamRequest.post(credentials.baseUrl() + "/chat/completions", headers(credentials, request.stream()), Json.bytes(body));
    }

    @Override
    public ChatResponse fromChatResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider answered 200 with a body that is not JSON");
        }
        if (json.hasNonNull("error")) {
            throw errorObject(json.get("error"), 200);
        }
        JsonNode choices = json.get("choices");
        if (choices == null || !choices.isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider answered 200 without 'choices'");
        }
        String finish = choices.isEmpty() ? null : choices.get(0).path("finish_reason").asText(null);
        return new ChatResponse((ObjectNode) json, Usage.fromOpenAi(json.get("usage")), finish);
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new SseDecoder();
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        ObjectNode body = request.deepCopy();
        body.put("model", upstreamModel);
        return UpstreamRequest.post(credentials.baseUrl() + "/embeddings", headers(credentials, false), Json.bytes(body));
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject() || !json.path("data").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider answered 200 with a body that is not an embeddings list");
        }
        return (ObjectNode) json;
    }

    @Override
    public UpstreamRequest toModelsRequest(Credentials credentials) {
        return UpstreamRequest.get(credentials.baseUrl() + "/models", headers(credentials, false));
    }

    @Override
    public List<String> fromModelsResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.path("data").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider's model list is not OpenAI's list shape");
        }
        List<String> ids = new java.util.ArrayList<>();
        json.get("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    @Override
    public ProviderFailure classify(int status, Function<String, String> header, byte[] body) {
        Duration retryAfter = RetryHints.retryAfter(header);
        JsonNode json = Json.parseOrNull(body);
        JsonNode error = json == null ? null : json.get("error");
        String message = errorMessage(error, status);
        FailureClass byBody = error == null ? null : classByBody(error, message);
        FailureClass failureClass = byBody != null ? byBody : classByStatus(status, message);
        return new ProviderFailure(failureClass, status, message, retryAfter);
    }

    protected Map<String, String> headers(Credentials credentials, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", stream ? "text/event-stream" : "application/json");
        if (credentials.apiKey() != null) {
            headers.put("Authorization", "Bearer " + credentials.apiKey());
        }
        return headers;
    }

    /** OpenAI's {@code error.code} and {@code error.type} override the status (failure-signals.md, section 2). */
    protected FailureClass classByBody(JsonNode error, String message) {
        String code = error.path("code").asText("");
        String type = error.path("type").asText("");
        switch (code) {
            case "context_length_exceeded": return FailureClass.CONTEXT_LENGTH;
            case "invalid_api_key", "insufficient_quota", "unsupported_country_region_territory": return FailureClass.AUTH;
            case "model_not_found": return FailureClass.NOT_FOUND;
            case "rate_limit_exceeded": return FailureClass.RATE_LIMIT;
            case "invalid_prompt", "content_filter", "content_policy_violation": return FailureClass.CONTENT_FILTER;
            default: break;
        }
        if (isContextMessage(message)) {
            return FailureClass.CONTEXT_LENGTH;
        }
        switch (type) {
            case "insufficient_quota", "request_forbidden", "authentication_error": return FailureClass.AUTH;
            case "tokens", "requests": return FailureClass.RATE_LIMIT;
            case "server_error": return FailureClass.SERVER_ERROR;
            default: return null;
        }
    }

    protected static FailureClass classByStatus(int status, String message) {
        if ((status == 400 || status == 413 || status == 429) && isContextMessage(message)) {
            return FailureClass.CONTEXT_LENGTH;
        }
        return FailureClass.ofStatus(status);
    }

    protected static boolean isContextMessage(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        return CONTEXT_PATTERNS.stream().anyMatch(lower::contains);
    }

    protected ProviderFailure errorObject(JsonNode error, int status) {
        String message = errorMessage(error, status);
        FailureClass byBody = classByBody(error, message);
        return new ProviderFailure(byBody != null ? byBody : FailureClass.SERVER_ERROR, status, message, null);
    }

    protected static String errorMessage(JsonNode error, int status) {
        if (error != null && error.isObject() && error.hasNonNull("message")) {
            return error.get("message").asText();
        }
        if (error != null && error.isTextual()) {
            return error.asText();
        }
        return "the provider answered HTTP " + status + " without an error message";
    }

    /** OpenAI SSE: {@code data: <json>} events, {@code : comment} keep-alives, and {@code data: [DONE]} at the end. */
    private final class SseDecoder implements StreamDecoder {
        private boolean finished;

        @Override
        public List<ChatChunk> decode(String line) {
            if (!line.startsWith("data:")) {
                return List.of(); // blank separators, ": keep-alive" comments, "event:" names
            }
            String data = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5).trim();
            if (data.equals("[DONE]")) {
                finished = true;
                return List.of();
            }
            if (data.isEmpty()) {
                return List.of();
            }
            JsonNode json;
            try {
                json = Json.MAPPER.readTree(data);
            } catch (IOException e) {
                throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider sent a malformed stream event");
            }
            if (!json.isObject()) {
                throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider sent a malformed stream event");
            }
            if (json.hasNonNull("error")) {
                throw errorObject(json.get("error"), 200);
            }
            JsonNode usageNode = json.get("usage");
            Usage usage = usageNode != null && usageNode.isObject() ? Usage.fromOpenAi(usageNode) : null;
            JsonNode choices = json.path("choices");
            boolean content = false;
            String finish = null;
            if (choices.isArray() && !choices.isEmpty()) {
                JsonNode choice = choices.get(0);
                JsonNode delta = choice.path("delta");
                content = delta.path("content").asText("").length() > 0
                        || delta.path("tool_calls").size() > 0
                        || delta.path("refusal").asText("").length() > 0
                        || delta.path("reasoning_content").asText("").length() > 0;
                finish = choice.path("finish_reason").asText(null);
                content = content || finish != null;
            }
            return List.of(new ChatChunk((ObjectNode) json, usage, content, finish, data));
        }

        @Override
        public boolean finished() {
            return finished;
        }
    }

}

package dev.switchboard.providers.anthropic;

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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}), which is not OpenAI-compatible: requests and answers
 * go through {@link AnthropicMapper}, streams through {@link AnthropicStreamDecoder}. The catalog's base URL
 * is the host without {@code /v1} ({@code https://api.anthropic.com}), as Anthropic's SDKs take it.
 * Wire reference: shared/providers/anthropic.md; failure classes: shared/providers/failure-signals.md.
 */
public class AnthropicAdapter implements ProviderAdapter, dev.switchboard.providers.SameWireFormat {
    /** What this wire format carries; other OpenAI parameters are dropped (and noted in the record). */
    private static final java.util.Set<String> SUPPORTED = java.util.Set.of("model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "parallel_tool_calls", "stream", "stream_options", "user");

    @Override
    public java.util.Set<String> supportedParameters() {
        return SUPPORTED;
    }


    /** Anthropic requires {@code max_tokens}; this is sent when the caller gave none. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    /** The Messages API version this adapter's mapping was written against. Never change it without re-checking the wire format. */
    public static final String API_VERSION = "2023-06-01";

    /** Lower-cased messages of a 400 that mean "the prompt does not fit" (failure-signals.md, section 3). */
    private static final List<String> CONTEXT_PATTERNS = List.of("prompt is too long", "exceed context limit");

    /**
     * An empty prepaid balance comes back as a 400 {@code invalid_request_error} ("Your credit balance is too
     * low to access the Anthropic API..."): an account problem like {@code billing_error}, not the caller's.
     */
    private static final List<String> BILLING_PATTERNS = List.of("credit balance is too low");

    /** The buckets of the {@code anthropic-ratelimit-<bucket>-reset} headers. */
    private static final List<String> RATE_LIMIT_BUCKETS = List.of("requests", "tokens", "input-tokens", "output-tokens");

    /**
     * {@code GET /v1/models} pages 20 models by default; one page of the maximum holds them all, so discovery
     * needs no pagination.
     */
    private static final String MODELS_PATH = "/v1/models?limit=1000";

    private final Clock clock;

    public AnthropicAdapter() {
        this(Clock.systemUTC());
    }

    /** @param clock reads "now" for the rate-limit reset timestamps */
    public AnthropicAdapter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public UpstreamRequest toChatRequest(ChatRequest request, String upstreamModel, Credentials credentials) {
        ObjectNode body = AnthropicMapper.toAnthropicRequest(request.body(), upstreamModel, DEFAULT_MAX_TOKENS);
        if (request.stream()) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        return UpstreamRequest.post(base(credentials) + "/v1/messages", headers(credentials, request.stream()), Json.bytes(body));
    }

    @Override
    public String wireFormat() {
        return "anthropic";
    }

    /** The caller's Messages request with the pipeline's changes ({@link AnthropicPassThrough}), and its {@code anthropic-beta} header. */
    @Override
    public UpstreamRequest toChatRequest(ObjectNode callerBody, Map<String, String> callerHeaders, ChatRequest canonical,
                                         String upstreamModel, Credentials credentials) {
        ObjectNode body = AnthropicPassThrough.request(callerBody, canonical.body(), upstreamModel, DEFAULT_MAX_TOKENS);
        if (canonical.stream()) {
            body.put("stream", true);
        } else {
            body.remove("stream");
        }
        Map<String, String> headers = headers(credentials, canonical.stream());
        String beta = callerHeaders.get(BETA_HEADER);
        if (beta != null) {
            headers.put(BETA_HEADER, beta); // beta features (the MCP connector) are switched on by the caller
        }
        return UpstreamRequest.post(base(credentials) + "/v1/messages", headers, Json.bytes(body));
    }

    @Override
    public StreamDecoder relayDecoder() {
        return new AnthropicRelayDecoder();
    }

    /** The header naming the beta features a request uses, e.g. {@code mcp-client-2025-04-04}. */
    public static final String BETA_HEADER = "anthropic-beta";

    @Override
    public ChatResponse fromChatResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Anthropic answered 200 with a body that is not JSON");
        }
        if (json.path("type").asText().equals("error")) {
            throw errorObject(json.get("error"), 200);
        }
        if (!json.path("content").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Anthropic answered 200 without 'content'");
        }
        ObjectNode openAi = AnthropicMapper.fromAnthropicResponse(json);
        return new ChatResponse(openAi, AnthropicMapper.usageOf(json.get("usage")),
                openAi.path("choices").path(0).path("finish_reason").asText(null));
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new AnthropicStreamDecoder();
    }

    @Override
    public UpstreamRequest toEmbeddingsRequest(ObjectNode request, String upstreamModel, Credentials credentials) {
        throw new UnsupportedOperationException("Anthropic has no embeddings API");
    }

    @Override
    public ObjectNode fromEmbeddingsResponse(byte[] body) {
        throw new UnsupportedOperationException("Anthropic has no embeddings API");
    }

    @Override
    public UpstreamRequest toModelsRequest(Credentials credentials) {
        return UpstreamRequest.get(base(credentials) + MODELS_PATH, headers(credentials, false));
    }

    @Override
    public List<String> fromModelsResponse(byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.path("data").isArray()) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "Anthropic's model list is not its list shape ({\"data\":[...]})");
        }
        List<String> ids = new ArrayList<>();
        json.get("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    @Override
    public ProviderFailure classify(int status, Function<String, String> header, byte[] body) {
        JsonNode json = Json.parseOrNull(body);
        JsonNode error = json == null ? null : json.get("error");
        String message = errorMessage(error, status);
        FailureClass byType = error == null ? null : classByType(error.path("type").asText(""), message);
        FailureClass failureClass = byType != null ? byType : classByStatus(status, message);
        return new ProviderFailure(failureClass, status, message, retryAfter(header));
    }

    /** Anthropic's {@code error.type} overrides the status (failure-signals.md, section 2); null when unknown. */
    static FailureClass classByType(String type, String message) {
        return switch (type) {
            case "invalid_request_error" -> matches(message, CONTEXT_PATTERNS) ? FailureClass.CONTEXT_LENGTH
                    : matches(message, BILLING_PATTERNS) ? FailureClass.AUTH : FailureClass.BAD_REQUEST;
            case "authentication_error", "permission_error", "billing_error" -> FailureClass.AUTH;
            case "not_found_error" -> FailureClass.NOT_FOUND;
            case "request_too_large" -> FailureClass.BAD_REQUEST;
            // overloaded_error (529) is provider-wide, not our quota; it is retried after a wait like a rate limit.
            case "rate_limit_error", "overloaded_error" -> FailureClass.RATE_LIMIT;
            case "api_error" -> FailureClass.SERVER_ERROR;
            case "timeout_error" -> FailureClass.TIMEOUT;
            default -> null;
        };
    }

    /** The status alone, for bodies without a known error type (Cloudflare's 413 page, a proxy's HTML). */
    static FailureClass classByStatus(int status, String message) {
        if ((status == 400 || status == 413 || status == 429) && matches(message, CONTEXT_PATTERNS)) {
            return FailureClass.CONTEXT_LENGTH;
        }
        // 529 is Anthropic's "overloaded": provider-wide, retry with backoff, like a rate limit.
        return status == 529 ? FailureClass.RATE_LIMIT : FailureClass.ofStatus(status);
    }

    /** A {@code {"type":"error","error":{...}}} that arrived with HTTP 200 (a whole answer or a stream event). */
    static ProviderFailure errorObject(JsonNode error, int status) {
        String message = errorMessage(error, status);
        FailureClass byType = error == null ? null : classByType(error.path("type").asText(""), message);
        return new ProviderFailure(byType != null ? byType : FailureClass.SERVER_ERROR, status, message, null);
    }

    /**
     * {@code retry-after-ms} / {@code retry-after} first; else the {@code anthropic-ratelimit-*-reset} RFC 3339
     * timestamps. Of those, the latest reset among exhausted buckets ({@code -remaining: 0}) is the real wait;
     * with no bucket shown exhausted, the earliest reset is a lower bound.
     */
    Duration retryAfter(Function<String, String> header) {
        Duration hint = RetryHints.retryAfter(header);
        if (hint != null) {
            return hint;
        }
        Instant now = clock.instant();
        Duration exhausted = null;
        Duration earliest = null;
        for (String bucket : RATE_LIMIT_BUCKETS) {
            String reset = header.apply("anthropic-ratelimit-" + bucket + "-reset");
            if (reset == null || reset.isBlank()) {
                continue;
            }
            Duration wait;
            try {
                wait = Duration.between(now, OffsetDateTime.parse(reset.trim()).toInstant());
            } catch (DateTimeParseException notATimestamp) {
                continue;
            }
            wait = wait.isNegative() ? Duration.ZERO : wait;
            String remaining = header.apply("anthropic-ratelimit-" + bucket + "-remaining");
            if (remaining != null && remaining.trim().equals("0")) {
                exhausted = exhausted == null || wait.compareTo(exhausted) > 0 ? wait : exhausted;
            } else {
                earliest = earliest == null || wait.compareTo(earliest) < 0 ? wait : earliest;
            }
        }
        return exhausted != null ? exhausted : earliest;
    }

    private static Map<String, String> headers(Credentials credentials, boolean stream) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (credentials.apiKey() != null) {
            headers.put("x-api-key", credentials.apiKey());
        }
        headers.put("anthropic-version", API_VERSION);
        headers.put("content-type", "application/json");
        if (stream) {
            headers.put("accept", "text/event-stream");
        }
        return headers;
    }

    /** The host without a trailing slash; a base URL configured with {@code /v1} (OpenAI habit) is tolerated. */
    private static String base(Credentials credentials) {
        String base = credentials.baseUrl();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base.endsWith("/v1") ? base.substring(0, base.length() - 3) : base;
    }

    private static boolean matches(String message, List<String> patterns) {
        String lower = message.toLowerCase(Locale.ROOT);
        return patterns.stream().anyMatch(lower::contains);
    }

    private static String errorMessage(JsonNode error, int status) {
        if (error != null && error.isObject() && error.path("message").isTextual()) {
            return error.get("message").asText();
        }
        return "Anthropic answered HTTP " + status + " without an error message";
    }
}

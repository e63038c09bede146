package dev.switchboard.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.RetryHints;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Gemini's Google RPC error bodies ({@code {"error":{"code","message","status","details":[...]}}}) as failure
 * classes, following failure-signals.md: the RPC {@code status} and {@code details} decide first, the HTTP
 * status only when the body says nothing. Used for non-2xx answers, for a 200 that carries an error, and for
 * an error event in the middle of a stream.
 */
public final class GeminiErrors {

    /** Lower-cased substrings that mean "the prompt does not fit" (failure-signals.md, section 3). */
    private static final List<String> CONTEXT_PATTERNS = List.of(
            "exceeds the maximum number of tokens allowed", "maximum context length", "exceed context limit",
            "prompt is too long", "exceeds the context length");

    private static final String RETRY_INFO = "google.rpc.RetryInfo";
    private static final String QUOTA_FAILURE = "google.rpc.QuotaFailure";

    private GeminiErrors() {
    }

    /** A non-2xx answer: status, headers (case-insensitive lookup) and body, which may not be JSON at all. */
    public static ProviderFailure classify(int status, Function<String, String> header, byte[] body) {
        return fromError(errorNode(Json.parseOrNull(body)), status, header);
    }

    /**
     * The {@code error} object of a parsed body, or null. Google's front ends sometimes wrap it in a JSON array
     * ({@code [{"error":{...}}]}), as the streaming endpoint does when {@code alt=sse} is missing.
     */
    public static JsonNode errorNode(JsonNode json) {
        if (json != null && json.isArray() && !json.isEmpty()) {
            json = json.get(0);
        }
        if (json == null || !json.isObject()) {
            return null;
        }
        JsonNode error = json.get("error");
        return error != null && (error.isObject() || error.isTextual()) ? error : null;
    }

    /** Classifies one {@code error} object (or null when the body had none) seen with {@code httpStatus}. */
    public static ProviderFailure fromError(JsonNode error, int httpStatus, Function<String, String> header) {
        String message = message(error, httpStatus);
        Duration retryDelay = retryDelay(error);
        Duration retryAfter = retryDelay != null ? retryDelay : RetryHints.retryAfter(header);
        FailureClass byBody = error == null || !error.isObject() ? null : classByBody(error, message, retryDelay != null);
        // A mid-stream error arrives on a 200: its own "code" is the HTTP status the call would have had.
        int effectiveStatus = httpStatus >= 200 && httpStatus < 300 && error != null && error.path("code").isInt()
                ? error.get("code").asInt() : httpStatus;
        FailureClass failureClass = byBody != null ? byBody : classByStatus(effectiveStatus, message);
        return new ProviderFailure(failureClass, httpStatus, message, retryAfter);
    }

    private static FailureClass classByBody(JsonNode error, String message, boolean hasRetryInfo) {
        // Gemini answers a bad key with 400 INVALID_ARGUMENT; only the ErrorInfo reason tells it apart.
        if (hasReason(error, "API_KEY_INVALID") || message.startsWith("API key not valid")) {
            return FailureClass.AUTH;
        }
        String status = error.path("status").asText("");
        return switch (status) {
            case "INVALID_ARGUMENT", "OUT_OF_RANGE" ->
                    isContextMessage(message) ? FailureClass.CONTEXT_LENGTH : FailureClass.BAD_REQUEST;
            // FAILED_PRECONDITION is billing not enabled / free tier not offered in the region: an account problem.
            case "FAILED_PRECONDITION", "PERMISSION_DENIED", "UNAUTHENTICATED" -> FailureClass.AUTH;
            case "NOT_FOUND" -> FailureClass.NOT_FOUND;
            // A used-up daily quota will not come back in seconds; without a RetryInfo to wait for, treat it
            // as an account problem (failure-signals.md, "Billing/quota exhaustion").
            case "RESOURCE_EXHAUSTED" -> !hasRetryInfo && isDailyQuota(error, message)
                    ? FailureClass.AUTH : FailureClass.RATE_LIMIT;
            case "INTERNAL", "UNAVAILABLE", "UNKNOWN", "ABORTED", "DATA_LOSS" -> FailureClass.SERVER_ERROR;
            case "DEADLINE_EXCEEDED" -> FailureClass.TIMEOUT;
            default -> null;
        };
    }

    private static FailureClass classByStatus(int status, String message) {
        if ((status == 400 || status == 413) && isContextMessage(message)) {
            return FailureClass.CONTEXT_LENGTH;
        }
        return FailureClass.ofStatus(status);
    }

    static boolean isContextMessage(String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        return CONTEXT_PATTERNS.stream().anyMatch(lower::contains);
    }

    private static boolean hasReason(JsonNode error, String reason) {
        for (JsonNode detail : error.path("details")) {
            if (reason.equals(detail.path("reason").asText())) {
                return true;
            }
        }
        return false;
    }

    /** A per-day quota, by the QuotaFailure violation ids ("GenerateRequestsPerDayPerProjectPerModel-FreeTier"). */
    private static boolean isDailyQuota(JsonNode error, String message) {
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText().endsWith(QUOTA_FAILURE)) {
                for (JsonNode violation : detail.path("violations")) {
                    String id = (violation.path("quotaId").asText("") + " " + violation.path("quotaMetric").asText(""))
                            .toLowerCase(Locale.ROOT);
                    if (id.contains("perday") || id.contains("per_day")) {
                        return true;
                    }
                }
            }
        }
        String lower = message.toLowerCase(Locale.ROOT);
        return lower.contains("per day") || lower.contains("daily");
    }

    /**
     * Gemini sends no retry-after header; the wait is {@code details[@type=...RetryInfo].retryDelay}, a protobuf
     * Duration in JSON form ("34s", "0.5s"). Null when absent or unreadable.
     */
    static Duration retryDelay(JsonNode error) {
        if (error == null) {
            return null;
        }
        for (JsonNode detail : error.path("details")) {
            if (detail.path("@type").asText().endsWith(RETRY_INFO)) {
                String delay = detail.path("retryDelay").asText("").trim();
                if (delay.endsWith("s")) {
                    try {
                        BigDecimal seconds = new BigDecimal(delay.substring(0, delay.length() - 1));
                        return seconds.signum() < 0 ? null : Duration.ofMillis(seconds.movePointRight(3).longValue());
                    } catch (NumberFormatException | ArithmeticException unreadable) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    private static String message(JsonNode error, int status) {
        if (error != null && error.isObject() && error.hasNonNull("message")) {
            return error.get("message").asText();
        }
        if (error != null && error.isTextual()) {
            return error.asText();
        }
        return "the provider answered HTTP " + status + " without an error message";
    }
}

package dev.switchboard.providers.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Gemini's Google RPC error bodies as failure classes and retry hints (failure-signals.md). */
class GeminiErrorsTest {
    private final GeminiAdapter adapter = new GeminiAdapter();

    private static final String KEY_INVALID = "{'error':{'code':400,'message':'API key not valid. Please pass a valid API key.',"
            + "'status':'INVALID_ARGUMENT','details':[{'@type':'type.googleapis.com/google.rpc.ErrorInfo','reason':'API_KEY_INVALID',"
            + "'domain':'googleapis.com','metadata':{'service':'generativelanguage.googleapis.com'}}]}}";
    private static final String PER_MINUTE_QUOTA = "{'error':{'code':429,'message':'You exceeded your current quota.','status':'RESOURCE_EXHAUSTED',"
            + "'details':[{'@type':'type.googleapis.com/google.rpc.QuotaFailure','violations':[{'quotaId':'GenerateRequestsPerMinutePerProjectPerModel-FreeTier'}]},"
            + "{'@type':'type.googleapis.com/google.rpc.RetryInfo','retryDelay':'34s'}]}}";
    private static final String PER_DAY_QUOTA_WITHOUT_RETRY = "{'error':{'code':429,'message':'You exceeded your current quota.','status':'RESOURCE_EXHAUSTED',"
            + "'details':[{'@type':'type.googleapis.com/google.rpc.QuotaFailure','violations':[{'quotaId':'GenerateRequestsPerDayPerProjectPerModel-FreeTier'}]}]}}";
    private static final String PER_DAY_QUOTA_WITH_RETRY = "{'error':{'code':429,'message':'You exceeded your current quota.','status':'RESOURCE_EXHAUSTED',"
            + "'details':[{'@type':'type.googleapis.com/google.rpc.QuotaFailure','violations':[{'quotaId':'GenerateRequestsPerDayPerProjectPerModel-FreeTier'}]},"
            + "{'@type':'type.googleapis.com/google.rpc.RetryInfo','retryDelay':'20s'}]}}";

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("plain invalid argument", 400, error(400, "INVALID_ARGUMENT", "Request contains an invalid argument."), FailureClass.BAD_REQUEST),
                Arguments.of("invalid API key is a 400 but an account problem", 400, KEY_INVALID, FailureClass.AUTH),
                Arguments.of("too many input tokens", 400, error(400, "INVALID_ARGUMENT",
                        "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576)."), FailureClass.CONTEXT_LENGTH),
                Arguments.of("billing not enabled or region not served", 400, error(400, "FAILED_PRECONDITION",
                        "User location is not supported for the API use."), FailureClass.AUTH),
                Arguments.of("permission denied", 403, error(403, "PERMISSION_DENIED", "The caller does not have permission"), FailureClass.AUTH),
                Arguments.of("unauthenticated", 401, error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."), FailureClass.AUTH),
                Arguments.of("unknown model", 404, error(404, "NOT_FOUND", "models/foo is not found for API version v1beta"), FailureClass.NOT_FOUND),
                Arguments.of("per-minute quota with a retry delay", 429, PER_MINUTE_QUOTA, FailureClass.RATE_LIMIT),
                Arguments.of("per-day quota without a retry delay is an account problem", 429, PER_DAY_QUOTA_WITHOUT_RETRY, FailureClass.AUTH),
                Arguments.of("per-day quota with a retry delay is still a rate limit", 429, PER_DAY_QUOTA_WITH_RETRY, FailureClass.RATE_LIMIT),
                Arguments.of("internal error", 500, error(500, "INTERNAL", "An internal error has occurred."), FailureClass.SERVER_ERROR),
                Arguments.of("overloaded", 503, error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."), FailureClass.SERVER_ERROR),
                Arguments.of("deadline exceeded", 504, error(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."), FailureClass.TIMEOUT),
                Arguments.of("an error array as some front ends send it", 429, "[" + error(429, "RESOURCE_EXHAUSTED", "slow down") + "]", FailureClass.RATE_LIMIT),
                Arguments.of("HTML error page", 502, "<html>Bad Gateway</html>", FailureClass.SERVER_ERROR),
                Arguments.of("HTML 404 page", 404, "<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>", FailureClass.NOT_FOUND),
                Arguments.of("empty 401", 401, "", FailureClass.AUTH),
                Arguments.of("empty 429", 429, "", FailureClass.RATE_LIMIT),
                Arguments.of("unknown 4xx", 418, "", FailureClass.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_provider_errors(String name, int status, String body, FailureClass expected) {
        ProviderFailure f = adapter.classify(status, h -> null, body.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, f.failureClass());
        assertEquals(status, f.upstreamStatus());
    }

    @Test
    void should_keep_the_provider_message_for_the_caller() {
        ProviderFailure f = adapter.classify(400, h -> null, bytes(KEY_INVALID));
        assertEquals("API key not valid. Please pass a valid API key.", f.getMessage());
        assertTrue(adapter.classify(502, h -> null, bytes("<html>")).getMessage().contains("502"));
    }

    @Test
    void should_read_the_retry_delay_from_retry_info() {
        assertEquals(Duration.ofSeconds(34), adapter.classify(429, h -> null, bytes(PER_MINUTE_QUOTA)).retryAfter().orElseThrow());
        String halfSecond = PER_MINUTE_QUOTA.replace("34s", "0.5s");
        assertEquals(Duration.ofMillis(500), adapter.classify(429, h -> null, bytes(halfSecond)).retryAfter().orElseThrow());
    }

    @Test
    void should_fall_back_to_retry_after_headers_without_retry_info() {
        Map<String, String> headers = Map.of("retry-after", "7");
        String body = error(429, "RESOURCE_EXHAUSTED", "slow down");
        assertEquals(Duration.ofSeconds(7), adapter.classify(429, headers::get, bytes(body)).retryAfter().orElseThrow());
        assertTrue(adapter.classify(429, h -> null, bytes(body)).retryAfter().isEmpty());
        assertEquals(Duration.ofSeconds(34), adapter.classify(429, headers::get, bytes(PER_MINUTE_QUOTA)).retryAfter().orElseThrow(),
                "the body's RetryInfo is more precise than a header");
    }

    @Test
    void should_classify_a_mid_stream_error_by_its_rpc_status_or_code() {
        assertEquals(FailureClass.RATE_LIMIT, GeminiErrors.fromError(
                GeminiMapperTest.json(error(429, "RESOURCE_EXHAUSTED", "slow")).get("error"), 200, h -> null).failureClass());
        assertEquals(FailureClass.TIMEOUT, GeminiErrors.fromError(
                GeminiMapperTest.json("{'error':{'code':504,'message':'late'}}").get("error"), 200, h -> null).failureClass());
        assertEquals(FailureClass.SERVER_ERROR, GeminiErrors.fromError(
                GeminiMapperTest.json("{'error':{'message':'?'}}").get("error"), 200, h -> null).failureClass());
    }

    private static String error(int code, String status, String message) {
        return "{'error':{'code':" + code + ",'message':'" + message + "','status':'" + status + "'}}";
    }

    private static byte[] bytes(String singleQuoted) {
        return singleQuoted.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }
}

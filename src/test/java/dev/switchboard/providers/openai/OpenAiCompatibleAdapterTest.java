package dev.switchboard.providers.openai;

import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter;
import dev.switchboard.providers.RetryHints;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The OpenAI wire format as pure functions: failure classification (failure-signals.md) and stream decoding. */
class OpenAiCompatibleAdapterTest {
    private final OpenAiCompatibleAdapter adapter = new OpenAiCompatibleAdapter();

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("server error", 500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}", FailureClass.SERVER_ERROR),
                Arguments.of("overloaded", 503, "{\"error\":{\"message\":\"The engine is currently overloaded\",\"type\":\"server_error\"}}", FailureClass.SERVER_ERROR),
                Arguments.of("rate limited", 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}", FailureClass.RATE_LIMIT),
                Arguments.of("quota exhausted is an account problem", 429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}", FailureClass.AUTH),
                Arguments.of("bad key", 401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", FailureClass.AUTH),
                Arguments.of("unknown model", 404, "{\"error\":{\"message\":\"The model does not exist\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}", FailureClass.NOT_FOUND),
                Arguments.of("context too long", 400, "{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}", FailureClass.CONTEXT_LENGTH),
                Arguments.of("context too long without a code (DeepSeek)", 400, "{\"error\":{\"message\":\"This model's maximum context length is 131072 tokens. However, you requested 131134 tokens\",\"type\":\"invalid_request_error\",\"code\":\"invalid_request_error\"}}", FailureClass.CONTEXT_LENGTH),
                Arguments.of("flagged prompt", 400, "{\"error\":{\"message\":\"Invalid prompt: flagged\",\"type\":\"invalid_request_error\",\"code\":\"invalid_prompt\"}}", FailureClass.CONTENT_FILTER),
                Arguments.of("plain bad request", 400, "{\"error\":{\"message\":\"Invalid 'messages'\",\"type\":\"invalid_request_error\",\"param\":\"messages\"}}", FailureClass.BAD_REQUEST),
                Arguments.of("HTML error page", 502, "<html>Bad Gateway</html>", FailureClass.SERVER_ERROR),
                Arguments.of("timeout status", 504, "", FailureClass.TIMEOUT),
                Arguments.of("unknown 4xx", 418, "", FailureClass.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_provider_errors(String name, int status, String body, FailureClass expected) {
        ProviderFailure f = adapter.classify(status, h -> null, body.getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, f.failureClass());
        assertEquals(status, f.upstreamStatus());
    }

    @Test
    void should_read_retry_hints_preferring_milliseconds() {
        Map<String, String> headers = Map.of("retry-after", "20", "retry-after-ms", "250");
        ProviderFailure f = adapter.classify(429, headers::get, new byte[0]);
        assertEquals(Duration.ofMillis(250), f.retryAfter().orElseThrow());
        assertEquals(Duration.ofSeconds(2), adapter.classify(429, Map.of("retry-after", "2")::get, new byte[0]).retryAfter().orElseThrow());
        assertTrue(adapter.classify(429, h -> null, new byte[0]).retryAfter().isEmpty());
    }

    @Test
    void should_always_ask_for_stream_usage_and_set_the_upstream_model_and_key() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"alias\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        UpstreamRequest r = adapter.toChatRequest(new ChatRequest("alias", body, true, false), "gpt-4o-mini",
                new ProviderAdapter.Credentials("http://h/v1", "sk-abc"));
        assertEquals("http://h/v1/chat/completions", r.url());
        assertEquals("Bearer sk-abc", r.headers().get("Authorization"));
        ObjectNode sent = (ObjectNode) Json.MAPPER.readTree(r.body());
        assertEquals("gpt-4o-mini", sent.path("model").asText());
        assertTrue(sent.at("/stream_options/include_usage").asBoolean());
        assertEquals("alias", body.path("model").asText(), "the caller's request is not modified");
        assertFalse(r.toString().contains("sk-abc"), "no key in toString");
    }

    @Test
    void should_decode_a_stream_skipping_keep_alives_and_ending_on_done() {
        StreamDecoder d = adapter.streamDecoder();
        assertEquals(List.of(), d.decode(": keep-alive"));
        assertEquals(List.of(), d.decode(""));
        List<ChatChunk> role = d.decode("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
        assertFalse(role.get(0).content(), "a role-only chunk is not content yet");
        List<ChatChunk> text = d.decode("data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}");
        assertTrue(text.get(0).content());
        List<ChatChunk> usage = d.decode("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}");
        assertEquals(5, usage.get(0).usage().totalTokens());
        assertFalse(d.finished());
        d.decode("data: [DONE]");
        assertTrue(d.finished());
    }

    @Test
    void should_throw_a_classified_failure_for_an_error_event_or_a_malformed_chunk() {
        StreamDecoder d = adapter.streamDecoder();
        ProviderFailure f = assertThrows(ProviderFailure.class,
                () -> d.decode("data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
        assertEquals(FailureClass.SERVER_ERROR, f.failureClass());
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class, () -> adapter.streamDecoder().decode("data: {oops")).failureClass());
    }

    @Test
    void should_refuse_a_200_that_is_not_a_chat_completion() {
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> adapter.fromChatResponse("<html>".getBytes(StandardCharsets.UTF_8))).failureClass());
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> adapter.fromChatResponse("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8))).failureClass());
        assertNull(adapter.fromChatResponse("{\"choices\":[]}".getBytes(StandardCharsets.UTF_8)).finishReason());
    }
}

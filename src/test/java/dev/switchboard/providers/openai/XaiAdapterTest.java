package dev.switchboard.providers.openai;

import static dev.switchboard.fakes.FakeOpenAiDialects.COMPLETION_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.PROMPT_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.XAI_CACHED_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.XAI_REASONING_TOKENS;
import static dev.switchboard.providers.openai.UpstreamCall.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.fakes.FakeOpenAiDialects;
import dev.switchboard.fakes.FakeOpenAiDialects.Dialect;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.UpstreamRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** xAI against its fake over HTTP: flat errors, a bad key answered 400, reasoning counted beside completion tokens. */
class XaiAdapterTest {
    private static final String KEY = "xai-test-key";
    private static FakeOpenAiDialects fake;
    private final XaiAdapter adapter = new XaiAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAiDialects.start(Dialect.XAI);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @AfterEach
    void noUnexpectedRequests() {
        assertEquals(List.of(), fake.unexpected());
        fake.reset();
    }

    private Credentials key(String apiKey) {
        return new Credentials(fake.baseUrl(), apiKey);
    }

    @Test
    void should_call_chat_completions_under_v1_with_the_bearer_key() {
        UpstreamCall.send(adapter.toChatRequest(chat("alias", true), "grok-4", key(KEY)));
        FakeOpenAiDialects.Recorded sent = fake.requestsFor("grok-4").get(0);
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("Bearer " + KEY, sent.header("authorization"));
        assertTrue(sent.json().at("/stream_options/include_usage").asBoolean(), "every stream is recorded with its tokens");
    }

    @Test
    void should_count_reasoning_inside_completion_tokens_of_a_whole_answer() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat("grok-4", false), "grok-4", key(KEY)));
        ChatResponse response = adapter.fromChatResponse(answer.body());
        assertEquals("Hello from grok-4", response.body().at("/choices/0/message/content").asText());
        assertEquals(new Usage(PROMPT_TOKENS, COMPLETION_TOKENS + XAI_REASONING_TOKENS,
                PROMPT_TOKENS + COMPLETION_TOKENS + XAI_REASONING_TOKENS, XAI_CACHED_TOKENS, XAI_REASONING_TOKENS, 0, 0),
                response.usage());
        assertEquals(COMPLETION_TOKENS, response.body().at("/usage/completion_tokens").asInt(), "the body stays as xAI sent it");
    }

    @Test
    void should_count_reasoning_inside_completion_tokens_of_a_stream() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("grok-4", true), "grok-4", key(KEY)), adapter.streamDecoder());
        assertTrue(streamed.finished());
        assertEquals("Hello from grok-4", streamed.text());
        assertEquals("stop", streamed.finishReason());
        assertEquals(COMPLETION_TOKENS + XAI_REASONING_TOKENS, streamed.usage().completionTokens());
        assertEquals(PROMPT_TOKENS + COMPLETION_TOKENS + XAI_REASONING_TOKENS, streamed.usage().totalTokens());
        assertEquals(XAI_CACHED_TOKENS, streamed.usage().cachedTokens());
    }

    static Stream<Arguments> usages() {
        return Stream.of(
                Arguments.of("reasoning beside completion (xAI's documented way)",
                        "{\"prompt_tokens\":32,\"completion_tokens\":9,\"total_tokens\":135,\"completion_tokens_details\":{\"reasoning_tokens\":94}}",
                        103, 135),
                Arguments.of("reasoning inside completion (OpenAI's way) is not counted twice",
                        "{\"prompt_tokens\":32,\"completion_tokens\":103,\"total_tokens\":135,\"completion_tokens_details\":{\"reasoning_tokens\":94}}",
                        103, 135),
                Arguments.of("no total: xAI's documented way",
                        "{\"prompt_tokens\":32,\"completion_tokens\":9,\"completion_tokens_details\":{\"reasoning_tokens\":94}}",
                        103, 135),
                Arguments.of("no reasoning",
                        "{\"prompt_tokens\":32,\"completion_tokens\":9,\"total_tokens\":41}", 9, 41));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usages")
    void should_read_usage_with_reasoning_counted_once(String name, String usage, int completion, int total) throws Exception {
        Usage read = adapter.usage(Json.MAPPER.readTree(usage));
        assertEquals(completion, read.completionTokens());
        assertEquals(total, read.totalTokens());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a bad key is answered 400 but is an account problem", "grok-4", FakeOpenAiDialects.BAD_KEY, 400, FailureClass.AUTH),
                Arguments.of("a missing key too", "grok-4", null, 400, FailureClass.AUTH),
                Arguments.of("exhausted credits are answered 429 but waiting does not help", "fake-credits", KEY, 429, FailureClass.AUTH),
                Arguments.of("a rate limit", "fake-429", KEY, 429, FailureClass.RATE_LIMIT),
                Arguments.of("a prompt over the maximum prompt length", "fake-context", KEY, 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("a plain bad request", "fake-400", KEY, 400, FailureClass.BAD_REQUEST),
                Arguments.of("a server error", "fake-500", KEY, 500, FailureClass.SERVER_ERROR),
                Arguments.of("an overloaded server", "fake-503", KEY, 503, FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_xai_failures_from_its_flat_error_body(String name, String model, String apiKey, int status, FailureClass expected) {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(model, false), model, key(apiKey)));
        assertEquals(status, answer.status());
        assertTrue(answer.text().startsWith("{\"code\":"), "xAI's errors are flat: " + answer.text());
        ProviderFailure failure = adapter.classify(answer.status(), answer.header(), answer.body());
        assertEquals(expected, failure.failureClass());
        assertEquals(status, failure.upstreamStatus());
        assertFalse(failure.getMessage().contains("without an error message"), "the flat 'error' text is the message");
    }

    @Test
    void should_still_read_openai_shaped_errors() {
        byte[] body = "{\"error\":{\"message\":\"Incorrect API key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(FailureClass.AUTH, adapter.classify(401, h -> null, body).failureClass());
        byte[] missing = "{\"error\":{\"message\":\"The model grok-9 does not exist\",\"type\":\"invalid_request_error\"}}"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(FailureClass.NOT_FOUND, adapter.classify(404, h -> null, missing).failureClass());
    }

    @Test
    void should_fall_back_to_backoff_when_xai_sends_no_retry_hint_and_honour_one_when_it_does() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat("fake-429", false), "fake-429", key(KEY)));
        assertTrue(adapter.classify(answer.status(), answer.header(), answer.body()).retryAfter().isEmpty());
        assertEquals(Duration.ofSeconds(3),
                adapter.classify(429, Map.of("retry-after", "3")::get, answer.body()).retryAfter().orElseThrow());
    }

    @Test
    void should_leave_a_cut_stream_unfinished_and_throw_a_mid_stream_error() {
        UpstreamCall.Streamed cut = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut", true), "fake-cut", key(KEY)), adapter.streamDecoder());
        assertFalse(cut.finished());
        assertEquals("Hel", cut.text());
        UpstreamCall.Streamed broken = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-stream-error", true), "fake-stream-error", key(KEY)), adapter.streamDecoder());
        assertNotNull(broken.failure());
        assertEquals(FailureClass.SERVER_ERROR, broken.failure().failureClass());
        assertEquals("partial", broken.text());
    }

    @Test
    void should_list_models_and_refuse_embeddings() {
        UpstreamRequest models = adapter.toModelsRequest(key(KEY));
        assertEquals(List.of("grok-4", "grok-3-mini"), adapter.fromModelsResponse(UpstreamCall.send(models).body()));
        assertThrows(UnsupportedOperationException.class,
                () -> adapter.toEmbeddingsRequest(Json.MAPPER.createObjectNode().put("input", "x"), "grok-4", key(KEY)));
    }

    @Test
    void should_read_a_flat_error_inside_a_200_answer() {
        byte[] body = "{\"code\":\"Some resource has been exhausted\",\"error\":\"used all available credits\"}"
                .getBytes(StandardCharsets.UTF_8);
        ProviderFailure failure = assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(body));
        assertEquals(FailureClass.AUTH, failure.failureClass());
        assertNull(failure.retryAfter().orElse(null));
    }
}

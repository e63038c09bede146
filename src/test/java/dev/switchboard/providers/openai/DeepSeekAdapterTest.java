package dev.switchboard.providers.openai;

import static dev.switchboard.fakes.FakeOpenAiDialects.COMPLETION_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.DEEPSEEK_CACHE_HIT_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.DEEPSEEK_REASONING_PIECES;
import static dev.switchboard.fakes.FakeOpenAiDialects.DEEPSEEK_REASONING_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.PROMPT_TOKENS;
import static dev.switchboard.providers.openai.UpstreamCall.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.fakes.FakeOpenAiDialects;
import dev.switchboard.fakes.FakeOpenAiDialects.Dialect;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.StreamDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DeepSeek against its fake over HTTP: keep-alives, reasoning_content, cache-hit usage, its error types. */
class DeepSeekAdapterTest {
    private static final String KEY = "sk-deepseek-test";
    private static final Usage EXPECTED_USAGE = new Usage(PROMPT_TOKENS, COMPLETION_TOKENS,
            PROMPT_TOKENS + COMPLETION_TOKENS, DEEPSEEK_CACHE_HIT_TOKENS, DEEPSEEK_REASONING_TOKENS, 0, 0);
    private static FakeOpenAiDialects fake;
    private final DeepSeekAdapter adapter = new DeepSeekAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAiDialects.start(Dialect.DEEPSEEK);
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
    void should_call_chat_completions_without_v1_and_also_work_with_the_v1_base() {
        UpstreamCall.send(adapter.toChatRequest(chat("deepseek-chat", false), "deepseek-chat", key(KEY)));
        UpstreamCall.Answer viaV1 = UpstreamCall.send(adapter.toChatRequest(chat("deepseek-chat", false), "deepseek-chat",
                new Credentials(fake.baseUrl() + "/v1", KEY)));
        assertEquals(200, viaV1.status());
        assertEquals(List.of("/chat/completions", "/v1/chat/completions"),
                fake.requestsFor("deepseek-chat").stream().map(FakeOpenAiDialects.Recorded::path).toList());
    }

    @Test
    void should_read_a_whole_answer_sent_after_keep_alive_blank_lines_with_its_reasoning_and_cache_hits() {
        UpstreamCall.Answer answer = UpstreamCall.send(
                adapter.toChatRequest(chat("deepseek-reasoner", false), "deepseek-reasoner", key(KEY)));
        assertTrue(answer.text().startsWith("\n\n"), "the fake sends DeepSeek's blank keep-alive lines first");
        ChatResponse response = adapter.fromChatResponse(answer.body());
        assertEquals("Hello from deepseek-reasoner", response.body().at("/choices/0/message/content").asText());
        assertEquals(String.join("", DEEPSEEK_REASONING_PIECES),
                response.body().at("/choices/0/message/reasoning_content").asText(), "reasoning passes through");
        assertEquals(EXPECTED_USAGE, response.usage());
    }

    @Test
    void should_stream_past_keep_alives_with_reasoning_as_content_and_record_cache_hits() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("deepseek-reasoner", true), "deepseek-reasoner", key(KEY)), adapter.streamDecoder());
        assertTrue(streamed.finished());
        assertEquals("Hello from deepseek-reasoner", streamed.text());
        ChatChunk firstContent = streamed.chunks().stream().filter(ChatChunk::content).findFirst().orElseThrow();
        assertEquals(DEEPSEEK_REASONING_PIECES.get(0), firstContent.json().at("/choices/0/delta/reasoning_content").asText(),
                "a delta with only reasoning_content is already content: no fallback after it");
        assertTrue(firstContent.raw().contains("\"reasoning_content\":\"" + DEEPSEEK_REASONING_PIECES.get(0) + "\""),
                "the raw chunk forwarded to the caller keeps reasoning_content");
        assertEquals(EXPECTED_USAGE, streamed.usage());
    }

    @Test
    void should_skip_keep_alive_comments_and_blank_lines() {
        StreamDecoder decoder = adapter.streamDecoder();
        assertEquals(List.of(), decoder.decode(": keep-alive"));
        assertEquals(List.of(), decoder.decode(""));
        assertFalse(decoder.finished());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a bad key (authentication_error)", "deepseek-chat", FakeOpenAiDialects.BAD_KEY, 401, FailureClass.AUTH),
                Arguments.of("an empty balance (402 Insufficient Balance)", "fake-balance", KEY, 402, FailureClass.AUTH),
                Arguments.of("a context message without a dedicated code", "fake-context", KEY, 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("a plain bad request, whose code invalid_request_error says nothing", "fake-400", KEY, 400, FailureClass.BAD_REQUEST),
                Arguments.of("a rate limit", "fake-429", KEY, 429, FailureClass.RATE_LIMIT),
                Arguments.of("a server error", "fake-500", KEY, 500, FailureClass.SERVER_ERROR),
                Arguments.of("an overloaded server", "fake-503", KEY, 503, FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_deepseek_failures(String name, String model, String apiKey, int status, FailureClass expected) {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(model, false), model, key(apiKey)));
        assertEquals(status, answer.status());
        ProviderFailure failure = adapter.classify(answer.status(), answer.header(), answer.body());
        assertEquals(expected, failure.failureClass());
        assertTrue(failure.retryAfter().isEmpty(), "DeepSeek documents no retry hints");
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("Insufficient Balance under another status", 400,
                        "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\",\"param\":null,\"code\":\"invalid_request_error\"}}",
                        FailureClass.AUTH),
                Arguments.of("authentication_error under 400", 400,
                        "{\"error\":{\"message\":\"Authentication Fails (auth header format should be Bearer sk-...)\",\"type\":\"authentication_error\",\"param\":null,\"code\":\"invalid_request_error\"}}",
                        FailureClass.AUTH),
                Arguments.of("invalid parameters", 422,
                        "{\"error\":{\"message\":\"Invalid Parameters: temperature\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_request_error\"}}",
                        FailureClass.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void should_classify_by_type_and_text_ignoring_the_generic_code(String name, int status, String body, FailureClass expected) {
        assertEquals(expected, adapter.classify(status, h -> null, body.getBytes(StandardCharsets.UTF_8)).failureClass());
    }

    @Test
    void should_treat_an_answer_cut_for_lack_of_resources_as_a_server_error() {
        UpstreamCall.Answer whole = UpstreamCall.send(adapter.toChatRequest(chat("fake-resource", false), "fake-resource", key(KEY)));
        assertEquals(FailureClass.SERVER_ERROR,
                assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(whole.body())).failureClass());
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-resource", true), "fake-resource", key(KEY)), adapter.streamDecoder());
        assertNotNull(streamed.failure());
        assertEquals(FailureClass.SERVER_ERROR, streamed.failure().failureClass());
    }

    @Test
    void should_leave_a_stream_cut_after_keep_alives_unfinished_and_throw_a_mid_stream_error() {
        UpstreamCall.Streamed cut = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut", true), "fake-cut", key(KEY)), adapter.streamDecoder());
        assertFalse(cut.finished());
        assertEquals("Hel", cut.text());
        UpstreamCall.Streamed cleanCut = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut-clean", true), "fake-cut-clean", key(KEY)), adapter.streamDecoder());
        assertFalse(cleanCut.finished(), "a stream that ends without [DONE] was cut (server_error in the pipeline)");
        UpstreamCall.Streamed broken = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-stream-error", true), "fake-stream-error", key(KEY)), adapter.streamDecoder());
        assertEquals(FailureClass.SERVER_ERROR, broken.failure().failureClass());
    }

    @Test
    void should_list_models_and_refuse_embeddings() {
        assertEquals(List.of("deepseek-chat", "deepseek-reasoner"),
                adapter.fromModelsResponse(UpstreamCall.send(adapter.toModelsRequest(key(KEY))).body()));
        assertThrows(UnsupportedOperationException.class,
                () -> adapter.toEmbeddingsRequest(Json.MAPPER.createObjectNode().put("input", "x"), "deepseek-chat", key(KEY)));
    }
}

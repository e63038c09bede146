package dev.switchboard.providers.openai;

import static dev.switchboard.fakes.FakeOpenAiDialects.COMPLETION_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.PROMPT_TOKENS;
import static dev.switchboard.providers.openai.UpstreamCall.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.fakes.FakeOpenAiDialects;
import dev.switchboard.fakes.FakeOpenAiDialects.Dialect;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.UpstreamRequest;
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

/** LM Studio against its fake over HTTP: no key, the local default, "No models loaded", {@code event: error}. */
class LmStudioAdapterTest {
    private static final String MODEL = "qwen2.5-7b-instruct";
    private static FakeOpenAiDialects fake;
    private final LmStudioAdapter adapter = new LmStudioAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAiDialects.start(Dialect.LMSTUDIO);
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

    private Credentials local() {
        return new Credentials(fake.baseUrl(), null);
    }

    @Test
    void should_send_no_authorization_without_a_key_and_a_bearer_with_one() {
        UpstreamCall.send(adapter.toChatRequest(chat(MODEL, false), MODEL, local()));
        UpstreamCall.send(adapter.toChatRequest(chat(MODEL, false), MODEL, new Credentials(fake.baseUrl(), " ")));
        UpstreamCall.send(adapter.toChatRequest(chat(MODEL, false), MODEL, new Credentials(fake.baseUrl(), "lm-token")));
        List<FakeOpenAiDialects.Recorded> sent = fake.requestsFor(MODEL);
        assertNull(sent.get(0).header("authorization"));
        assertNull(sent.get(1).header("authorization"), "a blank key counts as none");
        assertEquals("Bearer lm-token", sent.get(2).header("authorization"));
        assertEquals("/v1/chat/completions", sent.get(0).path());
    }

    @Test
    void should_call_the_default_local_server_when_the_catalog_gives_no_base_url() {
        UpstreamRequest request = adapter.toChatRequest(chat(MODEL, false), MODEL, new Credentials(null, null));
        assertEquals("http://localhost:1234/v1/chat/completions", request.url());
        assertEquals("http://localhost:1234/v1/models", adapter.toModelsRequest(new Credentials("", null)).url());
    }

    @Test
    void should_send_max_completion_tokens_as_the_max_tokens_lm_studio_reads() {
        UpstreamCall.send(adapter.toChatRequest(chat(MODEL, false, "{\"max_completion_tokens\":64}"), MODEL, local()));
        ObjectNode sent = (ObjectNode) fake.requestsFor(MODEL).get(0).json();
        assertEquals(64, sent.path("max_tokens").asInt());
        assertFalse(sent.has("max_completion_tokens"));
    }

    @Test
    void should_read_the_usage_of_a_whole_answer_and_of_a_stream() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(MODEL, false), MODEL, local()));
        assertEquals(Usage.of(PROMPT_TOKENS, COMPLETION_TOKENS), adapter.fromChatResponse(answer.body()).usage());
        UpstreamCall.Streamed streamed = UpstreamCall.stream(adapter.toChatRequest(chat(MODEL, true), MODEL, local()),
                adapter.streamDecoder());
        assertTrue(streamed.finished());
        assertEquals("Hello from " + MODEL, streamed.text());
        assertEquals(Usage.of(PROMPT_TOKENS, COMPLETION_TOKENS), streamed.usage());
    }

    static Stream<Arguments> streamErrors() {
        return Stream.of(
                Arguments.of("the runner failing after some text (internal_error)", "fake-stream-error", "partial", FailureClass.SERVER_ERROR),
                Arguments.of("a bad request (invalid_request)", "fake-stream-invalid", "", FailureClass.BAD_REQUEST),
                Arguments.of("a model it does not have (model_not_found)", "fake-stream-missing", "", FailureClass.NOT_FOUND));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamErrors")
    void should_throw_error_events_classified_by_their_type(String name, String model, String textBefore, FailureClass expected) {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(adapter.toChatRequest(chat(model, true), model, local()),
                adapter.streamDecoder());
        assertEquals(expected, streamed.failure().failureClass());
        assertEquals(textBefore, streamed.text());
        assertFalse(streamed.finished());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("no model loaded", "fake-unloaded", 404, FailureClass.NOT_FOUND),
                Arguments.of("a prompt over the loaded context length", "fake-context", 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("a plain bad request", "fake-400", 400, FailureClass.BAD_REQUEST),
                Arguments.of("a server error", "fake-500", 500, FailureClass.SERVER_ERROR),
                Arguments.of("an overloaded server", "fake-503", 503, FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_lm_studio_failures(String name, String model, int status, FailureClass expected) {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(model, false), model, local()));
        assertEquals(status, answer.status());
        ProviderFailure failure = adapter.classify(answer.status(), answer.header(), answer.body());
        assertEquals(expected, failure.failureClass());
        assertFalse(failure.getMessage().contains("without an error message"), failure.getMessage());
    }

    @Test
    void should_know_no_models_loaded_under_any_status_and_wrapper() {
        String text = "No models loaded. Please load a model in the developer page or use the `lms load` command.";
        byte[] openAiShape = ("{\"error\":{\"message\":\"" + text.replace("`", "\\u0060") + "\",\"type\":\"invalid_request_error\"}}")
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(FailureClass.NOT_FOUND, adapter.classify(400, h -> null, openAiShape).failureClass());
        byte[] plain = ("{\"error\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
        assertEquals(FailureClass.NOT_FOUND, adapter.classify(500, h -> null, plain).failureClass());
    }

    @Test
    void should_embed_and_list_models() {
        ObjectNode request = Json.MAPPER.createObjectNode().put("model", "nomic").put("input", "hello");
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toEmbeddingsRequest(request, "text-embedding-nomic-embed-text-v1.5", local()));
        ObjectNode list = adapter.fromEmbeddingsResponse(answer.body());
        assertEquals(8, list.at("/data/0/embedding").size());
        assertEquals(List.of("qwen2.5-7b-instruct", "text-embedding-nomic-embed-text-v1.5"),
                adapter.fromModelsResponse(UpstreamCall.send(adapter.toModelsRequest(local())).body()));
    }
}

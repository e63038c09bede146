package dev.switchboard.providers.openai;

import static dev.switchboard.fakes.FakeOpenAiDialects.CITATIONS;
import static dev.switchboard.fakes.FakeOpenAiDialects.COMPLETION_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.PERPLEXITY_CITATION_TOKENS;
import static dev.switchboard.fakes.FakeOpenAiDialects.PERPLEXITY_SEARCH_QUERIES;
import static dev.switchboard.fakes.FakeOpenAiDialects.PROMPT_TOKENS;
import static dev.switchboard.providers.openai.UpstreamCall.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ChatChunk;
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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Perplexity against its fake over HTTP: search fields passed through, search usage, no tools, HTML 401. */
class PerplexityAdapterTest {
    private static final String KEY = "pplx-test";
    private static final Usage EXPECTED_USAGE = Usage.of(PROMPT_TOKENS, COMPLETION_TOKENS)
            .withSearchQueries(PERPLEXITY_SEARCH_QUERIES);
    private static FakeOpenAiDialects fake;
    private final PerplexityAdapter adapter = new PerplexityAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeOpenAiDialects.start(Dialect.PERPLEXITY);
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

    private static void assertSearchFields(JsonNode node, String where) {
        assertEquals(CITATIONS.get(0), node.at("/citations/0").asText(), "citations on " + where);
        assertEquals(CITATIONS.size(), node.path("citations").size(), "citations on " + where);
        assertEquals(CITATIONS.get(1), node.at("/search_results/1/url").asText(), "search_results on " + where);
    }

    @Test
    void should_pass_citations_search_results_and_cost_through_a_whole_answer() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat("sonar", false), "sonar", key(KEY)));
        assertEquals("/chat/completions", fake.requestsFor("sonar").get(0).path());
        ChatResponse response = adapter.fromChatResponse(answer.body());
        assertEquals("Hello from sonar", response.body().at("/choices/0/message/content").asText());
        assertSearchFields(response.body(), "the body");
        assertEquals(PERPLEXITY_CITATION_TOKENS, response.body().at("/usage/citation_tokens").asInt());
        assertEquals(0.005, response.body().at("/usage/cost/total_cost").asDouble(), "cost stays in the body, not billed from");
        assertEquals(EXPECTED_USAGE, response.usage());
    }

    @Test
    void should_keep_search_fields_on_every_chunk_and_end_on_the_finish_reason_without_done() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("sonar", true), "sonar", key(KEY)), adapter.streamDecoder());
        assertTrue(streamed.finished(), "Perplexity sends no [DONE]: the finish_reason ends the stream");
        assertEquals("stop", streamed.finishReason());
        assertEquals("Hello from sonar", streamed.text());
        assertFalse(streamed.chunks().isEmpty());
        for (ChatChunk chunk : streamed.chunks()) {
            assertSearchFields(chunk.json(), "a chunk's JSON");
            assertTrue(chunk.raw().contains("\"citations\":[\"" + CITATIONS.get(0)), "the raw text forwarded keeps them");
            assertTrue(chunk.raw().contains("\"search_results\""), "the raw text forwarded keeps them");
        }
        assertEquals(EXPECTED_USAGE, streamed.usage(), "running usage: the last chunk's totals win");
    }

    @Test
    void should_refuse_tools_before_calling_perplexity() throws Exception {
        String tools = "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}";
        ProviderFailure failure = assertThrows(ProviderFailure.class,
                () -> adapter.toChatRequest(chat("sonar", false, tools), "sonar", key(KEY)));
        assertEquals(FailureClass.BAD_REQUEST, failure.failureClass());
        assertEquals("Perplexity models do not support tools; route tool calls to another model", failure.getMessage());
        assertEquals(List.of(), fake.requests());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a missing key (401 HTML page)", "sonar", null, 401, FailureClass.AUTH),
                Arguments.of("a bad key (401 HTML page)", "sonar", FakeOpenAiDialects.BAD_KEY, 401, FailureClass.AUTH),
                Arguments.of("a retired or misspelt model (invalid_model)", "fake-invalid-model", KEY, 400, FailureClass.NOT_FOUND),
                Arguments.of("a prompt over the context window", "fake-context", KEY, 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("a plain bad request", "fake-400", KEY, 400, FailureClass.BAD_REQUEST),
                Arguments.of("a rate limit", "fake-429", KEY, 429, FailureClass.RATE_LIMIT),
                Arguments.of("a server error", "fake-500", KEY, 500, FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_perplexity_failures(String name, String model, String apiKey, int status, FailureClass expected) {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(model, false), model, key(apiKey)));
        assertEquals(status, answer.status());
        ProviderFailure failure = adapter.classify(answer.status(), answer.header(), answer.body());
        assertEquals(expected, failure.failureClass());
        assertTrue(failure.retryAfter().isEmpty(), "Perplexity documents no retry hints");
    }

    @Test
    void should_read_the_message_of_an_error_whose_code_is_a_number() {
        byte[] body = "{\"error\":{\"message\":\"Invalid model 'sonar-pro '.\",\"type\":\"invalid_model\",\"code\":400}}"
                .getBytes(StandardCharsets.UTF_8);
        ProviderFailure failure = adapter.classify(400, h -> null, body);
        assertEquals("Invalid model 'sonar-pro '.", failure.getMessage());
        assertEquals(FailureClass.NOT_FOUND, failure.failureClass());
    }

    @Test
    void should_leave_a_cut_stream_unfinished_and_throw_a_mid_stream_error() {
        UpstreamCall.Streamed cut = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut", true), "fake-cut", key(KEY)), adapter.streamDecoder());
        assertFalse(cut.finished());
        UpstreamCall.Streamed cleanCut = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut-clean", true), "fake-cut-clean", key(KEY)), adapter.streamDecoder());
        assertFalse(cleanCut.finished(), "no finish_reason and no [DONE]: cut");
        UpstreamCall.Streamed broken = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-stream-error", true), "fake-stream-error", key(KEY)), adapter.streamDecoder());
        assertEquals(FailureClass.SERVER_ERROR, broken.failure().failureClass());
    }

    @Test
    void should_check_credentials_with_a_free_models_request_since_there_is_no_listing() {
        UpstreamRequest check = adapter.toModelsRequest(key(KEY));
        assertEquals("GET", check.method());
        assertEquals(fake.baseUrl() + "/models", check.url());
        UpstreamCall.Answer good = UpstreamCall.send(check);
        assertEquals(FailureClass.NOT_FOUND, adapter.classify(good.status(), good.header(), good.body()).failureClass(),
                "a good key passes the gate and finds no listing");
        UpstreamCall.Answer bad = UpstreamCall.send(adapter.toModelsRequest(key(FakeOpenAiDialects.BAD_KEY)));
        assertEquals(FailureClass.AUTH, adapter.classify(bad.status(), bad.header(), bad.body()).failureClass());
    }

    @Test
    void should_refuse_embeddings() {
        assertThrows(UnsupportedOperationException.class,
                () -> adapter.toEmbeddingsRequest(Json.MAPPER.createObjectNode().put("input", "x"), "sonar", key(KEY)));
    }
}

package dev.switchboard.providers.ollama;

import static dev.switchboard.fakes.FakeOllama.EVAL_COUNT;
import static dev.switchboard.fakes.FakeOllama.PROMPT_EVAL_COUNT;
import static dev.switchboard.providers.openai.UpstreamCall.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.fakes.FakeOllama;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import dev.switchboard.providers.openai.UpstreamCall;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
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

/** Ollama's native API against FakeOllama over HTTP: translation both ways, NDJSON streams, failures. */
class OllamaAdapterTest {
    private static final String MODEL = "llama3.2";
    private static final Usage EXPECTED_USAGE = Usage.of(PROMPT_EVAL_COUNT, EVAL_COUNT);
    private static final String WEATHER_TOOL =
            "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}";
    private static FakeOllama fake;
    private final OllamaAdapter adapter = new OllamaAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeOllama.start();
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

    private static ChatRequest request(String json, boolean stream) throws IOException {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(json);
        return new ChatRequest(body.path("model").asText(), body, stream, false);
    }

    private JsonNode sentBody(String model) {
        return fake.requestsFor(model).get(0).json();
    }

    // ---------------------------------------------------------------- requests

    @Test
    void should_always_say_whether_to_stream_because_ollama_streams_by_default() {
        UpstreamCall.send(adapter.toChatRequest(chat("alias", false), MODEL, local()));
        UpstreamCall.stream(adapter.toChatRequest(chat("alias", true), MODEL, local()), adapter.streamDecoder());
        List<FakeOllama.Recorded> sent = fake.requestsFor(MODEL);
        assertEquals("/api/chat", sent.get(0).path());
        assertFalse(sent.get(0).json().get("stream").asBoolean());
        assertTrue(sent.get(1).json().get("stream").asBoolean());
        assertFalse(sent.get(1).json().has("stream_options"), "no OpenAI-only fields on the native API");
        assertNull(sent.get(0).header("authorization"), "a local server takes no key");
    }

    @Test
    void should_move_sampling_parameters_into_options() throws Exception {
        UpstreamCall.send(adapter.toChatRequest(request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":0.2,\"top_p\":0.9,\"max_completion_tokens\":64,\"max_tokens\":10,\"stop\":\"END\",\"seed\":7,"
                + "\"presence_penalty\":0.5,\"frequency_penalty\":0.25}", false), MODEL, local()));
        JsonNode options = sentBody(MODEL).path("options");
        assertEquals(0.2, options.path("temperature").asDouble());
        assertEquals(0.9, options.path("top_p").asDouble());
        assertEquals(64, options.path("num_predict").asInt(), "max_completion_tokens wins over the older max_tokens");
        assertEquals("[\"END\"]", options.path("stop").toString(), "a single stop string becomes a list");
        assertEquals(7, options.path("seed").asInt());
        assertEquals(0.5, options.path("presence_penalty").asDouble());
        assertEquals(0.25, options.path("frequency_penalty").asDouble());
        assertFalse(sentBody(MODEL).has("temperature"), "nothing left at the top level");
    }

    static Stream<Arguments> formats() {
        return Stream.of(
                Arguments.of("json_object asks for JSON", "{\"type\":\"json_object\"}", "\"json\""),
                Arguments.of("json_schema sends the schema itself",
                        "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\",\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}",
                        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"),
                Arguments.of("text asks for nothing", "{\"type\":\"text\"}", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("formats")
    void should_turn_response_format_into_ollama_format(String name, String responseFormat, String expected) throws Exception {
        ChatRequest chat = request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":"
                + responseFormat + "}", false);
        JsonNode sent = Json.MAPPER.readTree(adapter.toChatRequest(chat, MODEL, local()).body());
        assertEquals(expected, sent.has("format") ? sent.get("format").toString() : null);
    }

    @Test
    void should_send_images_as_base64_tool_arguments_as_objects_and_name_tool_results() throws Exception {
        String conversation = "{\"model\":\"m\",\"tools\":[" + WEATHER_TOOL + "],\"messages\":["
                + "{\"role\":\"developer\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather here?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_0\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Boston\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_0\",\"content\":\"18C\"}]}";
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(request(conversation, false), MODEL, local()));
        JsonNode messages = sentBody(MODEL).path("messages");
        assertEquals("system", messages.at("/0/role").asText(), "Ollama has no developer role");
        assertEquals("Weather here?", messages.at("/1/content").asText());
        assertEquals("iVBORw0KGgo=", messages.at("/1/images/0").asText(), "bare base64, no data URL");
        assertEquals("", messages.at("/2/content").asText());
        assertTrue(messages.at("/2/tool_calls/0/function/arguments").isObject(), "arguments as an object");
        assertEquals("Boston", messages.at("/2/tool_calls/0/function/arguments/city").asText());
        assertEquals("tool", messages.at("/3/role").asText());
        assertEquals("get_weather", messages.at("/3/tool_name").asText(), "the call id tells which tool answered");
        assertEquals("get_weather", sentBody(MODEL).at("/tools/0/function/name").asText(), "tools keep OpenAI's shape");
        assertEquals("Tool result received: 18C",
                adapter.fromChatResponse(answer.body()).body().at("/choices/0/message/content").asText());
    }

    @Test
    void should_refuse_what_ollama_cannot_take_as_the_callers_mistake() throws Exception {
        ChatRequest link = request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}", false);
        assertEquals(FailureClass.BAD_REQUEST,
                assertThrows(ProviderFailure.class, () -> adapter.toChatRequest(link, MODEL, local())).failureClass());
        ObjectNode tokens = (ObjectNode) Json.MAPPER.readTree("{\"input\":[1,2,3]}");
        assertEquals(FailureClass.BAD_REQUEST,
                assertThrows(ProviderFailure.class, () -> adapter.toEmbeddingsRequest(tokens, MODEL, local())).failureClass());
    }

    @Test
    void should_send_a_key_only_when_one_is_given_and_default_to_the_local_server() {
        UpstreamRequest cloud = adapter.toChatRequest(chat("m", false), MODEL, new Credentials("https://ollama.com/", "ok-key"));
        assertEquals("https://ollama.com/api/chat", cloud.url());
        assertEquals("Bearer ok-key", cloud.headers().get("Authorization"));
        assertEquals("http://127.0.0.1:11434/api/tags", adapter.toModelsRequest(new Credentials(null, null)).url());
    }

    // ---------------------------------------------------------------- answers

    @Test
    void should_turn_a_whole_answer_into_a_chat_completion_with_exact_usage() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat("m", false), MODEL, local()));
        ChatResponse response = adapter.fromChatResponse(answer.body());
        JsonNode body = response.body();
        assertEquals("chat.completion", body.path("object").asText());
        assertTrue(body.path("id").asText().startsWith("chatcmpl-"));
        assertEquals(MODEL, body.path("model").asText());
        assertEquals("assistant", body.at("/choices/0/message/role").asText());
        assertEquals("Hello from " + MODEL, body.at("/choices/0/message/content").asText());
        assertEquals("stop", response.finishReason());
        assertEquals(EXPECTED_USAGE, response.usage());
        assertEquals(PROMPT_EVAL_COUNT + EVAL_COUNT, body.at("/usage/total_tokens").asInt());
    }

    @Test
    void should_turn_a_tool_call_into_openai_tool_calls_with_ids_and_string_arguments() {
        UpstreamCall.Answer answer = UpstreamCall.send(
                adapter.toChatRequest(chat("m", false, "{\"tools\":[" + WEATHER_TOOL + "]}"), MODEL, local()));
        ChatResponse response = adapter.fromChatResponse(answer.body());
        JsonNode call = response.body().at("/choices/0/message/tool_calls/0");
        assertEquals("call_0", call.path("id").asText());
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("{\"city\":\"Boston\"}", call.at("/function/arguments").asText());
        assertTrue(response.body().at("/choices/0/message/content").isNull());
        assertEquals("tool_calls", response.finishReason(), "Ollama says stop; the calls say tool_calls");
    }

    @Test
    void should_stream_ndjson_as_openai_chunks_ending_with_a_finish_and_a_usage_chunk() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(adapter.toChatRequest(chat("m", true), MODEL, local()),
                adapter.streamDecoder());
        assertEquals("application/x-ndjson", streamed.contentType());
        assertTrue(streamed.finished());
        assertEquals("Hello from " + MODEL, streamed.text());
        List<ChatChunk> chunks = streamed.chunks();
        assertEquals("assistant", chunks.get(0).json().at("/choices/0/delta/role").asText());
        ChatChunk finish = chunks.get(chunks.size() - 2);
        assertEquals("stop", finish.finishReason());
        assertTrue(finish.content());
        ChatChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.json().path("choices").isArray() && usage.json().path("choices").isEmpty());
        assertFalse(usage.content());
        assertEquals(EXPECTED_USAGE, usage.usage());
        assertEquals("chat.completion.chunk", usage.json().path("object").asText());
        assertEquals(1, chunks.stream().map(c -> c.json().path("id").asText()).distinct().count(), "one id per answer");
    }

    @Test
    void should_stream_a_whole_tool_call_as_one_delta_and_finish_with_tool_calls() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("m", true, "{\"tools\":[" + WEATHER_TOOL + "]}"), MODEL, local()),
                adapter.streamDecoder());
        assertTrue(streamed.finished());
        JsonNode call = streamed.chunks().get(0).json().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, call.path("index").asInt());
        assertEquals("call_0", call.path("id").asText());
        assertEquals("{\"city\":\"Boston\"}", call.at("/function/arguments").asText());
        assertEquals("tool_calls", streamed.finishReason());
        assertEquals(EXPECTED_USAGE, streamed.usage());
    }

    @Test
    void should_ignore_blank_lines_and_number_tool_calls_across_lines() {
        StreamDecoder decoder = adapter.streamDecoder();
        assertEquals(List.of(), decoder.decode(""));
        String call = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":"
                + "[{\"function\":{\"name\":\"f\",\"arguments\":{}}}]},\"done\":false}";
        decoder.decode(call);
        List<ChatChunk> second = decoder.decode(call);
        assertEquals("call_1", second.get(0).json().at("/choices/0/delta/tool_calls/0/id").asText());
        assertEquals(1, second.get(0).json().at("/choices/0/delta/tool_calls/0/index").asInt());
        List<ChatChunk> done = decoder.decode("{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"length\"}");
        assertEquals("tool_calls", done.get(0).finishReason());
        assertEquals(Usage.NONE.totalTokens(), done.get(1).usage().totalTokens(), "counts left out when zero");
        assertTrue(decoder.finished());
    }

    static Stream<Arguments> doneReasons() {
        return Stream.of(
                Arguments.of("stop", false, "stop"),
                Arguments.of("length", false, "length"),
                Arguments.of("stop", true, "tool_calls"),
                Arguments.of("load", false, "stop"),
                Arguments.of(null, false, "stop"),
                Arguments.of("something new", false, "stop"));
    }

    @ParameterizedTest(name = "done_reason {0} with tool calls {1} finishes as {2}")
    @MethodSource("doneReasons")
    void should_map_done_reasons_to_openai_finish_reasons(String doneReason, boolean toolCalls, String expected) {
        assertEquals(expected, OllamaMapper.toFinishReason(doneReason, toolCalls));
    }

    // ---------------------------------------------------------------- failures

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("a model not pulled yet", "fake-missing", 404, FailureClass.NOT_FOUND),
                Arguments.of("a full queue (server busy) is worth waiting for", "fake-busy", 503, FailureClass.RATE_LIMIT),
                Arguments.of("a prompt over the context length", "fake-context", 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("a feature the model does not support", "fake-400", 400, FailureClass.BAD_REQUEST),
                Arguments.of("a rate limit (ollama.com)", "fake-429", 429, FailureClass.RATE_LIMIT),
                Arguments.of("a crashed runner", "fake-500", 500, FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_ollama_failures_by_their_text_and_status(String name, String model, int status, FailureClass expected) {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toChatRequest(chat(model, false), model, local()));
        assertEquals(status, answer.status());
        ProviderFailure failure = adapter.classify(answer.status(), answer.header(), answer.body());
        assertEquals(expected, failure.failureClass());
        assertEquals(status, failure.upstreamStatus());
        assertEquals(Json.parseOrNull(answer.body()).path("error").asText(), failure.getMessage());
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                Arguments.of("a cancelled request", 499, "{\"error\":\"request canceled\"}", FailureClass.TIMEOUT),
                Arguments.of("503 without a text", 503, "", FailureClass.RATE_LIMIT),
                Arguments.of("a refused key (ollama.com)", 401, "{\"error\":\"unauthorized\"}", FailureClass.AUTH),
                Arguments.of("a cloud model out of reach", 502, "{\"error\":\"bad gateway\"}", FailureClass.SERVER_ERROR),
                Arguments.of("an unknown route (plain text)", 404, "404 page not found", FailureClass.NOT_FOUND),
                Arguments.of("a proxy's HTML page", 500, "<html>oops</html>", FailureClass.SERVER_ERROR),
                Arguments.of("a prompt longer than the window", 400,
                        "{\"error\":\"the prompt is longer than the context length currently available to the model; shorten the prompt\"}",
                        FailureClass.CONTEXT_LENGTH),
                Arguments.of("input over the window after truncation", 400,
                        "{\"error\":\"input after truncation exceeds maximum context length\"}", FailureClass.CONTEXT_LENGTH),
                Arguments.of("thinking not supported", 400, "{\"error\":\"\\\"x\\\" does not support thinking\"}", FailureClass.BAD_REQUEST),
                Arguments.of("an unknown 4xx", 418, "{\"error\":\"teapot\"}", FailureClass.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statuses")
    void should_fall_back_to_the_ollama_status_table(String name, int status, String body, FailureClass expected) {
        assertEquals(expected, adapter.classify(status, h -> null, body.getBytes(StandardCharsets.UTF_8)).failureClass());
    }

    @Test
    void should_honour_a_retry_hint_and_otherwise_leave_backoff_to_the_caller() {
        UpstreamCall.Answer busy = UpstreamCall.send(adapter.toChatRequest(chat("fake-busy", false), "fake-busy", local()));
        assertTrue(adapter.classify(busy.status(), busy.header(), busy.body()).retryAfter().isEmpty(), "Ollama sends none");
        assertEquals(Duration.ofSeconds(2),
                adapter.classify(503, Map.of("retry-after", "2")::get, busy.body()).retryAfter().orElseThrow());
    }

    @Test
    void should_throw_an_error_line_in_the_middle_of_a_stream() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-stream-error", true), "fake-stream-error", local()), adapter.streamDecoder());
        assertEquals("partial", streamed.text(), "the content before the error was decoded");
        assertNotNull(streamed.failure());
        assertEquals(FailureClass.SERVER_ERROR, streamed.failure().failureClass());
        assertEquals(FakeOllama.STREAM_ERROR, streamed.failure().getMessage());
        assertFalse(streamed.finished());
    }

    @Test
    void should_classify_an_error_line_by_its_text() {
        ProviderFailure failure = assertThrows(ProviderFailure.class,
                () -> adapter.streamDecoder().decode("{\"error\":\"server busy, please try again.\"}"));
        assertEquals(FailureClass.RATE_LIMIT, failure.failureClass());
    }

    @Test
    void should_leave_a_cut_stream_unfinished() {
        UpstreamCall.Streamed streamed = UpstreamCall.stream(
                adapter.toChatRequest(chat("fake-cut", true), "fake-cut", local()), adapter.streamDecoder());
        assertEquals("Hel", streamed.text());
        assertFalse(streamed.finished(), "no done:true line: the pipeline reports a cut");
    }

    @Test
    void should_refuse_a_200_that_is_not_an_ollama_answer() {
        UpstreamCall.Answer garbage = UpstreamCall.send(adapter.toChatRequest(chat("fake-garbage", false), "fake-garbage", local()));
        assertEquals(200, garbage.status());
        assertEquals(FailureClass.SERVER_ERROR,
                assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(garbage.body())).failureClass());
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> adapter.streamDecoder().decode("<html>")).failureClass());
        assertEquals(FailureClass.NOT_FOUND, assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(
                "{\"error\":\"model \\\"x\\\" not found, try pulling it first\"}".getBytes(StandardCharsets.UTF_8))).failureClass());
    }

    @Test
    void should_fail_at_the_transport_when_ollama_hangs_or_cuts_a_whole_answer() {
        UpstreamRequest hang = adapter.toChatRequest(chat("fake-hang", false), "fake-hang", local());
        assertThrows(HttpTimeoutException.class, () -> UpstreamCall.sendOrFail(hang, Duration.ofMillis(300)));
        UpstreamRequest cut = adapter.toChatRequest(chat("fake-cut", false), "fake-cut", local());
        assertThrows(IOException.class, () -> UpstreamCall.sendOrFail(cut, UpstreamCall.TIMEOUT));
    }

    // ---------------------------------------------------------------- embeddings and models

    @Test
    void should_embed_through_api_embed_in_openai_list_shape() throws Exception {
        ObjectNode request = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"alias\",\"input\":[\"a\",\"b\"],\"dimensions\":8}");
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toEmbeddingsRequest(request, "all-minilm", local()));
        JsonNode sent = fake.requestsFor("all-minilm").get(0).json();
        assertEquals("/api/embed", fake.requestsFor("all-minilm").get(0).path());
        assertEquals("[\"a\",\"b\"]", sent.path("input").toString());
        assertEquals(8, sent.path("dimensions").asInt());
        ObjectNode list = adapter.fromEmbeddingsResponse(answer.body());
        assertEquals("list", list.path("object").asText());
        assertEquals(2, list.path("data").size());
        assertEquals(1, list.at("/data/1/index").asInt());
        assertEquals(FakeOllama.EMBED_PROMPT_EVAL_COUNT, list.at("/usage/prompt_tokens").asInt());
        float[] expected = dev.switchboard.fakes.FakeOpenAi.vectorFor("a");
        assertEquals(expected[0], (float) list.at("/data/0/embedding/0").asDouble());
    }

    @Test
    void should_answer_base64_embeddings_named_after_the_callers_model_when_asked() throws Exception {
        ObjectNode request = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"embed-small\",\"input\":\"a\",\"encoding_format\":\"base64\"}");
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toEmbeddingsRequest(request, "all-minilm", local()));
        ObjectNode list = adapter.fromEmbeddingsResponse(answer.body(), request, "embed-small");
        assertEquals("embed-small", list.path("model").asText());
        ByteBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(list.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = dev.switchboard.fakes.FakeOpenAi.vectorFor("a");
        assertEquals(expected.length * Float.BYTES, floats.remaining());
        assertEquals(expected[3], floats.getFloat(3 * Float.BYTES));
    }

    @Test
    void should_accept_an_ollama_host_written_without_a_scheme() {
        assertEquals("http://127.0.0.1:11434/api/chat",
                adapter.toChatRequest(chat("m", false), MODEL, new Credentials("127.0.0.1:11434", null)).url());
    }

    @Test
    void should_list_pulled_models_from_api_tags() {
        UpstreamCall.Answer answer = UpstreamCall.send(adapter.toModelsRequest(local()));
        assertEquals(FakeOllama.MODELS, adapter.fromModelsResponse(answer.body()));
        assertEquals("/api/tags", fake.requests().get(0).path());
    }
}

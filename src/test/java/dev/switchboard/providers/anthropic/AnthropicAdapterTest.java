package dev.switchboard.providers.anthropic;

import static dev.switchboard.providers.anthropic.AnthropicMapperTest.events;
import static dev.switchboard.providers.anthropic.AnthropicMapperTest.json;
import static dev.switchboard.providers.anthropic.AnthropicMapperTest.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
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

/**
 * The adapter against {@link FakeAnthropic} over real HTTP: the adapter's request is sent as it is, and the
 * answer goes through {@code fromChatResponse}, the stream decoder (line by line) or {@code classify}, as the
 * pipeline does. Pure classification rows follow failure-signals.md.
 */
class AnthropicAdapterTest {
    private static final String KEY = "sk-ant-test";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static FakeAnthropic fake;
    private static HttpClient http;
    private final AnthropicAdapter adapter = new AnthropicAdapter();

    @BeforeAll
    static void startFake() {
        fake = FakeAnthropic.start();
        http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
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

    // ==================================================================== whole answers

    @Test
    void should_send_the_messages_call_with_anthropic_headers_and_read_exact_usage() throws Exception {
        ChatResponse response = adapter.fromChatResponse(call(request("claude-x", false,
                "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}")).body());

        FakeAnthropic.Recorded sent = fake.requestsFor("claude-x").get(0);
        assertEquals("/v1/messages", sent.path());
        assertEquals(KEY, sent.header("x-api-key"));
        assertEquals("2023-06-01", sent.header("anthropic-version"));
        assertEquals("application/json", sent.header("content-type"));
        assertNull(sent.header("authorization"), "Anthropic's key goes in x-api-key only");
        assertEquals(AnthropicAdapter.DEFAULT_MAX_TOKENS, sent.json().path("max_tokens").asInt());
        assertEquals("Be brief.", sent.json().path("system").asText());

        assertEquals("Hello from claude-x", response.body().at("/choices/0/message/content").asText());
        assertEquals("stop", response.finishReason());
        assertEquals(new Usage(16, 7, 23, 3, 0, 2, 0), response.usage(), "11 input + 3 cache read + 2 cache write");
        assertEquals(16, response.body().at("/usage/prompt_tokens").asInt());
        assertEquals(3, response.body().at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }

    @Test
    void should_answer_a_tool_call_and_then_read_the_tool_result() throws Exception {
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        ChatResponse call = adapter.fromChatResponse(call(request("claude-x", false,
                "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"}]" + tools + "}")).body());
        assertEquals("tool_calls", call.finishReason());
        JsonNode message = call.body().at("/choices/0/message");
        assertTrue(message.path("content").isNull());
        JsonNode toolCall = message.at("/tool_calls/0");
        assertEquals(FakeAnthropic.TOOL_USE_ID, toolCall.path("id").asText());
        assertEquals("get_weather", toolCall.at("/function/name").asText());
        assertEquals(json(FakeAnthropic.TOOL_INPUT), json(toolCall.at("/function/arguments").asText()));

        // The fake, like Anthropic, refuses a tool_result that does not answer the previous turn's tool_use.
        ObjectNode followUp = (ObjectNode) json("{\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"}]" + tools + "}");
        ((com.fasterxml.jackson.databind.node.ArrayNode) followUp.get("messages")).add(message);
        ((com.fasterxml.jackson.databind.node.ArrayNode) followUp.get("messages")).addObject().put("role", "tool")
                .put("tool_call_id", FakeAnthropic.TOOL_USE_ID).put("content", "72F");
        ChatResponse answer = adapter.fromChatResponse(call(adapter.toChatRequest(
                new ChatRequest("claude-x", followUp, false, false), "claude-x", credentials())).body());
        assertEquals("Tool result received: 72F", answer.body().at("/choices/0/message/content").asText());
    }

    @Test
    void should_be_refused_like_anthropic_when_a_tool_result_answers_no_tool_use() throws Exception {
        HttpResponse<byte[]> response = call(request("claude-x", false, """
                {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
                  {"role":"tool","tool_call_id":"call_unknown","content":"72F"}]}
                """));
        assertEquals(400, response.statusCode());
        assertEquals(FailureClass.BAD_REQUEST, classify(response).failureClass());
        assertTrue(classify(response).getMessage().contains("tool_use_id"));
    }

    @Test
    void should_map_a_refusal_to_content_filter() throws Exception {
        ChatResponse response = adapter.fromChatResponse(call(request("fake-refusal", false, hi())).body());
        assertEquals("content_filter", response.finishReason());
    }

    @Test
    void should_refuse_a_200_that_is_not_a_messages_answer() throws Exception {
        byte[] html = call(request("fake-garbage", false, hi())).body();
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(html)).failureClass());
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> adapter.fromChatResponse(bytes("{\"id\":\"msg_1\",\"type\":\"message\"}"))).failureClass());
        assertEquals(FailureClass.RATE_LIMIT, assertThrows(ProviderFailure.class, () -> adapter.fromChatResponse(
                bytes("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))).failureClass());
    }

    // ==================================================================== failures over HTTP

    static Stream<Arguments> fakeFailures() {
        return Stream.of(
                Arguments.of("fake-500", 500, FailureClass.SERVER_ERROR),
                Arguments.of("fake-529", 529, FailureClass.RATE_LIMIT),
                Arguments.of("fake-429", 429, FailureClass.RATE_LIMIT),
                Arguments.of("fake-400", 400, FailureClass.BAD_REQUEST),
                Arguments.of("fake-context", 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("fake-auth", 401, FailureClass.AUTH));
    }

    @ParameterizedTest(name = "{0} is {2}")
    @MethodSource("fakeFailures")
    void should_classify_the_fakes_errors(String model, int status, FailureClass expected) throws Exception {
        HttpResponse<byte[]> response = call(request(model, false, hi()));
        assertEquals(status, response.statusCode());
        assertTrue(response.headers().firstValue("request-id").isPresent());
        ProviderFailure f = classify(response);
        assertEquals(expected, f.failureClass());
        assertEquals(status, f.upstreamStatus());
    }

    @Test
    void should_read_the_retry_hint_of_a_429() throws Exception {
        ProviderFailure f = classify(call(request("fake-429", false, hi())));
        assertEquals(Duration.ofSeconds(1), f.retryAfter().orElseThrow());
    }

    @Test
    void should_classify_a_missing_key_as_auth() throws Exception {
        UpstreamRequest noKey = adapter.toChatRequest(chat("claude-x", false, hi()), "claude-x", new Credentials(fake.baseUrl(), null));
        assertFalse(noKey.headers().containsKey("x-api-key"));
        HttpResponse<byte[]> response = call(noKey);
        assertEquals(401, response.statusCode());
        assertEquals(FailureClass.AUTH, classify(response).failureClass());
    }

    @Test
    void should_list_models_with_the_same_auth() throws Exception {
        UpstreamRequest models = adapter.toModelsRequest(credentials());
        assertEquals("GET", models.method());
        assertEquals(List.of(FakeAnthropic.MODEL_ID), adapter.fromModelsResponse(call(models).body()));
        assertEquals(KEY, fake.requests().get(0).header("x-api-key"));
        assertEquals("/v1/models", fake.requests().get(0).path());
    }

    @Test
    void should_refuse_embeddings() {
        assertThrows(UnsupportedOperationException.class,
                () -> adapter.toEmbeddingsRequest((ObjectNode) json("{\"input\":\"x\"}"), "claude-x", credentials()));
    }

    // ==================================================================== streams over HTTP

    @Test
    void should_decode_a_streamed_answer_with_exact_usage() throws Exception {
        UpstreamRequest request = request("claude-x", true, hi());
        assertEquals("text/event-stream", request.headers().get("accept"));
        StreamDecoder decoder = adapter.streamDecoder();
        Streamed s = stream(request, decoder);

        assertNull(s.cut(), "the stream ended cleanly");
        assertTrue(decoder.finished(), "message_stop was seen");
        assertTrue(fake.requestsFor("claude-x").get(0).json().path("stream").asBoolean());
        assertEquals("Hello from claude-x", s.text());
        ChatChunk role = s.chunks().get(0);
        assertFalse(role.content(), "a role-only chunk is not content yet");
        assertEquals("assistant", role.json().at("/choices/0/delta/role").asText());
        assertTrue(s.chunks().stream().allMatch(c -> c.raw() == null), "chunks are built, so re-serialised");

        ChatChunk finish = s.chunks().get(s.chunks().size() - 2);
        assertEquals("stop", finish.finishReason());
        assertTrue(finish.content(), "a finish reason is content");
        ChatChunk usage = s.chunks().get(s.chunks().size() - 1);
        assertFalse(usage.content());
        assertTrue(usage.json().path("choices").isEmpty());
        assertEquals(new Usage(16, 7, 23, 3, 0, 2, 0), usage.usage(), "output from the last message_delta, not message_start's 1");
        assertEquals(3, usage.json().at("/usage/prompt_tokens_details/cached_tokens").asInt());
    }

    @Test
    void should_decode_a_streamed_tool_call() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]}";
        Streamed s = stream(request("claude-x", true, body), adapter.streamDecoder());

        List<JsonNode> calls = s.chunks().stream().map(c -> c.json().at("/choices/0/delta/tool_calls/0"))
                .filter(JsonNode::isObject).toList();
        assertEquals(json("{\"index\":0,\"id\":\"toolu_fake_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}"),
                calls.get(0));
        StringBuilder arguments = new StringBuilder();
        calls.forEach(c -> arguments.append(c.at("/function/arguments").asText()));
        assertEquals(json(FakeAnthropic.TOOL_INPUT), json(arguments.toString()));
        assertTrue(s.chunks().stream().filter(c -> c.json().at("/choices/0/delta/tool_calls").isArray()).allMatch(ChatChunk::content));
        assertEquals("tool_calls", s.chunks().get(s.chunks().size() - 2).finishReason());
    }

    @Test
    void should_end_a_cut_stream_without_finishing() throws Exception {
        StreamDecoder decoder = adapter.streamDecoder();
        Streamed s = stream(request("fake-cut", true, hi()), decoder);
        assertEquals("Hel", s.text());
        assertTrue(s.cut() != null, "the connection dropped mid-body");
        assertFalse(decoder.finished(), "no message_stop: the pipeline treats the stream as cut");
    }

    @Test
    void should_throw_a_rate_limit_for_an_error_event_mid_stream() throws Exception {
        StreamDecoder decoder = adapter.streamDecoder();
        List<String> seen = new ArrayList<>();
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> stream(request("fake-stream-error", true, hi()), line -> {
            decoder.decode(line).forEach(c -> seen.add(c.json().at("/choices/0/delta/content").asText("")));
        }));
        assertEquals(FailureClass.RATE_LIMIT, f.failureClass(), "overloaded_error, classified by its type and not by the 200");
        assertEquals("partial", String.join("", seen));
        assertFalse(decoder.finished());
    }

    @Test
    void should_give_an_anthropic_caller_back_the_events_anthropic_sent() throws Exception {
        // Front door and adapter together: Anthropic SSE → canonical chunks → Anthropic SSE.
        List<String> upstream = new ArrayList<>();
        StreamDecoder decoder = adapter.streamDecoder();
        AnthropicStreamWriter writer = new AnthropicStreamWriter();
        StringBuilder written = new StringBuilder();
        stream(request("claude-x", true, hi()), line -> {
            upstream.add(line);
            decoder.decode(line).forEach(c -> written.append(writer.onChunk(c.json())));
        });
        written.append(writer.finish(null));

        List<String> sent = names(events(String.join("\n", upstream) + "\n")).stream().filter(n -> !n.equals("ping")).toList();
        List<String> relayed = names(events(written.toString())).stream().filter(n -> !n.equals("ping")).toList();
        assertEquals(sent, relayed);
        JsonNode delta = events(written.toString()).stream().filter(e -> e.name().equals("message_delta")).findFirst().orElseThrow().data();
        assertEquals(json("{\"input_tokens\":11,\"cache_creation_input_tokens\":2,\"cache_read_input_tokens\":3,\"output_tokens\":7}"),
                delta.get("usage"));
    }

    // ==================================================================== pure: decoder, classification, hints

    @Test
    void should_decode_events_by_data_type_and_ignore_pings_and_unknown_events() {
        StreamDecoder d = adapter.streamDecoder();
        assertEquals(List.of(), d.decode("event: ping"));
        assertEquals(List.of(), d.decode("data: {\"type\":\"ping\"}"));
        assertEquals(List.of(), d.decode(""));
        assertEquals(List.of(), d.decode("data: {\"type\":\"a_new_event\",\"x\":1}"));
        assertEquals(1, d.decode("data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}").size());
        List<ChatChunk> thinking = d.decode("data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}");
        assertEquals("hmm", thinking.get(0).json().at("/choices/0/delta/reasoning_content").asText());
        assertTrue(thinking.get(0).content());
        assertEquals(List.of(), d.decode("data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"s\"}}"));
        assertEquals("length", d.decode("data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":3}}").get(0).finishReason());
        assertEquals(Usage.of(4, 3), d.decode("data: {\"type\":\"message_stop\"}").get(0).usage());
        assertTrue(d.finished());
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> adapter.streamDecoder().decode("data: {oops")).failureClass());
    }

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("invalid request", 400, error("invalid_request_error", "messages: field required"), FailureClass.BAD_REQUEST),
                Arguments.of("prompt too long", 400, error("invalid_request_error", FakeAnthropic.CONTEXT_MESSAGE), FailureClass.CONTEXT_LENGTH),
                Arguments.of("input and max_tokens exceed the window", 400, error("invalid_request_error",
                        "input length and `max_tokens` exceed context limit: 199759 + 8192 > 200000, decrease input length or `max_tokens` and try again"),
                        FailureClass.CONTEXT_LENGTH),
                Arguments.of("no credit left", 400, error("invalid_request_error",
                        "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."),
                        FailureClass.AUTH),
                Arguments.of("bad key", 401, error("authentication_error", "invalid x-api-key"), FailureClass.AUTH),
                Arguments.of("billing", 402, error("billing_error", "billing problem"), FailureClass.AUTH),
                Arguments.of("permission", 403, error("permission_error", "no access"), FailureClass.AUTH),
                Arguments.of("unknown model", 404, error("not_found_error", "model: claude-x"), FailureClass.NOT_FOUND),
                Arguments.of("too large", 413, error("request_too_large", "Request exceeds the maximum allowed number of bytes."), FailureClass.BAD_REQUEST),
                Arguments.of("rate limited", 429, error("rate_limit_error", "This request would exceed the rate limit"), FailureClass.RATE_LIMIT),
                Arguments.of("internal", 500, error("api_error", "Internal server error"), FailureClass.SERVER_ERROR),
                Arguments.of("timeout type", 504, error("timeout_error", "Request timed out"), FailureClass.TIMEOUT),
                Arguments.of("overloaded", 529, error("overloaded_error", "Overloaded"), FailureClass.RATE_LIMIT),
                Arguments.of("overloaded without a body", 529, "", FailureClass.RATE_LIMIT),
                Arguments.of("Cloudflare 413 page", 413, "<html>413 Request Entity Too Large</html>", FailureClass.BAD_REQUEST),
                Arguments.of("HTML 401", 401, "<html>Unauthorized</html>", FailureClass.AUTH),
                Arguments.of("HTML 502", 502, "<html>Bad Gateway</html>", FailureClass.SERVER_ERROR),
                Arguments.of("request timeout status", 408, "", FailureClass.TIMEOUT),
                Arguments.of("conflict is retried like a server error", 409, "", FailureClass.SERVER_ERROR),
                Arguments.of("unknown 4xx", 418, "", FailureClass.BAD_REQUEST),
                Arguments.of("unknown error type falls back to the status", 503, error("a_new_error", "?"), FailureClass.SERVER_ERROR));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void should_classify_anthropic_errors(String name, int status, String body, FailureClass expected) {
        ProviderFailure f = adapter.classify(status, h -> null, bytes(body));
        assertEquals(expected, f.failureClass());
        assertEquals(status, f.upstreamStatus());
    }

    @Test
    void should_wait_until_the_exhausted_bucket_resets_when_there_is_no_retry_after() {
        AnthropicAdapter at = new AnthropicAdapter(Clock.fixed(Instant.parse("2025-08-21T12:40:00Z"), ZoneOffset.UTC));
        Map<String, String> headers = Map.of(
                "anthropic-ratelimit-requests-remaining", "12",
                "anthropic-ratelimit-requests-reset", "2025-08-21T12:40:05Z",
                "anthropic-ratelimit-input-tokens-remaining", "0",
                "anthropic-ratelimit-input-tokens-reset", "2025-08-21T12:40:59Z");
        assertEquals(Duration.ofSeconds(59), at.classify(429, headers::get, new byte[0]).retryAfter().orElseThrow());

        Map<String, String> noneExhausted = Map.of("anthropic-ratelimit-tokens-reset", "2025-08-21T12:40:30Z",
                "anthropic-ratelimit-requests-reset", "2025-08-21T12:40:10Z");
        assertEquals(Duration.ofSeconds(10), at.classify(429, noneExhausted::get, new byte[0]).retryAfter().orElseThrow());

        Map<String, String> both = Map.of("retry-after", "3", "anthropic-ratelimit-requests-reset", "2025-08-21T12:40:59Z");
        assertEquals(Duration.ofSeconds(3), at.classify(429, both::get, new byte[0]).retryAfter().orElseThrow(), "retry-after wins");
        assertTrue(at.classify(429, h -> null, new byte[0]).retryAfter().isEmpty());
    }

    @Test
    void should_build_urls_from_the_host_and_keep_the_key_out_of_logs() {
        UpstreamRequest r = adapter.toChatRequest(chat("alias", false, hi()), "claude-x", new Credentials("https://api.anthropic.com/", KEY));
        assertEquals("https://api.anthropic.com/v1/messages", r.url());
        assertEquals("https://api.anthropic.com/v1/messages",
                adapter.toChatRequest(chat("alias", false, hi()), "claude-x", new Credentials("https://api.anthropic.com/v1", KEY)).url(),
                "a base URL with /v1 (OpenAI habit) still works");
        assertFalse(r.toString().contains(KEY));
        assertFalse(r.headers().containsKey("accept"), "accept is only asked for when streaming");
    }

    // ==================================================================== helpers

    private record Streamed(List<ChatChunk> chunks, IOException cut) {
        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.json().at("/choices/0/delta/content").asText("")));
            return sb.toString();
        }
    }

    private Streamed stream(UpstreamRequest request, StreamDecoder decoder) throws Exception {
        List<ChatChunk> chunks = new ArrayList<>();
        IOException cut = stream(request, line -> chunks.addAll(decoder.decode(line)));
        return new Streamed(chunks, cut);
    }

    /** Feeds the body line by line; returns the read failure of a dropped connection, or null at a clean end. */
    private static IOException stream(UpstreamRequest request, java.util.function.Consumer<String> lines) throws Exception {
        HttpResponse<InputStream> response = http.send(httpRequest(request), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.accept(line);
            }
            return null;
        } catch (IOException cut) {
            return cut;
        }
    }

    private static HttpResponse<byte[]> call(UpstreamRequest request) throws Exception {
        return http.send(httpRequest(request), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest httpRequest(UpstreamRequest request) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(request.url())).timeout(TIMEOUT)
                .method(request.method(), request.body().length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        request.headers().forEach(b::header);
        return b.build();
    }

    private ProviderFailure classify(HttpResponse<byte[]> response) {
        return adapter.classify(response.statusCode(), name -> response.headers().firstValue(name).orElse(null), response.body());
    }

    private UpstreamRequest request(String model, boolean stream, String body) {
        return adapter.toChatRequest(chat("alias", stream, body), model, credentials());
    }

    private static ChatRequest chat(String model, boolean stream, String body) {
        ObjectNode json = (ObjectNode) json(body);
        json.put("model", model);
        if (stream) {
            json.put("stream", true);
        }
        return new ChatRequest(model, json, stream, false);
    }

    private static Credentials credentials() {
        return new Credentials(fake.baseUrl(), KEY);
    }

    private static String hi() {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    private static String error(String type, String message) {
        ObjectNode root = (ObjectNode) json("{\"type\":\"error\",\"request_id\":\"req_1\"}");
        root.putObject("error").put("type", type).put("message", message);
        return root.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

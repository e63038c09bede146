package dev.switchboard.providers.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.fakes.FakeGemini;
import dev.switchboard.providers.Json;
import dev.switchboard.providers.ProviderAdapter.Credentials;
import dev.switchboard.providers.StreamDecoder;
import dev.switchboard.providers.UpstreamRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapter against {@link FakeGemini} over real HTTP: each test sends the adapter's UpstreamRequest as it is
 * (method, URL, headers, body) and reads the answer the way the pipeline does, through fromChatResponse, the
 * stream decoder line by line, or classify with status, headers and body.
 */
class GeminiAdapterTest {
    private static final String KEY = "test-gemini-key";
    private static final String MODEL = "gemini-2.5-flash";

    private static FakeGemini fake;
    private static HttpClient http;
    private static Credentials credentials;
    private final GeminiAdapter adapter = new GeminiAdapter();

    @BeforeAll
    static void start() {
        fake = FakeGemini.start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        credentials = new Credentials(fake.baseUrl(), KEY);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @AfterEach
    void nothing_unexpected() {
        assertEquals(List.of(), fake.unexpected(), "requests to paths Gemini does not have");
        fake.reset();
    }

    // ---------------------------------------------------------------- chat

    @Test
    void should_answer_a_chat_with_exact_token_counts() throws Exception {
        ChatResponse answer = chat(MODEL, "{'messages':[{'role':'system','content':'Be brief.'},{'role':'user','content':'Hi'}],'temperature':0.3}");

        assertEquals("Hello from " + MODEL, answer.body().at("/choices/0/message/content").asText());
        assertEquals("stop", answer.finishReason());
        assertEquals(new Usage(11, 9, 20, 4, 2, 0, 0), answer.usage(), "prompt 11, completion 7 + 2 thoughts, cached 4");
        assertEquals(GeminiMapperTest.json("{'prompt_tokens':11,'completion_tokens':9,'total_tokens':20,"
                + "'prompt_tokens_details':{'cached_tokens':4},'completion_tokens_details':{'reasoning_tokens':2}}"), answer.body().get("usage"));

        FakeGemini.Recorded sent = fake.requestsFor(MODEL).get(0);
        assertEquals("POST", sent.method());
        assertEquals("/v1beta/models/" + MODEL + ":generateContent", sent.path());
        assertEquals(KEY, sent.header("x-goog-api-key"));
        assertNull(sent.query(), "the key never goes in the URL");
        assertEquals("Be brief.", sent.json().at("/systemInstruction/parts/0/text").asText());
        assertEquals(0.3, sent.json().at("/generationConfig/temperature").asDouble());
    }

    @Test
    void should_stream_a_chat_over_crlf_framed_sse() throws Exception {
        Streamed s = stream(MODEL, "{'messages':[{'role':'user','content':'Hi'}],'stream':true}");

        assertTrue(s.rawBody.contains("\r\n\r\n"), "Gemini frames events with CRLF");
        assertFalse(s.rawBody.contains("[DONE]"), "Gemini has no end marker");
        FakeGemini.Recorded sent = fake.requestsFor(MODEL).get(0);
        assertEquals("/v1beta/models/" + MODEL + ":streamGenerateContent", sent.path());
        assertEquals("alt=sse", sent.query());

        assertEquals("assistant", s.chunks.get(0).json().at("/choices/0/delta/role").asText());
        assertEquals("Hello from " + MODEL, s.text());
        assertTrue(s.decoder.finished());
        ChatChunk finish = s.chunks.get(s.chunks.size() - 2);
        assertEquals("stop", finish.finishReason());
        ChatChunk usage = s.chunks.get(s.chunks.size() - 1);
        assertTrue(usage.json().path("choices").isEmpty(), "usage comes in its own choices:[] chunk after the finish");
        assertEquals(new Usage(11, 9, 20, 4, 2, 0, 0), usage.usage(), "the final chunk's usage, not the running totals");
        assertEquals(1, s.chunks.stream().filter(c -> c.usage() != null).count());
    }

    @Test
    void should_round_trip_a_tool_call_and_its_result() throws Exception {
        String tools = "'tools':[{'type':'function','function':{'name':'get_weather','description':'Weather by city',"
                + "'parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city']}}}]";
        ChatResponse call = chat(MODEL, "{'messages':[{'role':'user','content':'Weather in Boston?'}]," + tools + ",'tool_choice':'auto'}");

        JsonNode toolCall = call.body().at("/choices/0/message/tool_calls/0");
        assertEquals("tool_calls", call.finishReason());
        assertEquals("call_0", toolCall.path("id").asText());
        assertEquals("get_weather", toolCall.at("/function/name").asText());
        assertEquals(Json.MAPPER.readTree(FakeGemini.TOOL_ARGUMENTS), Json.MAPPER.readTree(toolCall.at("/function/arguments").asText()));
        assertEquals("AUTO", fake.requestsFor(MODEL).get(0).json().at("/toolConfig/functionCallingConfig/mode").asText());

        ObjectNode next = (ObjectNode) GeminiMapperTest.json("{'messages':[{'role':'user','content':'Weather in Boston?'}]," + tools + "}");
        ArrayNode messages = (ArrayNode) next.get("messages");
        messages.add(call.body().at("/choices/0/message"));
        messages.addObject().put("role", "tool").put("tool_call_id", "call_0").put("content", "72F and sunny");
        ChatResponse result = chat(MODEL, next);

        assertEquals("Tool result received: 72F and sunny", result.body().at("/choices/0/message/content").asText());
        JsonNode sent = fake.requestsFor(MODEL).get(1).json();
        assertEquals("get_weather", sent.at("/contents/2/parts/0/functionResponse/name").asText());
        assertEquals(FakeGemini.THOUGHT_SIGNATURE, sent.at("/contents/1/parts/0/thoughtSignature").asText(),
                "the thinking model gets its signature back");
    }

    @Test
    void should_stream_a_tool_call_as_one_complete_delta() throws Exception {
        Streamed s = stream(MODEL, "{'messages':[{'role':'user','content':'Weather?'}],'tools':[{'type':'function','function':{'name':'get_weather'}}]}");
        JsonNode call = s.chunks.get(0).json().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, call.path("index").asInt());
        assertEquals("call_0", call.path("id").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals(FakeGemini.TOOL_ARGUMENTS, call.at("/function/arguments").asText());
        assertTrue(s.chunks.stream().anyMatch(c -> "tool_calls".equals(c.finishReason())));
        assertTrue(s.decoder.finished());
    }

    // ---------------------------------------------------------------- failures

    static Stream<Arguments> failingModels() {
        return Stream.of(
                Arguments.of("fake-500", 500, FailureClass.SERVER_ERROR),
                Arguments.of("fake-503", 503, FailureClass.SERVER_ERROR),
                Arguments.of("fake-429", 429, FailureClass.RATE_LIMIT),
                Arguments.of("fake-quota-day", 429, FailureClass.AUTH),
                Arguments.of("fake-400", 400, FailureClass.BAD_REQUEST),
                Arguments.of("fake-context", 400, FailureClass.CONTEXT_LENGTH),
                Arguments.of("fake-auth", 400, FailureClass.AUTH));
    }

    @ParameterizedTest(name = "{0} is {2}")
    @MethodSource("failingModels")
    void should_classify_the_fake_error_bodies(String model, int status, FailureClass expected) throws Exception {
        HttpResponse<byte[]> response = send(adapter.toChatRequest(request("{'messages':[{'role':'user','content':'Hi'}]}", false), model, credentials));
        assertEquals(status, response.statusCode());
        ProviderFailure f = classify(response);
        assertEquals(expected, f.failureClass());
        assertEquals(status, f.upstreamStatus());
    }

    @Test
    void should_take_the_retry_hint_of_a_rate_limit_from_retry_info() throws Exception {
        HttpResponse<byte[]> response = send(adapter.toChatRequest(request("{'messages':[{'role':'user','content':'Hi'}]}", false), "fake-429", credentials));
        assertEquals(Duration.ofSeconds(1), classify(response).retryAfter().orElseThrow());
    }

    @Test
    void should_treat_a_missing_key_as_an_auth_failure() throws Exception {
        HttpResponse<byte[]> response = send(adapter.toChatRequest(request("{'messages':[{'role':'user','content':'Hi'}]}", false), MODEL,
                new Credentials(fake.baseUrl(), null)));
        assertEquals(400, response.statusCode(), "Gemini answers a bad key with 400, not 401");
        assertEquals(FailureClass.AUTH, classify(response).failureClass());
    }

    @Test
    void should_fail_with_content_filter_when_safety_stops_the_answer() throws Exception {
        assertEquals(FailureClass.CONTENT_FILTER, assertThrows(ProviderFailure.class,
                () -> chat("fake-safety", "{'messages':[{'role':'user','content':'Hi'}]}")).failureClass());
        assertEquals(FailureClass.CONTENT_FILTER, assertThrows(ProviderFailure.class,
                () -> stream("fake-safety", "{'messages':[{'role':'user','content':'Hi'}]}")).failureClass());
    }

    @Test
    void should_fail_with_content_filter_naming_the_block_reason_when_the_prompt_is_blocked() throws Exception {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> chat("fake-blocked", "{'messages':[{'role':'user','content':'Hi'}]}"));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
        assertTrue(f.getMessage().contains("SAFETY"), f.getMessage());
        assertEquals(FailureClass.CONTENT_FILTER, assertThrows(ProviderFailure.class,
                () -> stream("fake-blocked", "{'messages':[{'role':'user','content':'Hi'}]}")).failureClass());
    }

    @Test
    void should_fail_with_server_error_on_a_200_that_is_not_json() throws Exception {
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> chat("fake-garbage", "{'messages':[{'role':'user','content':'Hi'}]}")).failureClass());
    }

    @Test
    void should_end_a_cut_stream_without_finishing() throws Exception {
        Streamed s = stream("fake-cut", "{'messages':[{'role':'user','content':'Hi'}]}");
        assertEquals("Hel", s.text());
        assertFalse(s.decoder.finished(), "the pipeline reports a stream that ends before finished() as cut");
    }

    @Test
    void should_throw_the_classified_error_of_a_broken_stream_after_its_first_text() throws Exception {
        List<ChatChunk> seen = new ArrayList<>();
        ProviderFailure f = assertThrows(ProviderFailure.class,
                () -> stream("fake-stream-error", "{'messages':[{'role':'user','content':'Hi'}]}", seen));
        assertEquals(FailureClass.SERVER_ERROR, f.failureClass());
        assertEquals("partial", seen.get(0).json().at("/choices/0/delta/content").asText());
    }

    @Test
    void should_leave_a_hanging_provider_to_the_caller_timeout() {
        UpstreamRequest r = adapter.toChatRequest(request("{'messages':[{'role':'user','content':'Hi'}]}", false), "fake-hang", credentials);
        assertThrows(HttpTimeoutException.class, () -> http.send(builder(r).timeout(Duration.ofMillis(300)).build(),
                HttpResponse.BodyHandlers.ofByteArray()));
    }

    // ---------------------------------------------------------------- embeddings and models

    @Test
    void should_embed_a_string() throws Exception {
        ObjectNode body = (ObjectNode) GeminiMapperTest.json("{'model':'alias','input':'hello world'}");
        HttpResponse<byte[]> response = send(adapter.toEmbeddingsRequest(body, "gemini-embedding-001", credentials));
        assertEquals(200, response.statusCode());

        ObjectNode list = adapter.fromEmbeddingsResponse(response.body(), body, "alias");
        assertEquals("list", list.path("object").asText());
        assertEquals(1, list.path("data").size());
        assertEquals(vector("hello world"), list.at("/data/0/embedding"));
        assertEquals("alias", list.path("model").asText());
        assertEquals(3, list.at("/usage/prompt_tokens").asInt(), "11 characters, about 3 tokens");

        FakeGemini.Recorded sent = fake.requestsFor("gemini-embedding-001").get(0);
        assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", sent.path());
        assertEquals(KEY, sent.header("x-goog-api-key"));
        assertEquals("models/gemini-embedding-001", sent.json().at("/requests/0/model").asText());
    }

    @Test
    void should_embed_an_array_in_order() throws Exception {
        ObjectNode body = (ObjectNode) GeminiMapperTest.json("{'input':['first','second','third']}");
        HttpResponse<byte[]> response = send(adapter.toEmbeddingsRequest(body, "gemini-embedding-001", credentials));

        ObjectNode list = adapter.fromEmbeddingsResponse(response.body());
        assertEquals(3, list.path("data").size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, list.at("/data/" + i + "/index").asInt());
            assertEquals("embedding", list.at("/data/" + i + "/object").asText());
        }
        assertEquals(vector("second"), list.at("/data/1/embedding"));
        assertEquals(4, adapter.fromEmbeddingsResponse(response.body(), body, "m").at("/usage/prompt_tokens").asInt(),
                "16 characters, 4 per token");
    }

    @Test
    void should_list_models_without_their_prefix() throws Exception {
        UpstreamRequest r = adapter.toModelsRequest(credentials);
        HttpResponse<byte[]> response = send(r);
        assertEquals(200, response.statusCode());
        assertEquals(FakeGemini.LISTED_MODELS, adapter.fromModelsResponse(response.body()));

        FakeGemini.Recorded sent = fake.requests().get(0);
        assertEquals("GET", sent.method());
        assertEquals("/v1beta/models", sent.path());
        assertEquals(KEY, sent.header("x-goog-api-key"));
        assertFalse(r.url().contains(KEY));
    }

    // ---------------------------------------------------------------- helpers

    /** What a streamed call produced: the raw body, the decoder, and the chunks in order. */
    private record Streamed(String rawBody, StreamDecoder decoder, List<ChatChunk> chunks) {
        String text() {
            StringBuilder sb = new StringBuilder();
            chunks.forEach(c -> sb.append(c.json().at("/choices/0/delta/content").asText("")));
            return sb.toString();
        }
    }

    private ChatResponse chat(String model, String singleQuotedBody) throws Exception {
        return chat(model, (ObjectNode) GeminiMapperTest.json(singleQuotedBody));
    }

    private ChatResponse chat(String model, ObjectNode body) throws Exception {
        HttpResponse<byte[]> response = send(adapter.toChatRequest(new ChatRequest("alias", body, false, false), model, credentials));
        if (response.statusCode() != 200) {
            throw classify(response);
        }
        return adapter.fromChatResponse(response.body());
    }

    private Streamed stream(String model, String singleQuotedBody) throws Exception {
        return stream(model, singleQuotedBody, new ArrayList<>());
    }

    /**
     * Streams like the pipeline: bytes split at \n with a trailing \r dropped, each line fed to the decoder,
     * stopping once it is finished. A dropped connection simply ends the lines, as a cut does in the pipeline.
     */
    private Streamed stream(String model, String singleQuotedBody, List<ChatChunk> chunks) throws Exception {
        UpstreamRequest r = adapter.toChatRequest(request(singleQuotedBody, true), model, credentials);
        HttpResponse<InputStream> response = http.send(builder(r).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        StreamDecoder decoder = adapter.streamDecoder();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (InputStream in = response.body()) {
            int b;
            while (!decoder.finished() && (b = in.read()) >= 0) {
                raw.write(b);
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                byte[] bytes = line.toByteArray();
                line.reset();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                chunks.addAll(decoder.decode(new String(bytes, 0, length, StandardCharsets.UTF_8)));
            }
        } catch (IOException cut) {
            // the connection was dropped mid-body: the lines end here
        }
        return new Streamed(raw.toString(StandardCharsets.UTF_8), decoder, chunks);
    }

    private static ChatRequest request(String singleQuotedBody, boolean stream) {
        return new ChatRequest("alias", (ObjectNode) GeminiMapperTest.json(singleQuotedBody), stream, false);
    }

    private ProviderFailure classify(HttpResponse<byte[]> response) {
        return adapter.classify(response.statusCode(), name -> response.headers().firstValue(name).orElse(null), response.body());
    }

    private static HttpResponse<byte[]> send(UpstreamRequest r) throws IOException, InterruptedException {
        return http.send(builder(r).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder builder(UpstreamRequest r) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(r.url()))
                .method(r.method(), r.body().length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(r.body()));
        r.headers().forEach(b::header);
        return b;
    }

    /** The fake's vector for {@code input} as it arrives over the wire: floats written as JSON numbers, read back. */
    private static JsonNode vector(String input) throws IOException {
        ArrayNode values = Json.MAPPER.createArrayNode();
        for (float f : FakeGemini.vectorFor(input)) {
            values.add(f);
        }
        return Json.MAPPER.readTree(values.toString());
    }
}

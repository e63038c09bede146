package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Gateway;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The OpenAI-compatible front door end to end: real client → gateway → fake OpenAI server on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatCompletionsTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_answer_a_chat_completion_with_switchboard_headers_and_record_it() throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("Hello from gpt-4o-mini", body.at("/choices/0/message/content").asText());
        assertEquals("gpt-4o-mini", header(r, "x-switchboard-model"));
        assertEquals("openai", header(r, "x-switchboard-provider"));
        assertEquals("1", header(r, "x-switchboard-attempts"));
        assertNotNull(header(r, "x-switchboard-rule"));
        String id = header(r, "x-switchboard-request-id");
        JsonNode row = gw.usageRow(id);
        assertEquals("gpt-4o-mini", row.path("model").asText());
        assertEquals(11, row.path("prompt_tokens").asInt());
        assertEquals(7, row.path("completion_tokens").asInt());
        assertEquals(18, row.path("total_tokens").asInt());
        assertEquals((11 * 0.15 + 7 * 0.60) / 1_000_000, row.path("cost_usd").asDouble(), 1e-12);
        assertEquals(200, row.path("status").asInt());
        assertEquals("http", row.path("entry").asText());
    }

    @Test
    void should_never_forward_the_callers_authorization_but_send_the_provider_key() {
        gw.fake.reset();
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "secret test"),
                "Authorization", "Bearer sk-caller-key-must-not-leak-123456", "X-Tenant", "acme");
        assertEquals(200, r.statusCode());
        FakeOpenAi.Recorded call = gw.fake.requestsFor("gpt-4o-mini").get(0);
        assertEquals("Bearer " + Gateway.PROVIDER_KEY, call.header("authorization"));
        assertTrue(call.headers().keySet().stream().noneMatch(h -> h.equals("x-tenant")), "caller header reached the provider");
        assertTrue(call.headers().keySet().stream().noneMatch(h -> h.startsWith("camel")), "Camel header reached the provider");
        assertTrue(call.headers().keySet().stream().noneMatch(h -> h.startsWith("x-switchboard")), "internal header reached the provider");
        assertFalse(r.headers().map().containsKey("x-tenant"), "caller header echoed back");
        assertFalse(r.body().contains(Gateway.PROVIDER_KEY));
    }

    @Test
    void should_stream_chunk_by_chunk_with_the_usage_chunk_and_done() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        List<String> events = stream(body);
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Gateway.MAPPER.readTree(e);
            assertEquals("chat.completion.chunk", chunk.path("object").asText());
            text.append(chunk.at("/choices/0/delta/content").asText(""));
            if (chunk.path("usage").isObject()) {
                usage = chunk.get("usage");
                assertEquals(0, chunk.path("choices").size(), "usage chunk has empty choices");
            }
        }
        assertEquals("Hello from gpt-4o-mini", text.toString());
        assertNotNull(usage, "include_usage must yield the usage chunk");
        assertEquals(18, usage.path("total_tokens").asInt());
    }

    @Test
    void should_record_stream_usage_even_when_the_caller_did_not_ask_for_it() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        HttpResponse<String> r = gw.send(req);
        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains("\"usage\":{"), "no usage chunk unless asked");
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals(18, row.path("total_tokens").asInt());
        assertTrue(row.path("stream").asBoolean());
        assertTrue(row.path("ttft_ms").asLong() >= 0);
    }

    @Test
    void should_pass_tool_definitions_calls_and_results_through_intact() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";
        HttpResponse<String> r = gw.postChat("{\"model\":\"gpt-4o-mini\",\"tools\":" + tools
                + ",\"tool_choice\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode call = Gateway.MAPPER.readTree(r.body()).at("/choices/0/message/tool_calls/0");
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals(FakeOpenAi.TOOL_ARGUMENTS, call.at("/function/arguments").asText());
        assertEquals("tool_calls", Gateway.MAPPER.readTree(r.body()).at("/choices/0/finish_reason").asText());
        JsonNode sentTools = gw.fake.requestsFor("gpt-4o-mini").get(gw.fake.requestsFor("gpt-4o-mini").size() - 1).json().get("tools");
        assertEquals(Gateway.MAPPER.readTree(tools), sentTools, "tool definitions reach the provider unchanged");

        String followUp = "{\"model\":\"gpt-4o-mini\",\"tools\":" + tools + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Boston?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.path("id").asText() + "\",\"content\":\"22C sunny\"}]}";
        HttpResponse<String> second = gw.postChat(followUp);
        assertEquals(200, second.statusCode(), second.body());
        assertEquals("Tool result received: 22C sunny", Gateway.MAPPER.readTree(second.body()).at("/choices/0/message/content").asText());
        List<FakeOpenAi.Recorded> sent = gw.fake.requestsFor("gpt-4o-mini");
        JsonNode messages = sent.get(sent.size() - 1).json().get("messages");
        assertEquals(call, messages.at("/1/tool_calls/0"), "assistant tool call forwarded intact");
        assertEquals("22C sunny", messages.at("/2/content").asText());
    }

    @Test
    void should_stream_tool_call_fragments() throws Exception {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]";
        List<String> events = stream("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"tools\":" + tools
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");
        StringBuilder args = new StringBuilder();
        String name = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode tc = Gateway.MAPPER.readTree(e).at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                if (tc.at("/function/name").isTextual()) {
                    name = tc.at("/function/name").asText();
                }
                args.append(tc.at("/function/arguments").asText(""));
            }
        }
        assertEquals("get_weather", name);
        assertEquals(FakeOpenAi.TOOL_ARGUMENTS, args.toString());
    }

    @Test
    void should_list_callable_models_in_openai_shape() throws Exception {
        HttpResponse<String> r = gw.get(gw.baseUrl() + "/models");
        assertEquals(200, r.statusCode());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("list", body.path("object").asText());
        List<String> ids = new ArrayList<>();
        body.path("data").forEach(m -> ids.add(m.path("id").asText()));
        assertTrue(ids.contains("gpt-4o-mini"));
        assertFalse(ids.contains("claude-haiku-4-5"), "a model whose provider is off is not callable");
        assertEquals("model", body.at("/data/0/object").asText());
    }

    @Test
    void should_create_embeddings() throws Exception {
        HttpResponse<String> r = gw.post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals(2, body.path("data").size());
        assertEquals(8, body.at("/data/0/embedding").size());
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("embeddings", row.path("operation").asText());
        assertEquals(5, row.path("prompt_tokens").asInt());
    }

    @Test
    void should_refuse_embeddings_for_a_chat_model_naming_the_models_that_embed() throws Exception {
        HttpResponse<String> r = gw.post("/embeddings", "{\"model\":\"gpt-4o\",\"input\":\"a\"}");
        assertEquals(400, r.statusCode());
        assertTrue(error(r).path("message").asText().contains("text-embedding-3-small"));
    }

    @Test
    void should_refuse_bad_input_with_openai_errors_and_record_each() throws Exception {
        assertError(gw.postChat("{not json"), 400, null, "invalid_json");
        assertError(gw.postChat("{\"model\":\"gpt-4o-mini\"}"), 400, "messages", null);
        assertError(gw.postChat("{\"model\":\"gpt-4o-mini\",\"temperature\":2.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "temperature", null);
        assertError(gw.postChat("{\"model\":\"gpt-4o-mini\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                400, "max_tokens", null);
        assertError(gw.postChat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"),
                400, "messages[0].role", null);
        assertError(gw.postChat(Gateway.chatBody("no-such-model", "x")), 404, "model", "model_not_found");
        HttpResponse<String> form = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions"))
                .header("Content-Type", "text/plain") // form bodies are refused before the pipeline: FrontDoorErrorsTest
                .POST(HttpRequest.BodyPublishers.ofString(Gateway.chatBody("gpt-4o-mini", "x"))).build());
        JsonNode row = assertError(form, 415, null, "unsupported_media_type");
        assertEquals(415, row.path("status").asInt());
    }

    @Test
    void should_answer_502_when_the_provider_returns_garbage() throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("garbled", "x"));
        assertEquals(502, r.statusCode(), r.body());
        assertTrue(error(r).path("message").asText().contains("not JSON"));
        assertFalse(r.body().contains("Exception"), "no stack trace or Java internals");
        assertFalse(r.headers().map().keySet().stream().anyMatch(h -> h.toLowerCase().startsWith("camel")), "no Camel header echoed");
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals("server_error", row.at("/attempts/0/outcome").asText());
    }

    @Test
    void should_count_requests_by_model_in_prometheus_metrics() {
        // A caller without a key is "free" unless it says otherwise, and the sample rules keep free users off gpt-4o.
        gw.postChat(Gateway.chatBody("gpt-4o", "count me"), "x-switchboard-user-tier", "standard");
        String metrics = gw.get(gw.managementUrl() + "/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("switchboard_requests_total") && l.contains("model=\"gpt-4o\"")
                && l.contains("status=\"200\"")), metrics);
        assertTrue(metrics.contains("resilience4j_circuitbreaker_state"), "breaker state per model is exported");
        assertFalse(metrics.contains(Gateway.PROVIDER_KEY));
    }

    private JsonNode assertError(HttpResponse<String> r, int status, String param, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = error(r);
        assertTrue(error.path("message").asText().length() > 10, "a precise message");
        assertTrue(error.has("type") && error.has("param") && error.has("code"), "OpenAI error shape: " + r.body());
        if (param != null) {
            assertEquals(param, error.path("param").asText());
        }
        if (code != null) {
            assertEquals(code, error.path("code").asText());
        }
        return gw.usageRow(header(r, "x-switchboard-request-id"));
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return Gateway.MAPPER.readTree(r.body()).path("error");
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** The data payloads of an SSE response, read as they arrive. */
    private List<String> stream(String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions")).timeout(Gateway.TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> r = gw.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring(6));
                }
            }
        }
        return events;
    }
}

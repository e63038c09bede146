package dev.switchboard.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeAnthropic;
import dev.switchboard.fakes.FakeGemini;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every provider, in its own wire format, through the whole gateway: a real client → gateway → a fake of
 * that provider on 127.0.0.1. Each row checks what the caller sees, the failure class recorded and the
 * exact usage the fake reported.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderConformanceTest {
    private static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

    private final List<ProviderUnderTest> providers = new ArrayList<>();
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        // OpenAI's fake is the one every test gateway starts with (Gateway.start points OPENAI_BASE_URL at it).
        providers.add(new ProviderUnderTest("openai", "openai", null, Map.of(),
                m -> gw.fake.requestsFor(m).stream().map(dev.switchboard.fakes.FakeOpenAi.Recorded::json).toList(), () -> { },
                11, 7, (11 * 2 + 7 * 4) / 1e6, true, true, "fake-filter", ProviderUnderTest.FilterOutcome.FINISH_REASON,
                "fake-500", "fake-429", true));
        FakeAnthropic anthropic = FakeAnthropic.start();
        providers.add(new ProviderUnderTest("anthropic", "anthropic", anthropic.baseUrl(),
                Map.of("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef"),
                m -> anthropic.requestsFor(m).stream().map(FakeAnthropic.Recorded::json).toList(), anthropic,
                FakeAnthropic.INPUT_TOKENS + FakeAnthropic.CACHE_READ_TOKENS + FakeAnthropic.CACHE_CREATION_TOKENS,
                FakeAnthropic.OUTPUT_TOKENS, (11 * 2 + 3 * 1 + 2 * 3 + 7 * 4) / 1e6, true, false, "fake-refusal", ProviderUnderTest.FilterOutcome.FINISH_REASON,
                "fake-500", "fake-429", true));
        FakeGemini gemini = FakeGemini.start();
        providers.add(new ProviderUnderTest("gemini", "gemini", gemini.baseUrl(),
                Map.of("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", "gemini-test-key-0123456789"),
                m -> gemini.requestsFor(m).stream().map(FakeGemini.Recorded::json).toList(), gemini,
                FakeGemini.PROMPT_TOKENS, FakeGemini.CANDIDATES_TOKENS + FakeGemini.THOUGHTS_TOKENS, (7 * 2 + 4 * 1 + 9 * 4) / 1e6, true, true,
                "fake-safety", ProviderUnderTest.FilterOutcome.ERROR, "fake-500", "fake-429", true));
        ConformanceProviders.addMore(providers);

        Path catalog = Files.createTempFile("conformance-catalog", ".yaml");
        Files.writeString(catalog, catalogYaml());
        Map<String, String> env = new HashMap<>();
        env.put("SWITCHBOARD_CATALOG", catalog.toString());
        providers.forEach(p -> env.putAll(p.env()));
        gw = Gateway.start(env);
    }

    @AfterAll
    void stop() throws Exception {
        gw.close();
        for (ProviderUnderTest p : providers) {
            p.fake().close();
        }
    }

    Stream<ProviderUnderTest> providers() {
        return providers.stream();
    }

    /** Per provider: {id}-chat, -500, -429, -context, -filter, -cut, -embed, each upstream name picking a fake behaviour. */
    private String catalogYaml() {
        StringBuilder y = new StringBuilder("defaults: {chatModel: openai-chat}\nproviders:\n");
        y.append("  - {id: openai, type: openai, baseUrl: \"http://127.0.0.1:1/v1\", keyEnv: OPENAI_API_KEY, baseUrlEnv: OPENAI_BASE_URL}\n");
        for (ProviderUnderTest p : providers.subList(1, providers.size())) {
            String key = p.env().keySet().stream().filter(k -> k.endsWith("_KEY")).findFirst().orElse(null);
            String base = p.env().keySet().stream().filter(k -> k.endsWith("_BASE_URL") || k.equals("OLLAMA_HOST")).findFirst().orElseThrow();
            y.append("  - {id: ").append(p.id()).append(", type: ").append(p.type()).append(", baseUrl: \"http://127.0.0.1:1\", baseUrlEnv: ")
                    .append(base).append(key == null ? ", local: true" : ", keyEnv: " + key).append("}\n");
        }
        y.append("models:\n");
        for (ProviderUnderTest p : providers) {
            model(y, p, "chat", "model-" + p.id(), p.embeddings() ? "[chat, tools, embeddings]" : "[chat, tools]");
            model(y, p, "500", p.serverErrorModel(), "[chat]");
            model(y, p, "429", p.rateLimitModel(), "[chat]");
            model(y, p, "context", "fake-context", "[chat]");
            model(y, p, "filter", p.filterModel(), "[chat]");
            model(y, p, "cut", "fake-cut", "[chat]");
        }
        y.append("  - {id: anthropic-down, upstreamId: fake-500, provider: anthropic, contextWindow: 1000, price: {input: 1, output: 1}, fallbacks: [gemini-chat]}\n");
        return y.toString();
    }

    private static void model(StringBuilder y, ProviderUnderTest p, String suffix, String upstream, String caps) {
        y.append("  - {id: ").append(p.id()).append('-').append(suffix).append(", upstreamId: \"").append(upstream)
                .append("\", provider: ").append(p.id()).append(", contextWindow: 100000, price: {input: 2, output: 4, cachedInput: 1, cacheWrite: 3, searchPer1k: 5}, capabilities: ")
                .append(caps).append("}\n");
    }

    @ParameterizedTest(name = "{0}: a whole answer with exact usage")
    @MethodSource("providers")
    void should_answer_non_streaming_with_the_providers_usage(ProviderUnderTest p) throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(p.id() + "-chat", "hi"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("chat.completion", body.path("object").asText());
        assertTrue(body.at("/choices/0/message/content").asText().contains("Hello"), r.body());
        assertEquals(p.id(), header(r, "x-switchboard-provider"));
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals(p.promptTokens(), row.path("prompt_tokens").asInt(), "prompt tokens of " + p.id());
        assertEquals(p.completionTokens(), row.path("completion_tokens").asInt(), "completion tokens of " + p.id());
        assertEquals(p.expectedCostUsd(), row.path("cost_usd").asDouble(), 1e-12, "cost: cached, cache-write, reasoning and search billed as the provider bills them");
    }

    @ParameterizedTest(name = "{0}: a stream relayed as OpenAI chunks")
    @MethodSource("providers")
    void should_stream_as_openai_chunks_with_usage(ProviderUnderTest p) throws Exception {
        HttpResponse<String> r = gw.postChat("{\"model\":\"" + p.id() + "-chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode chunk = Gateway.MAPPER.readTree(line.substring(6));
                text.append(chunk.at("/choices/0/delta/content").asText(""));
                if (chunk.path("usage").isObject()) {
                    usage = chunk.get("usage");
                }
            }
        }
        assertTrue(text.toString().contains("Hello"), r.body());
        assertTrue(usage != null, "usage chunk for include_usage");
        JsonNode row = gw.usageRow(header(r, "x-switchboard-request-id"));
        assertEquals(p.promptTokens(), row.path("prompt_tokens").asInt());
        assertEquals(p.completionTokens(), row.path("completion_tokens").asInt());
    }

    @ParameterizedTest(name = "{0}: tool call and tool result round trip")
    @MethodSource("providers")
    void should_round_trip_a_tool_call(ProviderUnderTest p) throws Exception {
        HttpResponse<String> r = gw.postChat("{\"model\":\"" + p.id() + "-chat\",\"tools\":" + TOOLS
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"}]}");
        if (!p.tools()) {
            assertEquals(400, r.statusCode(), r.body());
            return;
        }
        assertEquals(200, r.statusCode(), r.body());
        JsonNode message = Gateway.MAPPER.readTree(r.body()).at("/choices/0/message");
        JsonNode call = message.at("/tool_calls/0");
        assertEquals("get_weather", call.at("/function/name").asText(), r.body());
        assertEquals("Boston", Gateway.MAPPER.readTree(call.at("/function/arguments").asText()).path("city").asText());
        assertEquals("tool_calls", Gateway.MAPPER.readTree(r.body()).at("/choices/0/finish_reason").asText());

        String followUp = "{\"model\":\"" + p.id() + "-chat\",\"tools\":" + TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather in Boston?\"}," + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + call.path("id").asText() + "\",\"content\":\"22C sunny\"}]}";
        HttpResponse<String> second = gw.postChat(followUp);
        assertEquals(200, second.statusCode(), second.body());
        assertTrue(Gateway.MAPPER.readTree(second.body()).at("/choices/0/message/content").asText().contains("22C sunny"), second.body());
    }

    @ParameterizedTest(name = "{0}: embeddings, or a clear 400")
    @MethodSource("providers")
    void should_embed_where_the_provider_can(ProviderUnderTest p) throws Exception {
        HttpResponse<String> r = gw.post("/embeddings", "{\"model\":\"" + p.id() + "-chat\",\"input\":[\"a\",\"b\"]}");
        if (!p.embeddings()) {
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("does not create embeddings; models that do"), r.body());
            return;
        }
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals(2, body.path("data").size(), r.body());
        assertTrue(body.at("/data/0/embedding").size() > 0);
    }

    @ParameterizedTest(name = "{0}: a rate limit is answered 429 with its hint")
    @MethodSource("providers")
    void should_classify_a_rate_limit(ProviderUnderTest p) {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(p.id() + "-429", "hi"));
        assertEquals(429, r.statusCode(), r.body());
        if (p.rateLimitHasHint()) {
            assertTrue(r.headers().firstValue("retry-after").isPresent(), "retry hint passed on");
        }
        assertEquals("rate_limit", gw.usageRow(header(r, "x-switchboard-request-id")).at("/attempts/0/outcome").asText());
    }

    @ParameterizedTest(name = "{0}: a server error is answered 502")
    @MethodSource("providers")
    void should_classify_a_server_error(ProviderUnderTest p) {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(p.id() + "-500", "hi"));
        assertEquals(502, r.statusCode(), r.body());
        assertEquals("server_error", gw.usageRow(header(r, "x-switchboard-request-id")).at("/attempts/0/outcome").asText());
    }

    @ParameterizedTest(name = "{0}: a context-length failure is answered 400 context_length_exceeded")
    @MethodSource("providers")
    void should_classify_a_context_length_failure(ProviderUnderTest p) throws Exception {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(p.id() + "-context", "hi"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("context_length_exceeded", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText(), r.body());
        assertEquals("context_length", gw.usageRow(header(r, "x-switchboard-request-id")).at("/attempts/0/outcome").asText());
    }

    @ParameterizedTest(name = "{0}: a filtered answer is a content-filter outcome")
    @MethodSource("providers")
    void should_classify_a_content_filter(ProviderUnderTest p) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(p.filterOutcome() != ProviderUnderTest.FilterOutcome.NONE,
                p.id() + " documents no content filter");
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(p.id() + "-filter", "hi"));
        if (p.filterOutcome() == ProviderUnderTest.FilterOutcome.FINISH_REASON) {
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("content_filter", Gateway.MAPPER.readTree(r.body()).at("/choices/0/finish_reason").asText(), r.body());
        } else {
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("content_filter", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText(), r.body());
            assertEquals("content_filter", gw.usageRow(header(r, "x-switchboard-request-id")).at("/attempts/0/outcome").asText());
        }
    }

    @ParameterizedTest(name = "{0}: a stream cut after its first chunk ends with an error event")
    @MethodSource("providers")
    void should_never_end_a_cut_stream_cleanly(ProviderUnderTest p) {
        HttpResponse<String> r = gw.postChat("{\"model\":\"" + p.id() + "-cut\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(r.body().contains("[DONE]"), r.body());
        assertTrue(r.body().contains("\"error\""), r.body());
        assertEquals("truncated", gw.usageRow(header(r, "x-switchboard-request-id")).path("outcome").asText());
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    Gateway gateway() {
        return gw;
    }

    ProviderUnderTest provider(String id) {
        return providers.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }
}

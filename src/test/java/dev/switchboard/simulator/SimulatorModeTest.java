package dev.switchboard.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** With no provider key the built-in simulator answers every model, over real HTTP like any provider. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatorModeTest {
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start(Map.of("OPENAI_API_KEY", ""));
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_answer_every_model_from_the_simulator_at_no_cost() throws Exception {
        // A caller without a key is "free" unless it says otherwise, and the sample rules keep free users off gpt-4o.
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o", "hello there"), "x-switchboard-user-tier", "standard");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("simulator", r.headers().firstValue("x-switchboard-provider").orElse(""));
        assertTrue(Gateway.MAPPER.readTree(r.body()).at("/choices/0/message/content").asText().contains("hello there"));
        assertEquals(0, gw.fake.requests().size(), "nothing reached a real provider");
        JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertTrue(row.path("total_tokens").asInt() > 0);
        assertEquals(0.0, row.path("cost_usd").asDouble(), "simulated answers cost nothing");
        assertTrue(Gateway.MAPPER.readTree(gw.get(gw.baseUrl() + "/models").body()).path("data").size() >= 3, "every model callable");
    }

    @Test
    void should_stream_and_call_tools() throws Exception {
        HttpResponse<String> s = gw.postChat("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertTrue(s.body().endsWith("data: [DONE]\n\n"), s.body());
        HttpResponse<String> t = gw.postChat("{\"model\":\"gpt-4o-mini\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"find it\"}]}");
        assertEquals("lookup", Gateway.MAPPER.readTree(t.body()).at("/choices/0/message/tool_calls/0/function/name").asText(), t.body());
    }

    @Test
    void should_serve_the_responses_api_by_translation_as_the_simulator_speaks_chat_completions_only() throws Exception {
        HttpResponse<String> r = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hello responses\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(Gateway.MAPPER.readTree(r.body()).at("/output/0/content/0/text").asText().contains("hello responses"), r.body());
    }

    @Test
    void should_answer_embeddings_as_base64_when_the_sdk_asks_for_it() throws Exception {
        JsonNode floats = Gateway.MAPPER.readTree(gw.post("/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"abc\"}").body());
        JsonNode packed = Gateway.MAPPER.readTree(gw.post("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"abc\",\"encoding_format\":\"base64\"}").body());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(packed.at("/data/0/embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(floats.at("/data/0/embedding").size() * 4, bytes.remaining());
        assertEquals(floats.at("/data/0/embedding/0").floatValue(), bytes.getFloat(0));
    }
}

package dev.switchboard.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.fakes.FakeServer;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Responses API over plain HTTP: structured output, what it refuses (400 naming the param), stored responses
 * kept per caller, and {@code store: false}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesApiTest {
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
    void should_pass_a_json_schema_text_format_through_to_openai_as_it_came() throws Exception {
        HttpResponse<String> r = gw.post("/responses", """
                {"model":"gpt-4o","input":[{"role":"user","content":[{"type":"input_text","text":"A city as JSON"}]}],
                 "text":{"format":{"type":"json_schema","name":"city","strict":true,
                   "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"],"additionalProperties":false}}},
                 "max_output_tokens":50,"temperature":0.2}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = Gateway.MAPPER.readTree(r.body());
        assertEquals("response", body.path("object").asText());
        assertEquals("output_text", body.at("/output/0/content/0/type").asText(), r.body());
        FakeServer.Recorded call = last(gw.fake.requestsFor("gpt-4o"));
        assertEquals("/v1/responses", call.path(), "OpenAI gets the Responses request itself");
        JsonNode sent = call.json();
        assertEquals("json_schema", sent.at("/text/format/type").asText(), sent.toString());
        assertEquals("city", sent.at("/text/format/name").asText());
        assertEquals("object", sent.at("/text/format/schema/type").asText());
        assertEquals(50, sent.path("max_output_tokens").asInt());
        assertEquals("A city as JSON", sent.at("/input/0/content/0/text").asText());
        assertTrue(!sent.has("messages") && !sent.has("response_format"), "not a chat body: " + sent);
    }

    @Test
    void should_refuse_what_it_cannot_serve_naming_the_param() throws Exception {
        assertRefused("{\"model\":\"gpt-4o-mini\"}", "input");
        assertRefused("{\"input\":\"hi\"}", "model");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "input[0].type");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", "input[0].call_id");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"text\":{\"format\":{\"type\":\"json_schema\"}}}", "text.format.schema");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"temperature\":7}", "temperature");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"max_output_tokens\":99999999999999999999}", "max_output_tokens");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"max_output_tokens\":0}", "max_output_tokens");
        assertRefused("{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"previous_response_id\":\"not an id\"}", "previous_response_id");
    }

    @Test
    void should_keep_stored_responses_to_the_caller_that_made_them() throws Exception {
        HttpResponse<String> made = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"remember me\"}",
                "x-switchboard-agent", "alice");
        assertEquals(200, made.statusCode(), made.body());
        String id = Gateway.MAPPER.readTree(made.body()).path("id").asText();

        HttpResponse<String> stranger = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"go on\",\"previous_response_id\":\""
                + id + "\"}", "x-switchboard-agent", "mallory");
        assertEquals(404, stranger.statusCode(), stranger.body());
        assertEquals("previous_response_id", Gateway.MAPPER.readTree(stranger.body()).at("/error/param").asText());
        assertEquals(404, get(id, "mallory").statusCode(), "another caller cannot read it");
        assertEquals(404, send("DELETE", id, "mallory").statusCode(), "nor delete it");

        HttpResponse<String> owner = get(id, "alice");
        assertEquals(200, owner.statusCode(), owner.body());
        assertEquals("Hello from gpt-4o-mini", Gateway.MAPPER.readTree(owner.body()).at("/output/0/content/0/text").asText());
    }

    @Test
    void should_not_store_a_response_sent_with_store_false() throws Exception {
        HttpResponse<String> made = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"forget me\",\"store\":false}");
        assertEquals(200, made.statusCode(), made.body());
        JsonNode body = Gateway.MAPPER.readTree(made.body());
        assertEquals(false, body.path("store").asBoolean());
        assertEquals(404, get(body.path("id").asText(), null).statusCode());
        HttpResponse<String> next = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"go on\",\"previous_response_id\":\""
                + body.path("id").asText() + "\"}");
        assertEquals(404, next.statusCode(), next.body());
    }

    @Test
    void should_answer_a_repeated_request_from_the_cache_as_a_response_and_as_its_events() throws Exception {
        HttpResponse<String> created = gw.admin("POST", "/admin/api/agents", "{\"id\":\"cached-responses\",\"cache\":true}");
        assertEquals(201, created.statusCode(), created.body());
        String key = Gateway.MAPPER.readTree(created.body()).path("key").asText();
        String body = "{\"model\":\"gpt-4o-mini\",\"input\":\"cache me " + System.nanoTime() + "\",\"max_output_tokens\":20";
        HttpResponse<String> first = gw.post("/responses", body + "}", "Authorization", "Bearer " + key);
        HttpResponse<String> second = gw.post("/responses", body + "}", "Authorization", "Bearer " + key);
        HttpResponse<String> streamed = gw.post("/responses", body + ",\"stream\":true}", "Authorization", "Bearer " + key);
        assertEquals("miss", first.headers().firstValue("x-switchboard-cache").orElse(""), first.body());
        assertEquals("hit", second.headers().firstValue("x-switchboard-cache").orElse(""), second.body());
        assertEquals("hit", streamed.headers().firstValue("x-switchboard-cache").orElse(""), streamed.body());
        JsonNode a = Gateway.MAPPER.readTree(first.body());
        JsonNode b = Gateway.MAPPER.readTree(second.body());
        assertEquals(a.at("/output/0/content/0/text"), b.at("/output/0/content/0/text"));
        assertTrue(!a.path("id").equals(b.path("id")), "each answer is a response of its own");
        assertTrue(streamed.body().startsWith("event: response.created"), streamed.body());
        assertTrue(streamed.body().contains("event: response.completed"), streamed.body());
        assertTrue(streamed.body().contains("\"delta\":\"Hello from gpt-4o-mini\""), streamed.body());
    }

    @Test
    void should_list_a_stored_responses_input_items_a_page_at_a_time() throws Exception {
        JsonNode first = Gateway.MAPPER.readTree(gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"one\"}").body());
        HttpResponse<String> made = gw.post("/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"two\",\"previous_response_id\":\""
                + first.path("id").asText() + "\"}");
        String id = Gateway.MAPPER.readTree(made.body()).path("id").asText();

        JsonNode newest = Gateway.MAPPER.readTree(get(id + "/input_items?limit=1", null).body());
        assertEquals("two", newest.at("/data/0/content/0/text").asText(), "newest first by default: " + newest);
        assertEquals(true, newest.path("has_more").asBoolean(), newest.toString());
        JsonNode rest = Gateway.MAPPER.readTree(get(id + "/input_items?limit=5&after=" + newest.path("last_id").asText(), null).body());
        assertEquals(List.of("assistant", "user"), rest.path("data").findValuesAsText("role"), rest.toString());
        assertEquals("one", rest.at("/data/1/content/0/text").asText(), rest.toString());
        assertEquals(false, rest.path("has_more").asBoolean(), rest.toString());

        for (String[] bad : new String[][] {{"limit=0", "limit"}, {"limit=x", "limit"}, {"order=up", "order"}, {"after=msg_nope", "after"}}) {
            HttpResponse<String> r = get(id + "/input_items?" + bad[0], null);
            assertEquals(400, r.statusCode(), bad[0] + " -> " + r.body());
            assertEquals(bad[1], Gateway.MAPPER.readTree(r.body()).at("/error/param").asText(), r.body());
        }
        assertEquals(404, get(id + "/input_items", "mallory").statusCode(), "only its caller lists them");
    }

    private void assertRefused(String body, String param) throws Exception {
        HttpResponse<String> r = gw.post("/responses", body);
        assertEquals(400, r.statusCode(), body + " -> " + r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals(param, error.path("param").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        assertTrue(!error.path("message").asText().isBlank());
    }

    private HttpResponse<String> get(String id, String caller) {
        return send("GET", id, caller);
    }

    private HttpResponse<String> send(String method, String id, String caller) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/responses/" + id)).timeout(Gateway.TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (caller != null) {
            b.header("x-switchboard-agent", caller);
        }
        return gw.send(b.build());
    }

    private static FakeServer.Recorded last(List<FakeServer.Recorded> requests) {
        return requests.get(requests.size() - 1);
    }
}

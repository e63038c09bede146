package dev.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import org.junit.jupiter.api.Test;

/** What OpenAI is sent for a Responses request: the caller's body, but for what the gateway changed or keeps itself. */
class ResponsesPassThroughTest {
    private static final String CALLER = """
            {"model":"gpt-4o-mini","instructions":"Be terse.","input":[{"role":"user","content":[{"type":"input_text","text":"Hi"}]}],
             "temperature":0.5,"include":["reasoning.encrypted_content"],"tools":[{"type":"web_search_preview"},
             {"type":"function","name":"get_weather","parameters":{"type":"object"}}],"previous_response_id":"resp_1"}""";

    @Test
    void should_send_the_callers_body_as_it_came_with_the_upstream_model_unstored() {
        ObjectNode caller = ResponsesPassThrough.resolve(json(CALLER), Json.MAPPER.createArrayNode());
        ObjectNode sent = ResponsesPassThrough.request(caller, canonical(caller), "gpt-4o-mini-2024-07-18");
        ObjectNode expected = json(CALLER);
        expected.remove("previous_response_id");
        expected.put("model", "gpt-4o-mini-2024-07-18").put("store", false);
        assertEquals(expected, sent, "fields the canonical request cannot hold (include, hosted tools) pass untouched");
    }

    @Test
    void should_apply_what_the_gateway_changed_in_responses_terms() {
        ObjectNode caller = ResponsesPassThrough.resolve(json(CALLER), Json.MAPPER.createArrayNode());
        ObjectNode canonical = canonical(caller).put("temperature", 0.0).put("max_tokens", 100);
        ArrayNode fitted = Json.MAPPER.createArrayNode();
        fitted.addObject().put("role", "system").put("content", "Be terse.");
        fitted.addObject().put("role", "user").put("content", "Hi");
        canonical.set("messages", fitted);
        ObjectNode sent = ResponsesPassThrough.request(caller, canonical, "gpt-4o-mini");
        assertEquals(0.0, sent.path("temperature").asDouble(), "a rule's temperature");
        assertEquals(100, sent.path("max_output_tokens").asInt(), "a model default's token limit");
        assertFalse(sent.has("instructions"), "the fitted conversation carries the system prompt: " + sent);
        assertEquals(json("""
                [{"role":"system","content":"Be terse."},{"role":"user","content":"Hi"}]"""), sent.get("input"));
        assertEquals("web_search_preview", sent.at("/tools/0/type").asText(), "tools unchanged stay as sent");
    }

    @Test
    void should_resolve_a_previous_response_into_input_items_before_the_callers_input() {
        ArrayNode stored = (ArrayNode) json("""
                [{"role":"user","content":"Weather?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]}]""");
        ObjectNode caller = json("""
                {"model":"gpt-4o","previous_response_id":"resp_1","input":[{"type":"function_call_output","call_id":"call_1","output":"3C"}]}""");
        ObjectNode resolved = ResponsesPassThrough.resolve(caller, stored);
        assertFalse(resolved.has("previous_response_id"));
        assertEquals(json("""
                [{"role":"user","content":"Weather?"},
                 {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"},
                 {"type":"function_call_output","call_id":"call_1","output":"3C"}]"""), resolved.get("input"));
    }

    private static ObjectNode canonical(ObjectNode caller) {
        return ResponsesRequest.toChat(caller, ResponsesRequest.inputMessages(caller));
    }

    @SuppressWarnings("unchecked")
    private static <T extends com.fasterxml.jackson.databind.JsonNode> T json(String text) {
        return (T) Json.parseOrNull(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}

package dev.switchboard.providers.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.StreamDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI's Responses API answers read as canonical answers (for the record and the cache) beside the relayed original. */
class OpenAiAdapterTest {
    private final OpenAiAdapter adapter = new OpenAiAdapter();

    @Test
    void should_read_a_function_call_and_the_responses_usage_shape() {
        ChatResponse r = adapter.fromWireResponse(bytes("""
                {"id":"resp_1","object":"response","status":"completed","model":"gpt-4o","output":[
                 {"type":"reasoning","id":"rs_1","summary":[]},
                 {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{}"}],
                 "usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":40},"output_tokens":30,
                          "output_tokens_details":{"reasoning_tokens":20},"total_tokens":130}}"""));
        assertEquals("tool_calls", r.finishReason());
        assertEquals("get_weather", r.body().at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals("call_1", r.body().at("/choices/0/message/tool_calls/0/id").asText());
        assertEquals(List.of(100, 30, 130, 40, 20), List.of(r.usage().promptTokens(), r.usage().completionTokens(),
                r.usage().totalTokens(), r.usage().cachedTokens(), r.usage().reasoningTokens()));
    }

    @Test
    void should_read_an_incomplete_response_as_cut_at_its_limit_and_a_failed_one_as_a_failure() {
        ChatResponse cut = adapter.fromWireResponse(bytes("""
                {"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"output":[
                 {"type":"message","content":[{"type":"output_text","text":"Hel"}]}]}"""));
        assertEquals("length", cut.finishReason());
        assertEquals("Hel", cut.body().at("/choices/0/message/content").asText());
        ProviderFailure failed = assertThrows(ProviderFailure.class, () -> adapter.fromWireResponse(bytes("""
                {"status":"failed","error":{"code":"server_error","message":"boom"},"output":[]}""")));
        assertEquals(FailureClass.SERVER_ERROR, failed.failureClass());
    }

    @Test
    void should_relay_every_event_and_read_text_calls_and_the_finish_from_them() {
        StreamDecoder decoder = adapter.relayDecoder();
        List<ChatChunk> chunks = new ArrayList<>();
        for (String line : """
                event: response.created
                data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}}

                event: response.output_text.delta
                data: {"type":"response.output_text.delta","sequence_number":1,"output_index":0,"delta":"Hi"}

                event: response.output_item.added
                data: {"type":"response.output_item.added","sequence_number":2,"output_index":1,"item":{"type":"function_call","call_id":"call_1","name":"f","arguments":""}}

                event: response.function_call_arguments.delta
                data: {"type":"response.function_call_arguments.delta","sequence_number":3,"output_index":1,"delta":"{}"}

                event: response.completed
                data: {"type":"response.completed","sequence_number":4,"response":{"status":"completed","usage":{"input_tokens":5,"output_tokens":2}}}

                """.split("\n", -1)) {
            chunks.addAll(decoder.decode(line));
        }
        assertEquals(5, chunks.size());
        assertTrue(chunks.get(0).raw().startsWith("event: response.created\ndata: {"), "kept whole: " + chunks.get(0).raw());
        assertFalse(chunks.get(0).content());
        assertEquals("Hi", chunks.get(1).json().at("/choices/0/delta/content").asText());
        assertEquals("call_1", chunks.get(2).json().at("/choices/0/delta/tool_calls/0/id").asText());
        assertEquals("{}", chunks.get(3).json().at("/choices/0/delta/tool_calls/0/function/arguments").asText());
        assertEquals("tool_calls", chunks.get(4).finishReason());
        assertEquals(2, chunks.get(4).usage().completionTokens());
        assertTrue(decoder.finished());
    }

    @Test
    void should_fail_a_stream_on_its_error_event() {
        StreamDecoder decoder = adapter.relayDecoder();
        decoder.decode("event: error");
        ProviderFailure failure = assertThrows(ProviderFailure.class,
                () -> decoder.decode("data: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\"}"));
        assertEquals(FailureClass.RATE_LIMIT, failure.failureClass());
        assertFalse(decoder.finished());
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}

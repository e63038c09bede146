package dev.switchboard.providers.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.StreamDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gemini's SSE deltas as OpenAI chunks, fed line by line as the pipeline's reader does. */
class GeminiStreamDecoderTest {
    private final StreamDecoder decoder = new GeminiAdapter().streamDecoder();

    @Test
    void should_stream_text_with_the_role_first_then_finish_then_usage() {
        assertEquals(List.of(), decoder.decode(""));
        List<ChatChunk> first = decode(text("Sun", null, usage(12, 1, 0)));
        assertEquals(1, first.size());
        JsonNode delta = first.get(0).json().at("/choices/0/delta");
        assertEquals("assistant", delta.path("role").asText());
        assertEquals("Sun", delta.path("content").asText());
        assertTrue(first.get(0).content());
        assertNull(first.get(0).usage(), "running totals are not the answer's usage");
        assertNull(first.get(0).raw(), "chunks are rewritten, so nothing is forwarded raw");
        assertEquals("chat.completion.chunk", first.get(0).json().path("object").asText());

        List<ChatChunk> second = decode(text("ny", null, usage(12, 2, 0)));
        assertTrue(second.get(0).json().at("/choices/0/delta/role").isMissingNode(), "the role comes once");
        assertFalse(decoder.finished());

        List<ChatChunk> last = decode(text(".", "STOP", usage(12, 3, 5)));
        assertEquals(3, last.size(), "text, finish, usage");
        assertEquals(".", last.get(0).json().at("/choices/0/delta/content").asText());
        assertEquals("stop", last.get(1).finishReason());
        assertEquals("stop", last.get(1).json().at("/choices/0/finish_reason").asText());
        assertTrue(last.get(1).content(), "a finish reason is something the caller sees");
        ChatChunk usage = last.get(2);
        assertTrue(usage.json().path("choices").isArray() && usage.json().path("choices").isEmpty());
        assertFalse(usage.content());
        assertEquals(new Usage(12, 8, 20, 0, 5, 0, 0), usage.usage());
        assertEquals(8, usage.json().at("/usage/completion_tokens").asInt());
        assertTrue(decoder.finished());
        assertEquals(first.get(0).json().path("id"), last.get(2).json().path("id"), "one id for the whole stream");
    }

    @Test
    void should_send_a_function_call_as_one_complete_tool_call_delta() {
        List<ChatChunk> chunks = decode("{'candidates':[{'content':{'role':'model','parts':[{'functionCall':{'name':'get_weather','args':{'city':'Boston'}}},"
                + "{'functionCall':{'name':'get_time','args':{}}}]},'finishReason':'STOP','index':0}],'usageMetadata':" + usage(10, 5, 0) + "}");
        JsonNode calls = chunks.get(0).json().at("/choices/0/delta/tool_calls");
        assertEquals(GeminiMapperTest.json("[{'id':'call_0','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Boston\\'}'},'index':0},"
                + "{'id':'call_1','type':'function','function':{'name':'get_time','arguments':'{}'},'index':1}]"), calls);
        assertEquals("tool_calls", chunks.get(1).finishReason());
        assertTrue(decoder.finished());
    }

    @Test
    void should_stream_thoughts_as_reasoning_content() {
        List<ChatChunk> chunks = decode("{'candidates':[{'content':{'parts':[{'text':'Hmm.','thought':true}]},'index':0}]}");
        assertEquals("Hmm.", chunks.get(0).json().at("/choices/0/delta/reasoning_content").asText());
        assertTrue(chunks.get(0).json().at("/choices/0/delta/content").isMissingNode());
    }

    @Test
    void should_map_max_tokens_to_length() {
        List<ChatChunk> chunks = decode(text("cut", "MAX_TOKENS", usage(1, 1, 0)));
        assertEquals("length", chunks.get(1).finishReason());
    }

    @Test
    void should_tolerate_a_carriage_return_and_no_space_after_data() {
        List<ChatChunk> chunks = decoder.decode("data:" + text("Hi", null, usage(1, 1, 0)).replace('\'', '"') + "\r");
        assertEquals("Hi", chunks.get(0).json().at("/choices/0/delta/content").asText());
    }

    @Test
    void should_throw_a_classified_failure_for_an_error_event() {
        decode(text("partial", null, usage(1, 1, 0)));
        ProviderFailure f = assertThrows(ProviderFailure.class,
                () -> decode("{'error':{'code':500,'message':'An internal error has occurred.','status':'INTERNAL'}}"));
        assertEquals(FailureClass.SERVER_ERROR, f.failureClass());
        assertFalse(decoder.finished());
    }

    @Test
    void should_read_an_error_sent_as_pretty_printed_json_without_data_prefixes() {
        assertEquals(List.of(), decoder.decode("{"));
        assertEquals(List.of(), decoder.decode("  \"error\": {"));
        assertEquals(List.of(), decoder.decode("    \"code\": 429, \"message\": \"Resource exhausted\", \"status\": \"RESOURCE_EXHAUSTED\""));
        assertEquals(List.of(), decoder.decode("  }"));
        assertEquals(FailureClass.RATE_LIMIT, assertThrows(ProviderFailure.class, () -> decoder.decode("}")).failureClass());
    }

    @Test
    void should_throw_content_filter_when_safety_stops_the_stream() {
        decode(text("Some", null, usage(1, 1, 0)));
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> decode("{'candidates':[{'finishReason':'SAFETY','index':0,"
                + "'safetyRatings':[{'category':'HARM_CATEGORY_DANGEROUS_CONTENT','probability':'HIGH','blocked':true}]}]}"));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
    }

    @Test
    void should_throw_content_filter_when_the_prompt_is_blocked() {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> decode("{'promptFeedback':{'blockReason':'PROHIBITED_CONTENT'}}"));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
        assertTrue(f.getMessage().contains("PROHIBITED_CONTENT"));
    }

    @Test
    void should_refuse_a_malformed_event() {
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class, () -> decoder.decode("data: {oops")).failureClass());
    }

    @Test
    void should_wait_for_every_candidate_to_finish() {
        decode("{'candidates':[{'content':{'parts':[{'text':'A'}]},'finishReason':'STOP','index':0},{'content':{'parts':[{'text':'B'}]},'index':1}]}");
        assertFalse(decoder.finished(), "candidate 1 is still streaming");
        List<ChatChunk> chunks = decode("{'candidates':[{'content':{'parts':[{'text':'C'}]},'finishReason':'STOP','index':1}]}");
        assertEquals(1, chunks.get(0).json().at("/choices/0/index").asInt());
        assertTrue(decoder.finished());
    }

    private List<ChatChunk> decode(String singleQuotedJson) {
        return decoder.decode("data: " + singleQuotedJson.replace('\'', '"'));
    }

    private static String text(String text, String finishReason, String usage) {
        return "{'candidates':[{'content':{'role':'model','parts':[{'text':'" + text + "'}]},"
                + (finishReason == null ? "" : "'finishReason':'" + finishReason + "',") + "'index':0}],"
                + "'usageMetadata':" + usage + ",'modelVersion':'gemini-2.5-flash','responseId':'r1'}";
    }

    private static String usage(int prompt, int candidates, int thoughts) {
        return "{'promptTokenCount':" + prompt + ",'candidatesTokenCount':" + candidates + ",'thoughtsTokenCount':" + thoughts
                + ",'totalTokenCount':" + (prompt + candidates + thoughts) + "}";
    }
}

package dev.switchboard.providers.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenAI chat ⇄ Anthropic Messages in all four directions, as tables of {name, input, expected} JSON
 * (shared/providers/anthropic.md, "Mapping"), plus the front door's stream writer.
 */
class AnthropicMapperTest {
    private static final String MODEL = "claude-x";
    private static final int DEFAULT_MAX = 4096;

    // ==================================================================== OpenAI request → Anthropic request

    static Stream<Arguments> requestsToAnthropic() {
        return Stream.of(
                row("system and developer messages are hoisted into one system string, max_tokens defaults",
                        """
                        {"model":"alias","messages":[
                          {"role":"system","content":"Be brief."},
                          {"role":"user","content":"Hi"},
                          {"role":"developer","content":[{"type":"text","text":"Answer in French."}]}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"system":"Be brief.\\n\\nAnswer in French.",
                         "messages":[{"role":"user","content":"Hi"}]}
                        """),
                row("max_completion_tokens becomes max_tokens",
                        """
                        {"max_completion_tokens":300,"messages":[{"role":"user","content":"Hi"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":300,"messages":[{"role":"user","content":"Hi"}]}
                        """),
                row("sampling parameters map, temperature is clamped to 1 and unknown parameters are dropped",
                        """
                        {"max_tokens":50,"temperature":1.7,"top_p":0.9,"stop":"END","user":"u-42","stream":true,
                         "stream_options":{"include_usage":true},"seed":7,"logprobs":true,"presence_penalty":0.5,
                         "response_format":{"type":"json_object"},"messages":[{"role":"user","content":"Hi"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":50,"temperature":1.0,"top_p":0.9,"stop_sequences":["END"],
                         "stream":true,"metadata":{"user_id":"u-42"},"messages":[{"role":"user","content":"Hi"}]}
                        """),
                row("a stop array keeps only sequences that are not blank",
                        """
                        {"stop":["a"," ","b"],"messages":[{"role":"user","content":"Hi"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"stop_sequences":["a","b"],
                         "messages":[{"role":"user","content":"Hi"}]}
                        """),
                row("images become base64 and url image blocks",
                        """
                        {"messages":[{"role":"user","content":[
                          {"type":"text","text":"Compare"},
                          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
                          {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":[
                          {"type":"text","text":"Compare"},
                          {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                          {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}
                        """),
                row("tool calls become tool_use blocks after the text, and consecutive tool results merge into one user turn before the user's text",
                        """
                        {"messages":[
                          {"role":"user","content":"Weather in Boston and Paris?"},
                          {"role":"assistant","content":"Checking.","tool_calls":[
                            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Boston\\"}"}},
                            {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{broken"}}]},
                          {"role":"tool","tool_call_id":"call_1","content":"72F"},
                          {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"18C"}]},
                          {"role":"user","content":"Thanks"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[
                          {"role":"user","content":"Weather in Boston and Paris?"},
                          {"role":"assistant","content":[
                            {"type":"text","text":"Checking."},
                            {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Boston"}},
                            {"type":"tool_use","id":"call_2","name":"get_weather","input":{}}]},
                          {"role":"user","content":[
                            {"type":"tool_result","tool_use_id":"call_1","content":"72F"},
                            {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"18C"}]},
                            {"type":"text","text":"Thanks"}]}]}
                        """),
                row("adjacent user messages merge so that roles alternate, and an empty assistant turn is dropped",
                        """
                        {"messages":[{"role":"user","content":"a"},{"role":"assistant","content":""},{"role":"user","content":"b"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[
                          {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}
                        """),
                row("tool call ids outside Anthropic's alphabet are rewritten the same way on both sides",
                        """
                        {"messages":[{"role":"user","content":"go"},
                          {"role":"assistant","tool_calls":[{"id":"functions.go:0","type":"function","function":{"name":"go","arguments":"{}"}}]},
                          {"role":"tool","tool_call_id":"functions.go:0","content":"done"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"go"},
                          {"role":"assistant","content":[{"type":"tool_use","id":"functions_go_0","name":"go","input":{}}]},
                          {"role":"user","content":[{"type":"tool_result","tool_use_id":"functions_go_0","content":"done"}]}]}
                        """),
                row("function tools become input_schema tools and required becomes any",
                        """
                        {"messages":[{"role":"user","content":"Hi"}],"tool_choice":"required","tools":[
                          {"type":"function","function":{"name":"get_weather","description":"Weather for a city",
                            "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                          {"type":"function","function":{"name":"now"}}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
                         "tool_choice":{"type":"any"},"tools":[
                          {"name":"get_weather","description":"Weather for a city",
                           "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
                          {"name":"now","input_schema":{"type":"object","properties":{}}}]}
                        """),
                row("a named function choice becomes a tool choice, and parallel_tool_calls false disables parallel use",
                        """
                        {"messages":[{"role":"user","content":"Hi"}],"parallel_tool_calls":false,
                         "tool_choice":{"type":"function","function":{"name":"now"}},
                         "tools":[{"type":"function","function":{"name":"now"}}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
                         "tool_choice":{"type":"tool","name":"now","disable_parallel_tool_use":true},
                         "tools":[{"name":"now","input_schema":{"type":"object","properties":{}}}]}
                        """),
                row("parallel_tool_calls false alone hangs on an auto choice; none stays none",
                        """
                        {"messages":[{"role":"user","content":"Hi"}],"parallel_tool_calls":false,
                         "tools":[{"type":"function","function":{"name":"now"}}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
                         "tool_choice":{"type":"auto","disable_parallel_tool_use":true},
                         "tools":[{"name":"now","input_schema":{"type":"object","properties":{}}}]}
                        """),
                row("tool_choice none maps to none",
                        """
                        {"messages":[{"role":"user","content":"Hi"}],"tool_choice":"none","parallel_tool_calls":false,
                         "tools":[{"type":"function","function":{"name":"now"}}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}],
                         "tool_choice":{"type":"none"},"tools":[{"name":"now","input_schema":{"type":"object","properties":{}}}]}
                        """),
                row("a tool_choice without tools is dropped (Anthropic refuses it)",
                        """
                        {"messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto"}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,"messages":[{"role":"user","content":"Hi"}]}
                        """),
                row("cache_control on a system part keeps the system as blocks",
                        """
                        {"messages":[{"role":"system","content":[{"type":"text","text":"Long manual","cache_control":{"type":"ephemeral"}}]},
                          {"role":"user","content":"Hi"}]}
                        """,
                        """
                        {"model":"claude-x","max_tokens":4096,
                         "system":[{"type":"text","text":"Long manual","cache_control":{"type":"ephemeral"}}],
                         "messages":[{"role":"user","content":"Hi"}]}
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsToAnthropic")
    void should_translate_openai_requests_to_anthropic(String name, String openAi, String expected) {
        ObjectNode input = (ObjectNode) json(openAi);
        ObjectNode before = input.deepCopy();
        assertEquals(json(expected), AnthropicMapper.toAnthropicRequest(input, MODEL, DEFAULT_MAX));
        assertEquals(before, input, "the caller's request is not modified");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "more than one choice | {\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            "an audio part | {\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"x\",\"format\":\"wav\"}}]}]}",
            "a data URL that is not base64 | {\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/svg+xml,<svg/>\"}}]}]}"})
    void should_refuse_as_bad_request_what_anthropic_cannot_do(String name, String openAi) {
        ProviderFailure f = assertThrows(ProviderFailure.class,
                () -> AnthropicMapper.toAnthropicRequest((ObjectNode) json(openAi), MODEL, DEFAULT_MAX));
        assertEquals(FailureClass.BAD_REQUEST, f.failureClass());
    }

    // ==================================================================== Anthropic answer → OpenAI answer

    @ParameterizedTest(name = "stop_reason {0} is finish_reason {1}")
    @CsvSource({
            "end_turn, stop", "stop_sequence, stop", "pause_turn, stop",
            "max_tokens, length", "model_context_window_exceeded, length",
            "tool_use, tool_calls", "refusal, content_filter", "a_reason_added_next_year, stop"})
    void should_map_stop_reasons_to_finish_reasons_with_unknown_ones_as_stop(String stopReason, String finishReason) {
        assertEquals(finishReason, AnthropicMapper.toFinishReason(stopReason));
        JsonNode answer = json("{\"id\":\"msg_1\",\"model\":\"m\",\"content\":[],\"stop_reason\":\"" + stopReason + "\"}");
        assertEquals(finishReason, AnthropicMapper.fromAnthropicResponse(answer).at("/choices/0/finish_reason").asText());
    }

    static Stream<Arguments> answersFromAnthropic() {
        return Stream.of(
                row("text blocks are joined and usage counts cached prompt tokens",
                        """
                        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                         "content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
                         "stop_reason":"end_turn","stop_sequence":null,
                         "usage":{"input_tokens":11,"cache_read_input_tokens":3,"cache_creation_input_tokens":2,"output_tokens":7}}
                        """,
                        """
                        {"id":"msg_1","object":"chat.completion","model":"claude-sonnet-4-5","choices":[{"index":0,
                          "message":{"role":"assistant","content":"Hello there"},"logprobs":null,"finish_reason":"stop"}],
                         "usage":{"prompt_tokens":16,"completion_tokens":7,"total_tokens":23,
                          "prompt_tokens_details":{"cached_tokens":3,"cache_write_tokens":2}}}
                        """),
                row("tool_use blocks become tool calls with their input as a JSON string, content null without text",
                        """
                        {"id":"msg_2","type":"message","role":"assistant","model":"m",
                         "content":[{"type":"thinking","thinking":"User wants weather.","signature":"sig"},
                                    {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Boston"}}],
                         "stop_reason":"tool_use","usage":{"input_tokens":5,"output_tokens":9}}
                        """,
                        """
                        {"id":"msg_2","object":"chat.completion","model":"m","choices":[{"index":0,
                          "message":{"role":"assistant","content":null,"reasoning_content":"User wants weather.",
                            "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Boston\\"}"}}]},
                          "logprobs":null,"finish_reason":"tool_calls"}],
                         "usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14,
                          "prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0}}}
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answersFromAnthropic")
    void should_translate_anthropic_answers_to_openai(String name, String anthropic, String expected) {
        ObjectNode actual = AnthropicMapper.fromAnthropicResponse(json(anthropic));
        assertEquals(true, actual.path("created").isNumber(), "OpenAI's shape requires created");
        actual.remove("created");
        assertEquals(json(expected), actual);
    }

    @Test
    void should_normalise_usage_to_openai_meaning() {
        Usage usage = AnthropicMapper.usageOf(json(
                "{\"input_tokens\":11,\"cache_read_input_tokens\":3,\"cache_creation_input_tokens\":2,\"output_tokens\":7}"));
        assertEquals(new Usage(16, 7, 23, 3, 0, 2, 0), usage);
        assertEquals(Usage.NONE, AnthropicMapper.usageOf(null));
        assertEquals(Usage.of(4, 1), AnthropicMapper.usageOf(json("{\"input_tokens\":4,\"output_tokens\":1}")));
    }

    // ==================================================================== front door: Anthropic request → OpenAI request

    @Test
    void should_translate_an_anthropic_request_for_the_front_door() {
        JsonNode anthropic = json("""
                {"model":"claude-x","max_tokens":512,"temperature":0.2,"top_k":5,"stop_sequences":["END"],"stream":true,
                 "metadata":{"user_id":"u-1"},
                 "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Manual","cache_control":{"type":"ephemeral"}}],
                 "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{}}},
                          {"type":"web_search_20250305","name":"web_search"}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true},
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"Weather?"},
                     {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]},
                   {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                     {"type":"text","text":"Checking."},
                     {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Boston"}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"72F"}]},
                     {"type":"text","text":"Thanks"}]}]}
                """);
        JsonNode expected = json("""
                {"model":"claude-x","max_tokens":512,"temperature":0.2,"stop":["END"],"stream":true,"user":"u-1",
                 "messages":[
                   {"role":"system","content":[{"type":"text","text":"Be brief."},
                     {"type":"text","text":"Manual","cache_control":{"type":"ephemeral"}}]},
                   {"role":"user","content":[{"type":"text","text":"Weather?"},
                     {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]},
                   {"role":"assistant","content":"Checking.","tool_calls":[
                     {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Boston\\"}"}}]},
                   {"role":"tool","tool_call_id":"toolu_1","content":"72F"},
                   {"role":"user","content":"Thanks"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
                   "parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":"required","parallel_tool_calls":false}
                """);
        assertEquals(expected, AnthropicMapper.fromAnthropicRequest(anthropic));
    }

    @ParameterizedTest(name = "Anthropic tool_choice {0} is OpenAI {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"auto\"} | \"auto\"",
            "{\"type\":\"any\"} | \"required\"",
            "{\"type\":\"none\"} | \"none\"",
            "{\"type\":\"tool\",\"name\":\"now\"} | {\"type\":\"function\",\"function\":{\"name\":\"now\"}}"})
    void should_map_tool_choice_back(String anthropic, String openAi) {
        JsonNode request = json("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[],\"tool_choice\":" + anthropic + "}");
        assertEquals(json(openAi), AnthropicMapper.fromAnthropicRequest(request).get("tool_choice"));
    }

    @Test
    void should_keep_a_conversation_intact_from_openai_to_anthropic_and_back() {
        ObjectNode openAi = (ObjectNode) json("""
                {"model":"claude-x","max_tokens":512,"temperature":0.3,"stop":["END"],"user":"u-1","stream":true,
                 "messages":[
                   {"role":"system","content":"Be brief."},
                   {"role":"user","content":"What is the weather in Boston and Paris?"},
                   {"role":"assistant","content":null,"tool_calls":[
                     {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Boston\\"}"}},
                     {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"72F"},
                   {"role":"tool","tool_call_id":"call_2","content":"18C"},
                   {"role":"user","content":[{"type":"text","text":"And this picture?"},
                     {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},
                   {"role":"assistant","content":"A cat."}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}
                """);
        ObjectNode anthropic = AnthropicMapper.toAnthropicRequest(openAi, MODEL, DEFAULT_MAX);
        assertEquals(openAi, AnthropicMapper.fromAnthropicRequest(anthropic));
    }

    // ==================================================================== front door: OpenAI answer → Anthropic answer

    @Test
    void should_translate_an_openai_answer_for_the_front_door() {
        JsonNode openAi = json("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,
                  "message":{"role":"assistant","content":"Let me check.","tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Boston\\"}"}}]},
                  "finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":16,"completion_tokens":7,"total_tokens":23,"prompt_tokens_details":{"cached_tokens":3}}}
                """);
        JsonNode expected = json("""
                {"id":"msg_chatcmpl-1","type":"message","role":"assistant","model":"cheap-chat",
                 "content":[{"type":"text","text":"Let me check."},
                   {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Boston"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":13,"cache_creation_input_tokens":0,"cache_read_input_tokens":3,"output_tokens":7}}
                """);
        assertEquals(expected, AnthropicMapper.toAnthropicResponse(openAi, "cheap-chat"));
    }

    @ParameterizedTest(name = "finish_reason {0} is stop_reason {1}")
    @CsvSource({"stop, end_turn", "length, max_tokens", "tool_calls, tool_use", "content_filter, refusal",
            "something_new, end_turn"})
    void should_map_finish_reasons_back_to_stop_reasons(String finishReason, String stopReason) {
        assertEquals(stopReason, AnthropicMapper.toStopReason(finishReason));
    }

    @Test
    void should_keep_an_anthropic_answer_intact_through_the_canonical_shape() {
        JsonNode anthropic = json("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1,2]}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":11,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":7}}
                """);
        assertEquals(anthropic, AnthropicMapper.toAnthropicResponse(AnthropicMapper.fromAnthropicResponse(anthropic), null));
    }

    // ==================================================================== front door: stream writer

    @Test
    void should_write_a_text_stream_as_anthropic_events() {
        AnthropicStreamWriter writer = new AnthropicStreamWriter();
        StringBuilder sse = new StringBuilder();
        sse.append(writer.onChunk(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null)));
        sse.append(writer.onChunk(chunk("{\"content\":\"Hel\"}", null)));
        sse.append(writer.onChunk(chunk("{\"content\":\"lo\"}", null)));
        sse.append(writer.onChunk(chunk("{}", "stop")));
        sse.append(writer.onChunk((ObjectNode) json("""
                {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],
                 "usage":{"prompt_tokens":16,"completion_tokens":7,"total_tokens":23,"prompt_tokens_details":{"cached_tokens":3}}}
                """)));
        assertEquals("", writer.finish(Usage.of(16, 7)), "the usage chunk already closed the message");

        List<Event> events = events(sse.toString());
        assertEquals(List.of("message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), names(events));
        assertEquals(json("""
                {"type":"message_start","message":{"id":"msg_chatcmpl-1","type":"message","role":"assistant",
                 "model":"gpt-4o-mini","content":[],"stop_reason":null,"stop_sequence":null,
                 "usage":{"input_tokens":0,"output_tokens":0}}}
                """), events.get(0).data());
        assertEquals(json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"),
                events.get(2).data());
        assertEquals(json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}"),
                events.get(3).data());
        assertEquals(json("""
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},
                 "usage":{"input_tokens":13,"cache_creation_input_tokens":0,"cache_read_input_tokens":3,"output_tokens":7}}
                """), events.get(6).data());
    }

    @Test
    void should_write_a_tool_call_stream_as_a_tool_use_block_after_the_text() {
        AnthropicStreamWriter writer = new AnthropicStreamWriter("cheap-chat", 16);
        StringBuilder sse = new StringBuilder();
        sse.append(writer.onChunk(chunk("{\"role\":\"assistant\",\"content\":\"Checking.\"}", null)));
        sse.append(writer.onChunk(chunk("""
                {"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}
                """, null)));
        sse.append(writer.onChunk(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", null)));
        sse.append(writer.onChunk(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Boston\\\"}\"}}]}", null)));
        sse.append(writer.onChunk(chunk("{}", "tool_calls")));
        sse.append(writer.finish(Usage.of(16, 9))); // no usage chunk: the relay's end closes the message

        List<Event> events = events(sse.toString());
        assertEquals(List.of("message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), names(events));
        assertEquals("cheap-chat", events.get(0).data().at("/message/model").asText());
        assertEquals(16, events.get(0).data().at("/message/usage/input_tokens").asInt());
        assertEquals(json("""
                {"type":"content_block_start","index":1,
                 "content_block":{"type":"tool_use","id":"call_1","name":"get_weather","input":{}}}
                """), events.get(5).data());
        assertEquals(json("""
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}
                """), events.get(6).data());
        assertEquals("tool_use", events.get(9).data().at("/delta/stop_reason").asText());
        assertEquals(9, events.get(9).data().at("/usage/output_tokens").asInt());
    }

    @Test
    void should_write_a_complete_message_even_when_no_chunk_came() {
        List<Event> events = events(new AnthropicStreamWriter().finish(null));
        assertEquals(List.of("message_start", "ping", "message_delta", "message_stop"), names(events));
    }

    @Test
    void should_write_an_error_event_in_anthropic_shape() {
        assertEquals("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
                AnthropicStreamWriter.error("overloaded_error", "Overloaded"));
    }

    // ==================================================================== helpers

    record Event(String name, JsonNode data) {
    }

    /** Parses named-event SSE text, checking each data.type repeats its event name as Anthropic's does. */
    static List<Event> events(String sse) {
        List<Event> events = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n");
            assertEquals(2, lines.length, "one event line and one data line: " + block);
            String name = lines[0].substring("event: ".length());
            JsonNode data = json(lines[1].substring("data: ".length()));
            assertEquals(name, data.path("type").asText(), "data.type repeats the event name");
            events.add(new Event(name, data));
        }
        return events;
    }

    static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    private static ObjectNode chunk(String delta, String finishReason) {
        ObjectNode chunk = (ObjectNode) json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\"}");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", json(delta));
        choice.put("finish_reason", finishReason);
        return chunk;
    }

    private static Arguments row(String name, String input, String expected) {
        return Arguments.of(name, input, expected);
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

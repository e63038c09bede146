package dev.switchboard.providers.gemini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenAI ⇄ Gemini translation as pure functions. JSON in the tables is written with single quotes for
 * readability ({@link #json} turns them into double quotes), so no text below contains an apostrophe.
 */
class GeminiMapperTest {

    private static final String WEATHER_TOOL = "{'type':'function','function':{'name':'get_weather','description':'Weather',"
            + "'parameters':{'type':'object','properties':{'city':{'type':'string'}},'required':['city'],'additionalProperties':false}}}";
    private static final String WEATHER_CALL = "{'role':'assistant','content':null,'tool_calls':[{'id':'call_0','type':'function',"
            + "'function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}}]}";

    // ---------------------------------------------------------------- requests

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("system and developer messages become the system instruction",
                        "{'messages':[{'role':'system','content':'Be terse.'},{'role':'developer','content':[{'type':'text','text':'Answer in French.'}]},{'role':'user','content':'Hi'}]}",
                        "/systemInstruction", "{'parts':[{'text':'Be terse.'},{'text':'Answer in French.'}]}"),
                Arguments.of("system messages are not sent as contents",
                        "{'messages':[{'role':'system','content':'Be terse.'},{'role':'user','content':'Hi'}]}",
                        "/contents", "[{'role':'user','parts':[{'text':'Hi'}]}]"),
                Arguments.of("assistant turns become model turns and user turns stay user",
                        "{'messages':[{'role':'user','content':'Hi'},{'role':'assistant','content':'Hello'},{'role':'user','content':'Bye'}]}",
                        "/contents", "[{'role':'user','parts':[{'text':'Hi'}]},{'role':'model','parts':[{'text':'Hello'}]},{'role':'user','parts':[{'text':'Bye'}]}]"),
                Arguments.of("adjacent turns of one role are merged",
                        "{'messages':[{'role':'user','content':'One'},{'role':'user','content':'Two'}]}",
                        "/contents", "[{'role':'user','parts':[{'text':'One'},{'text':'Two'}]}]"),
                Arguments.of("an empty assistant message is left out",
                        "{'messages':[{'role':'user','content':'One'},{'role':'assistant','content':''},{'role':'user','content':'Two'}]}",
                        "/contents", "[{'role':'user','parts':[{'text':'One'},{'text':'Two'}]}]"),
                Arguments.of("an image data URL becomes inline data",
                        "{'messages':[{'role':'user','content':[{'type':'text','text':'What is this?'},{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo='}}]}]}",
                        "/contents/0/parts", "[{'text':'What is this?'},{'inlineData':{'mimeType':'image/png','data':'iVBORw0KGgo='}}]"),
                Arguments.of("an image http URL becomes file data with a mime type guessed from its name",
                        "{'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'https://example.com/cat.webp?size=2'}}]}]}",
                        "/contents/0/parts/0", "{'fileData':{'mimeType':'image/webp','fileUri':'https://example.com/cat.webp?size=2'}}"),
                Arguments.of("an image URL without a known extension is taken as JPEG",
                        "{'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'https://example.com/img/123'}}]}]}",
                        "/contents/0/parts/0/fileData/mimeType", "'image/jpeg'"),
                Arguments.of("input audio becomes inline data",
                        "{'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{'data':'UklGRg==','format':'wav'}}]}]}",
                        "/contents/0/parts/0", "{'inlineData':{'mimeType':'audio/wav','data':'UklGRg=='}}"),
                Arguments.of("assistant tool calls become function calls with parsed arguments",
                        "{'messages':[{'role':'user','content':'Weather?'}," + WEATHER_CALL + "]}",
                        "/contents/1", "{'role':'model','parts':[{'functionCall':{'name':'get_weather','args':{'city':'Paris'}}}]}"),
                Arguments.of("a tool result is a user turn naming the function of the call it answers",
                        "{'messages':[{'role':'user','content':'Weather?'}," + WEATHER_CALL + ",{'role':'tool','tool_call_id':'call_0','content':'{\\'temp\\':21}'}]}",
                        "/contents/2", "{'role':'user','parts':[{'functionResponse':{'name':'get_weather','response':{'temp':21}}}]}"),
                Arguments.of("a plain-text tool result is wrapped as content",
                        "{'messages':[{'role':'user','content':'Weather?'}," + WEATHER_CALL + ",{'role':'tool','tool_call_id':'call_0','content':'21 degrees'}]}",
                        "/contents/2/parts/0/functionResponse/response", "{'content':'21 degrees'}"),
                Arguments.of("a tool result that is a JSON array is wrapped as content",
                        "{'messages':[{'role':'user','content':'Weather?'}," + WEATHER_CALL + ",{'role':'tool','tool_call_id':'call_0','content':'[1,2]'}]}",
                        "/contents/2/parts/0/functionResponse/response", "{'content':'[1,2]'}"),
                Arguments.of("the latest call with a reused id names the function",
                        "{'messages':[{'role':'user','content':'Weather?'}," + WEATHER_CALL + ",{'role':'tool','tool_call_id':'call_0','content':'sunny'},"
                                + "{'role':'assistant','tool_calls':[{'id':'call_0','type':'function','function':{'name':'get_time','arguments':''}}]},"
                                + "{'role':'tool','tool_call_id':'call_0','content':'noon'}]}",
                        "/contents/4/parts/0/functionResponse/name", "'get_time'"),
                Arguments.of("parallel tool results are merged into one user turn",
                        "{'messages':[{'role':'user','content':'Weather?'},{'role':'assistant','tool_calls':["
                                + "{'id':'a','type':'function','function':{'name':'get_weather','arguments':'{}'}},"
                                + "{'id':'b','type':'function','function':{'name':'get_time','arguments':'{}'}}]},"
                                + "{'role':'tool','tool_call_id':'a','content':'sunny'},{'role':'tool','tool_call_id':'b','content':'noon'}]}",
                        "/contents/2", "{'role':'user','parts':[{'functionResponse':{'name':'get_weather','response':{'content':'sunny'}}},"
                                + "{'functionResponse':{'name':'get_time','response':{'content':'noon'}}}]}"),
                Arguments.of("a thought signature is echoed back on its function call",
                        "{'messages':[{'role':'user','content':'Weather?'},{'role':'assistant','tool_calls':[{'id':'call_0','type':'function',"
                                + "'function':{'name':'get_weather','arguments':'{}'},'extra_content':{'google':{'thought_signature':'c2ln'}}}]}]}",
                        "/contents/1/parts/0", "{'functionCall':{'name':'get_weather','args':{}},'thoughtSignature':'c2ln'}"),
                Arguments.of("sampling settings map to the generation config",
                        "{'messages':[{'role':'user','content':'Hi'}],'temperature':0.2,'top_p':0.9,'max_tokens':100,'n':2,'seed':7,"
                                + "'presence_penalty':0.5,'frequency_penalty':0.25,'stop':'END'}",
                        "/generationConfig", "{'temperature':0.2,'topP':0.9,'maxOutputTokens':100,'candidateCount':2,'seed':7,"
                                + "'presencePenalty':0.5,'frequencyPenalty':0.25,'stopSequences':['END']}"),
                Arguments.of("max_completion_tokens wins over max_tokens",
                        "{'messages':[{'role':'user','content':'Hi'}],'max_tokens':100,'max_completion_tokens':200}",
                        "/generationConfig", "{'maxOutputTokens':200}"),
                Arguments.of("a stop list stays a list",
                        "{'messages':[{'role':'user','content':'Hi'}],'stop':['END','STOP']}",
                        "/generationConfig/stopSequences", "['END','STOP']"),
                Arguments.of("json_object asks for a JSON answer",
                        "{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'json_object'}}",
                        "/generationConfig", "{'responseMimeType':'application/json'}"),
                Arguments.of("json_schema also sends the schema",
                        "{'messages':[{'role':'user','content':'Hi'}],'response_format':{'type':'json_schema','json_schema':{'name':'x','strict':true,"
                                + "'schema':{'type':'object','properties':{'a':{'type':'string'}}}}}}",
                        "/generationConfig", "{'responseMimeType':'application/json','responseJsonSchema':{'type':'object','properties':{'a':{'type':'string'}}}}"),
                Arguments.of("no generation config when nothing is set",
                        "{'messages':[{'role':'user','content':'Hi'}],'stream':true}",
                        "/generationConfig", null),
                Arguments.of("function tools become function declarations with their JSON schema",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "]}",
                        "/tools", "[{'functionDeclarations':[{'name':'get_weather','description':'Weather','parametersJsonSchema':"
                                + "{'type':'object','properties':{'city':{'type':'string'}},'required':['city'],'additionalProperties':false}}]}]"),
                Arguments.of("tool choice auto is mode AUTO",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "],'tool_choice':'auto'}",
                        "/toolConfig", "{'functionCallingConfig':{'mode':'AUTO'}}"),
                Arguments.of("tool choice none is mode NONE",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "],'tool_choice':'none'}",
                        "/toolConfig", "{'functionCallingConfig':{'mode':'NONE'}}"),
                Arguments.of("tool choice required is mode ANY",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "],'tool_choice':'required'}",
                        "/toolConfig", "{'functionCallingConfig':{'mode':'ANY'}}"),
                Arguments.of("a named tool choice is mode ANY limited to that function",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "],'tool_choice':{'type':'function','function':{'name':'get_weather'}}}",
                        "/toolConfig", "{'functionCallingConfig':{'mode':'ANY','allowedFunctionNames':['get_weather']}}"),
                Arguments.of("no tool config without a tool choice",
                        "{'messages':[{'role':'user','content':'Hi'}],'tools':[" + WEATHER_TOOL + "]}",
                        "/toolConfig", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void should_translate_openai_requests(String name, String openAi, String pointer, String expected) {
        ObjectNode gemini = GeminiMapper.toGenerateContent((ObjectNode) json(openAi));
        JsonNode actual = gemini.at(pointer);
        if (expected == null) {
            assertTrue(actual.isMissingNode(), pointer + " should be absent but is " + actual);
        } else {
            assertEquals(json(expected), actual);
        }
    }

    @Test
    void should_send_only_fields_gemini_knows() {
        ObjectNode gemini = GeminiMapper.toGenerateContent((ObjectNode) json("{'model':'alias','stream':true,"
                + "'stream_options':{'include_usage':true},'user':'u1','metadata':{'a':'b'},'temperature':1,"
                + "'messages':[{'role':'user','content':'Hi'}]}"));
        assertEquals(Set.of("contents", "generationConfig"), fieldNames(gemini));
    }

    static Stream<Arguments> untranslatableRequests() {
        return Stream.of(
                Arguments.of("a tool result answering no earlier call",
                        "{'messages':[{'role':'user','content':'Hi'},{'role':'tool','tool_call_id':'nope','content':'x'}]}", "nope"),
                Arguments.of("an unknown role", "{'messages':[{'role':'robot','content':'Hi'}]}", "robot"),
                Arguments.of("an unknown content part", "{'messages':[{'role':'user','content':[{'type':'hologram'}]}]}", "hologram"),
                Arguments.of("an OpenAI file id", "{'messages':[{'role':'user','content':[{'type':'file','file':{'file_id':'file-1'}}]}]}", "file_data"),
                Arguments.of("tool call arguments that are not an object",
                        "{'messages':[{'role':'assistant','tool_calls':[{'id':'c','type':'function','function':{'name':'f','arguments':'[1]'}}]}]}", "not a JSON object"));
    }

    @ParameterizedTest(name = "{0} is the caller's error, named")
    @MethodSource("untranslatableRequests")
    void should_refuse_what_gemini_cannot_take(String name, String openAi, String named) {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> GeminiMapper.toGenerateContent((ObjectNode) json(openAi)));
        assertEquals(FailureClass.BAD_REQUEST, f.failureClass());
        assertTrue(f.getMessage().contains(named), f.getMessage());
    }

    // ---------------------------------------------------------------- responses

    static Stream<Arguments> responses() {
        return Stream.of(
                Arguments.of("text parts are joined into the content",
                        answer("[{'text':'Hello'},{'text':' world'}]", "STOP"), "/choices/0/message/content", "'Hello world'"),
                Arguments.of("thought parts go to reasoning_content, not the content",
                        answer("[{'text':'Let me think.','thought':true},{'text':'Answer'}]", "STOP"), "/choices/0/message",
                        "{'role':'assistant','content':'Answer','reasoning_content':'Let me think.','refusal':null}"),
                Arguments.of("function calls become tool calls with generated ids and JSON string arguments",
                        answer("[{'functionCall':{'name':'get_weather','args':{'city':'Paris'}}},{'functionCall':{'name':'get_time'}}]", "STOP"),
                        "/choices/0/message", "{'role':'assistant','content':null,'refusal':null,'tool_calls':["
                                + "{'id':'call_0','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}},"
                                + "{'id':'call_1','type':'function','function':{'name':'get_time','arguments':'{}'}}]}"),
                Arguments.of("a thought signature is kept where Google's OpenAI endpoint puts it",
                        answer("[{'functionCall':{'name':'f','args':{}},'thoughtSignature':'c2ln'}]", "STOP"),
                        "/choices/0/message/tool_calls/0/extra_content", "{'google':{'thought_signature':'c2ln'}}"),
                Arguments.of("the model version and response id are kept",
                        answer("[{'text':'Hi'}]", "STOP"), "/model", "'gemini-2.5-flash'"),
                Arguments.of("the response id becomes the completion id",
                        answer("[{'text':'Hi'}]", "STOP"), "/id", "'chatcmpl-resp-1'"),
                Arguments.of("usage counts thoughts as completion and reads the cache",
                        answer("[{'text':'Hi'}]", "STOP"), "/usage", "{'prompt_tokens':11,'completion_tokens':9,'total_tokens':20,"
                                + "'prompt_tokens_details':{'cached_tokens':4},'completion_tokens_details':{'reasoning_tokens':2}}"),
                Arguments.of("every candidate is a choice",
                        "{'candidates':[{'content':{'parts':[{'text':'A'}]},'finishReason':'STOP','index':0},"
                                + "{'content':{'parts':[{'text':'B'}]},'finishReason':'MAX_TOKENS','index':1}]}",
                        "/choices/1", "{'index':1,'message':{'role':'assistant','content':'B','refusal':null},'logprobs':null,'finish_reason':'length'}"),
                Arguments.of("a filtered second candidate is marked, not fatal",
                        "{'candidates':[{'content':{'parts':[{'text':'A'}]},'finishReason':'STOP','index':0},{'finishReason':'SAFETY','index':1}]}",
                        "/choices/1/finish_reason", "'content_filter'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void should_translate_gemini_answers(String name, String gemini, String pointer, String expected) {
        assertEquals(json(expected), GeminiMapper.fromGenerateContent(json(gemini)).at(pointer));
    }

    static Stream<Arguments> finishReasons() {
        return Stream.of(
                Arguments.of("STOP is stop", "[{'text':'Hi'}]", "'finishReason':'STOP',", "stop"),
                Arguments.of("STOP with a function call is tool_calls", "[{'functionCall':{'name':'f','args':{}}}]", "'finishReason':'STOP',", "tool_calls"),
                Arguments.of("MAX_TOKENS is length", "[{'text':'Hi'}]", "'finishReason':'MAX_TOKENS',", "length"),
                Arguments.of("OTHER is stop", "[{'text':'Hi'}]", "'finishReason':'OTHER',", "stop"),
                Arguments.of("MALFORMED_FUNCTION_CALL is stop", "[]", "'finishReason':'MALFORMED_FUNCTION_CALL',", "stop"),
                Arguments.of("an unknown reason is stop", "[{'text':'Hi'}]", "'finishReason':'SOMETHING_NEW',", "stop"),
                Arguments.of("a missing reason is stop", "[{'text':'Hi'}]", "", "stop"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("finishReasons")
    void should_map_finish_reasons(String name, String parts, String finish, String expected) {
        String gemini = "{'candidates':[{'content':{'role':'model','parts':" + parts + "}," + finish + "'index':0}]}";
        assertEquals(expected, GeminiMapper.fromGenerateContent(json(gemini)).at("/choices/0/finish_reason").asText());
    }

    @ParameterizedTest(name = "finishReason {0} is a content filter, not a success")
    @ValueSource(strings = {"SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "LANGUAGE", "IMAGE_SAFETY",
            "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"})
    void should_fail_with_content_filter_when_a_filter_stopped_the_answer(String reason) {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> GeminiMapper.fromGenerateContent(json(
                "{'candidates':[{'finishReason':'" + reason + "','index':0,'safetyRatings':[{'category':'HARM_CATEGORY_HARASSMENT','probability':'HIGH'}]}]}")));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
        assertTrue(f.getMessage().contains(reason), f.getMessage());
    }

    @Test
    void should_fail_with_content_filter_on_a_blocked_safety_rating() {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> GeminiMapper.fromGenerateContent(json(
                "{'candidates':[{'content':{'parts':[{'text':'x'}]},'index':0,'safetyRatings':[{'category':'HARM_CATEGORY_HARASSMENT','probability':'HIGH','blocked':true}]}]}")));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
    }

    @ParameterizedTest(name = "a prompt blocked for {0} is a content filter naming the reason")
    @ValueSource(strings = {"SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY"})
    void should_fail_with_content_filter_when_the_prompt_was_blocked(String blockReason) {
        ProviderFailure f = assertThrows(ProviderFailure.class, () -> GeminiMapper.fromGenerateContent(json(
                "{'promptFeedback':{'blockReason':'" + blockReason + "','safetyRatings':[]},'usageMetadata':{'promptTokenCount':3,'totalTokenCount':3}}")));
        assertEquals(FailureClass.CONTENT_FILTER, f.failureClass());
        assertTrue(f.getMessage().contains("blockReason " + blockReason), f.getMessage());
    }

    static Stream<Arguments> brokenAnswers() {
        return Stream.of(
                Arguments.of("no candidates and no block reason", "{'usageMetadata':{'promptTokenCount':3}}", FailureClass.SERVER_ERROR),
                Arguments.of("empty candidates", "{'candidates':[]}", FailureClass.SERVER_ERROR),
                Arguments.of("not an object", "[1,2]", FailureClass.SERVER_ERROR),
                Arguments.of("an error object on a 200", "{'error':{'code':503,'message':'overloaded','status':'UNAVAILABLE'}}", FailureClass.SERVER_ERROR),
                Arguments.of("a wrapped error object on a 200", "[{'error':{'code':429,'message':'slow down','status':'RESOURCE_EXHAUSTED'}}]", FailureClass.RATE_LIMIT));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenAnswers")
    void should_fail_on_answers_without_an_answer(String name, String gemini, FailureClass expected) {
        assertEquals(expected, assertThrows(ProviderFailure.class, () -> GeminiMapper.fromGenerateContent(json(gemini))).failureClass());
    }

    @Test
    void should_read_usage_with_thoughts_cache_and_tool_prompts() {
        assertEquals(new Usage(11, 9, 20, 4, 2, 0, 0), GeminiMapper.toUsage(json(
                "{'promptTokenCount':11,'candidatesTokenCount':7,'thoughtsTokenCount':2,'cachedContentTokenCount':4,'totalTokenCount':20}")));
        assertEquals(new Usage(15, 7, 22, 0, 0, 0, 0), GeminiMapper.toUsage(json(
                "{'promptTokenCount':11,'toolUsePromptTokenCount':4,'candidatesTokenCount':7,'totalTokenCount':22}")),
                "tool-use prompt tokens are prompt tokens, so the parts add up to the total");
        assertEquals(Usage.NONE, GeminiMapper.toUsage(null));
    }

    @Test
    void should_round_trip_a_tool_call_through_the_openai_shape() {
        ObjectNode completion = GeminiMapper.fromGenerateContent(json("{'candidates':[{'content':{'role':'model','parts':["
                + "{'functionCall':{'name':'get_weather','args':{'city':'Boston'}},'thoughtSignature':'c2ln'}]},'finishReason':'STOP','index':0}]}"));
        JsonNode assistant = completion.at("/choices/0/message");
        String callId = assistant.at("/tool_calls/0/id").asText();

        ObjectNode next = (ObjectNode) json("{'messages':[{'role':'user','content':'Weather in Boston?'}],'tools':[" + WEATHER_TOOL + "]}");
        ArrayNode messages = (ArrayNode) next.get("messages");
        messages.add(assistant);
        messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", "{\"temp\":3}");
        ObjectNode gemini = GeminiMapper.toGenerateContent(next);

        assertEquals(json("{'functionCall':{'name':'get_weather','args':{'city':'Boston'}},'thoughtSignature':'c2ln'}"), gemini.at("/contents/1/parts/0"));
        assertEquals(json("{'role':'user','parts':[{'functionResponse':{'name':'get_weather','response':{'temp':3}}}]}"), gemini.at("/contents/2"));
    }

    // ---------------------------------------------------------------- embeddings and models

    @Test
    void should_build_one_batch_entry_per_input() {
        assertEquals(json("{'requests':[{'model':'models/gemini-embedding-001','content':{'parts':[{'text':'hello'}]}}]}"),
                GeminiMapper.toBatchEmbedContents((ObjectNode) json("{'model':'alias','input':'hello'}"), "gemini-embedding-001"));
        assertEquals(json("{'requests':[{'model':'models/m','content':{'parts':[{'text':'a'}]},'outputDimensionality':256},"
                        + "{'model':'models/m','content':{'parts':[{'text':'b'}]},'outputDimensionality':256}]}"),
                GeminiMapper.toBatchEmbedContents((ObjectNode) json("{'input':['a','b'],'dimensions':256}"), "m"));
        assertEquals(FailureClass.BAD_REQUEST, assertThrows(ProviderFailure.class,
                () -> GeminiMapper.toBatchEmbedContents((ObjectNode) json("{'input':[1,2,3]}"), "m")).failureClass());
    }

    @Test
    void should_answer_embeddings_in_the_openai_list_shape_with_estimated_usage() {
        int tokens = GeminiMapper.estimateEmbeddingTokens(json("{'input':['12345678','1234']}"));
        assertEquals(3, tokens, "12 characters at 4 per token");
        ObjectNode list = GeminiMapper.fromBatchEmbedContents(json("{'embeddings':[{'values':[0.5,-1]},{'values':[0.25,0]}]}"), tokens, "emb", false);
        assertEquals(json("{'object':'list','data':[{'object':'embedding','index':0,'embedding':[0.5,-1]},"
                + "{'object':'embedding','index':1,'embedding':[0.25,0]}],'model':'emb','usage':{'prompt_tokens':3,'total_tokens':3}}"), list);
    }

    @Test
    void should_pack_embeddings_as_little_endian_floats_when_base64_is_asked() {
        ObjectNode list = GeminiMapper.fromBatchEmbedContents(json("{'embeddings':[{'values':[0.5,-1]}]}"), 1, null, true);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(list.at("/data/0/embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0.5f, bytes.getFloat());
        assertEquals(-1f, bytes.getFloat());
        assertTrue(list.path("model").isMissingNode(), "no model is invented when none is known");
    }

    @Test
    void should_list_model_ids_without_the_resource_prefix() {
        assertEquals(List.of("gemini-2.5-flash", "text-embedding-004"), GeminiMapper.fromModelsList(json(
                "{'models':[{'name':'models/gemini-2.5-flash'},{'name':'models/text-embedding-004'}],'nextPageToken':'x'}")));
        assertEquals(FailureClass.SERVER_ERROR, assertThrows(ProviderFailure.class,
                () -> GeminiMapper.fromModelsList(json("{'data':[]}"))).failureClass());
    }

    // ---------------------------------------------------------------- helpers

    private static String answer(String parts, String finishReason) {
        return "{'candidates':[{'content':{'role':'model','parts':" + parts + "},'finishReason':'" + finishReason + "','index':0}],"
                + "'usageMetadata':{'promptTokenCount':11,'candidatesTokenCount':7,'thoughtsTokenCount':2,'cachedContentTokenCount':4,'totalTokenCount':20},"
                + "'modelVersion':'gemini-2.5-flash','responseId':'resp-1'}";
    }

    /** Parses JSON written with single quotes; a backslash before a quote makes it an escaped double quote inside a string. */
    static JsonNode json(String singleQuoted) {
        try {
            return Json.MAPPER.readTree(singleQuoted.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}

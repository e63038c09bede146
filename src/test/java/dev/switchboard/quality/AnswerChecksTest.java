package dev.switchboard.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.Usage;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The automatic checks as a pure function: one answer in, its flags out. */
class AnswerChecksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PERSON_SCHEMA = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\",\"schema\":{\"type\":\"object\","
            + "\"properties\":{\"name\":{\"type\":\"string\",\"pattern\":\"^(a+)+$\"},\"age\":{\"type\":\"integer\"}},\"required\":[\"name\",\"age\"],"
            + "\"additionalProperties\":false}}}";

    private static ChatRequest request(String userText, String responseFormat) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(userText) + "}]"
                + (responseFormat == null ? "" : ",\"response_format\":" + responseFormat) + "}");
        return new ChatRequest("m", body, false, false);
    }

    private static ChatResponse answer(String message, String finish) throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree("{\"choices\":[{\"index\":0,\"message\":" + message + ",\"finish_reason\":\"" + finish + "\"}]}");
        return new ChatResponse(body, Usage.NONE, finish);
    }

    private static ChatResponse text(String content, String finish) throws Exception {
        return answer("{\"role\":\"assistant\",\"content\":" + JSON.writeValueAsString(content) + "}", finish);
    }

    private static Set<QualityFlag> check(String user, String format, ChatResponse answer) throws Exception {
        return AnswerChecks.check(request(user, format), answer);
    }

    @Test
    void should_pass_a_plain_good_answer() throws Exception {
        assertEquals(Set.of(), check("What is the capital of France and why is it important?", null,
                text("The capital of France is Paris, and it is important because it is the seat of the government.", "stop")));
    }

    @Test
    void should_flag_empty_cut_filtered_and_refused_answers() throws Exception {
        assertEquals(Set.of(QualityFlag.EMPTY), check("hi", null, text("  ", "stop")));
        assertEquals(Set.of(QualityFlag.LENGTH), check("hi", null, text("The story begins", "length")));
        assertEquals(Set.of(QualityFlag.EMPTY, QualityFlag.CONTENT_FILTER), check("hi", null, text("", "content_filter")));
        assertEquals(Set.of(QualityFlag.REFUSAL), check("hi", null, text("I\u2019m sorry, but I can\u2019t help with that request.", "stop")));
        assertEquals(Set.of(QualityFlag.REFUSAL), check("hi", null,
                answer("{\"role\":\"assistant\",\"content\":null,\"refusal\":\"I cannot do this.\"}", "stop")));
        assertEquals(Set.of(), check("hi", null, text("Here is the recipe. " + "Step. ".repeat(40) + "I cannot help with the oven.", "stop")),
                "refusal words deep in a long answer are not a refusal");
    }

    @Test
    void should_flag_invalid_json_and_schema_violations() throws Exception {
        String jsonObject = "{\"type\":\"json_object\"}";
        assertEquals(Set.of(), check("give json", jsonObject, text("{\"a\":1}", "stop")));
        assertEquals(Set.of(QualityFlag.INVALID_JSON), check("give json", jsonObject, text("Sure! {\"a\":1}", "stop")));
        assertEquals(Set.of(QualityFlag.INVALID_JSON), check("give json", jsonObject, text("{\"a\":1} hope this helps", "stop")));
        assertEquals(Set.of(QualityFlag.INVALID_JSON), check("give json", jsonObject, text("[1,2]", "stop")), "json_object means an object");
        assertEquals(Set.of(), check("person", PERSON_SCHEMA, text("{\"name\":\"Ada\",\"age\":36}", "stop")),
                "the pattern (a catastrophic regex) is not evaluated");
        assertEquals(Set.of(QualityFlag.SCHEMA_VIOLATION), check("person", PERSON_SCHEMA, text("{\"name\":\"Ada\",\"age\":\"old\"}", "stop")));
        assertEquals(Set.of(QualityFlag.SCHEMA_VIOLATION), check("person", PERSON_SCHEMA, text("{\"name\":\"Ada\",\"age\":3,\"x\":1}", "stop")));
        assertEquals(Set.of(QualityFlag.INVALID_JSON), check("person", PERSON_SCHEMA, text("name: Ada", "stop")));
    }

    @Test
    void should_skip_schemas_that_reach_other_documents() throws Exception {
        String remote = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"r\",\"schema\":{\"$ref\":\"http://127.0.0.1:9/schema.json\"}}}";
        assertEquals(Set.of(), check("x", remote, text("{\"a\":1}", "stop")), "nothing fetched, nothing held against the model");
    }

    @Test
    void should_flag_tool_calls_whose_arguments_are_not_a_json_object() throws Exception {
        String good = "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Boston\\\"}\"}}]}";
        String bad = good.replace("{\\\"city\\\":\\\"Boston\\\"}", "{\\\"city\\\":\\\"Bos");
        assertEquals(Set.of(), check("weather?", null, answer(good, "tool_calls")));
        assertEquals(Set.of(QualityFlag.INVALID_TOOL_ARGUMENTS), check("weather?", null, answer(bad, "tool_calls")));
    }

    @Test
    void should_flag_an_answer_in_another_language_only_when_sure() throws Exception {
        String english = "The weather is nice today and it is warm, so we can go to the park with the children.";
        String french = "Le temps est beau aujourd'hui et il fait chaud, donc nous pouvons aller au parc avec les enfants.";
        String german = "Das Wetter ist heute schön und es ist warm, also können wir mit den Kindern in den Park gehen.";
        assertEquals(Set.of(QualityFlag.WRONG_LANGUAGE), check("Quel temps fait-il aujourd'hui et que pouvons-nous faire avec les enfants ?",
                null, text(english, "stop")));
        assertEquals(Set.of(), check("Quel temps fait-il aujourd'hui et que pouvons-nous faire avec les enfants ?", null, text(french, "stop")));
        assertEquals(Set.of(), check("Please answer in German: what is the weather like and what can we do with the kids?", null,
                text(german, "stop")));
        assertEquals(Set.of(QualityFlag.WRONG_LANGUAGE), check("Please answer in German: what is the weather like and what can we do?",
                null, text(english, "stop")));
        assertEquals(Set.of(), check("Translate this for me please, it is for the kids", null, text(french, "stop")),
                "a translation with an unnamed target: no expectation");
        assertEquals(Set.of(), check("What is the word for cat in French? I want to know it for the trip.", null,
                text("The word for cat in French is chat, and it is pronounced like 'sha'.", "stop")));
        assertEquals(Set.of(QualityFlag.WRONG_LANGUAGE), check("Как дела? Расскажи мне, пожалуйста, о погоде сегодня.", null,
                text(english, "stop")));
        assertEquals(Set.of(), check("ok?", null, text("Oui, d'accord.", "stop")), "too short to be sure of either");
        assertEquals(Set.of(QualityFlag.WRONG_LANGUAGE), check("今天天气怎么样？我们可以带孩子去公园玩吗？请告诉我详细情况。", null,
                text(english, "stop")));
        assertEquals(Set.of(), check("今日の天気はどうですか？子供たちと公園に行けますか？詳しく教えてください。", null,
                text("今日はとても良い天気です。子供たちと一緒に公園に行くことができますよ。楽しんでください。", "stop")),
                "Japanese (kana with Han) is not taken for Chinese");
        assertEquals(Set.of(), check("Write a short Python function that returns the sum of a list of numbers please", null,
                text("def total(numbers):\n    return sum(numbers)\n\nprint(total([1, 2, 3]))", "stop")),
                "code says too little to be sure of a language");
    }
}

package dev.switchboard.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every automatic check over real HTTP: the fake provider answers as scripted, the gateway answers the caller, and
 * the request's checks are stored (asynchronously) and shown at /admin/api/analytics/quality/requests/{id}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutomaticChecksTest {
    /** An ad-hoc model of the fake OpenAI provider: the scripts are keyed by its upstream id. */
    private static final String UPSTREAM = "scripted";
    private static final String MODEL = "openai/" + UPSTREAM;
    private static final String FRENCH_QUESTION = "Quel temps fait-il aujourd'hui et que pouvons-nous faire avec les enfants ?";
    private static final String ENGLISH_ANSWER = "The weather is nice today and it is warm, so you can go to the park with the children.";
    private static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]";
    private static final String SCHEMA = ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\",\"schema\":"
            + "{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\"}},\"required\":[\"age\"]}}}";

    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private static String message(String content) throws Exception {
        return "{\"role\":\"assistant\",\"content\":" + Gateway.MAPPER.writeValueAsString(content) + "}";
    }

    /** Asks once with the answer scripted, returns the flags stored for the request. */
    private List<String> flagsOf(String scriptedMessage, String finish, String userText, String extra, boolean stream) throws Exception {
        gw.fake.script(UPSTREAM, scriptedMessage, finish);
        String body = "{\"model\":\"" + MODEL + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + Gateway.MAPPER.writeValueAsString(userText) + "}]" + extra + "}";
        HttpResponse<String> r = gw.postChat(body);
        assertEquals(200, r.statusCode(), r.body());
        String id = r.headers().firstValue("x-switchboard-request-id").orElseThrow();
        JsonNode checks = Await.until("quality checks of " + id, Gateway.TIMEOUT, () -> {
            HttpResponse<String> q = gw.get(gw.managementUrl() + "/admin/api/analytics/quality/requests/" + id);
            return q.statusCode() == 200 ? read(q.body()) : null;
        }, java.util.Objects::nonNull);
        assertEquals(MODEL, checks.path("model").asText(), checks.toString());
        assertEquals(true, checks.path("checked").asBoolean(), checks.toString());
        List<String> flags = new ArrayList<>();
        checks.path("flags").forEach(f -> flags.add(f.asText()));
        return flags;
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }

    @Test
    void should_store_no_flag_for_a_good_answer() throws Exception {
        assertEquals(List.of(), flagsOf(message("Hello! How can I help you today with the weather and the park?"), "stop", "Hello there", "", false));
    }

    @Test
    void should_count_no_dropped_checks_in_the_metrics() throws Exception {
        flagsOf(message("Hello! How can I help you today with the weather and the park?"), "stop", "Hello there", "", false);
        String metrics = gw.get(gw.managementUrl() + "/metrics").body();
        assertTrue(metrics.contains("switchboard_quality_checks_dropped_total 0.0"), "the counter is exported and nothing was dropped");
    }

    @Test
    void should_flag_an_empty_answer() throws Exception {
        assertEquals(List.of("empty"), flagsOf(message(""), "stop", "Hello there", "", false));
    }

    @Test
    void should_flag_an_answer_cut_by_length_also_when_streamed() throws Exception {
        assertEquals(List.of("length"), flagsOf(message("Once upon a time"), "length", "Tell me a story", "", false));
        assertEquals(List.of("length"), flagsOf(message("Once upon a time"), "length", "Tell me a story", "", true));
    }

    @Test
    void should_flag_a_refusal() throws Exception {
        assertEquals(List.of("refusal"), flagsOf(message("I'm sorry, but I can't help with that."), "stop", "Do something bad", "", false));
    }

    @Test
    void should_flag_a_content_filter_stop() throws Exception {
        assertEquals(List.of("content_filter", "empty"), flagsOf(message(""), "content_filter", "Something borderline", "", false));
    }

    @Test
    void should_flag_invalid_json_when_json_was_asked() throws Exception {
        assertEquals(List.of("invalid_json"), flagsOf(message("Sure! Here it is: {\"a\": 1}"), "stop", "Give me JSON",
                ",\"response_format\":{\"type\":\"json_object\"}", false));
        assertEquals(List.of(), flagsOf(message("{\"a\": 1}"), "stop", "Give me JSON", ",\"response_format\":{\"type\":\"json_object\"}", false));
    }

    @Test
    void should_flag_a_schema_violation() throws Exception {
        assertEquals(List.of("schema_violation"), flagsOf(message("{\"age\": \"forty\"}"), "stop", "How old?", SCHEMA, false));
        assertEquals(List.of(), flagsOf(message("{\"age\": 40}"), "stop", "How old?", SCHEMA, false));
    }

    @Test
    void should_flag_tool_arguments_that_are_not_json_also_when_streamed() throws Exception {
        String broken = "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\": \\\"Bos\"}}]}";
        assertEquals(List.of("invalid_tool_arguments"), flagsOf(broken, "tool_calls", "Weather in Boston?", TOOLS, false));
        assertEquals(List.of("invalid_tool_arguments"), flagsOf(broken, "tool_calls", "Weather in Boston?", TOOLS, true));
        String fine = broken.replace("\\\"Bos\"", "\\\"Boston\\\"}\"");
        assertEquals(List.of(), flagsOf(fine, "tool_calls", "Weather in Boston?", TOOLS, false));
    }

    @Test
    void should_flag_an_answer_in_another_language() throws Exception {
        assertEquals(List.of("wrong_language"), flagsOf(message(ENGLISH_ANSWER), "stop", FRENCH_QUESTION, "", false));
        assertEquals(List.of(), flagsOf(message("Il fait beau aujourd'hui et il fait chaud, donc vous pouvez aller au parc avec les enfants."),
                "stop", FRENCH_QUESTION, "", false));
    }
}

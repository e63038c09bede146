package dev.switchboard.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.App;
import dev.switchboard.api.GatewayError;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Feedback over HTTP and JMS: an agent rates its own answer once; another agent, an anonymous caller or a hostile
 * body is refused with the right status and param.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeedbackTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;
    private static final String UNKNOWN_ID = "req-00000000-0000-4000-8000-000000000000";

    private Gateway gw;
    private String alice;
    private String bob;

    @BeforeAll
    void start() throws Exception {
        gw = Gateway.start(); // anonymous callers allowed: their feedback must still be refused
        alice = createAgent("alice");
        bob = createAgent("bob");
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private String createAgent(String id) throws Exception {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/agents", "{\"id\":\"" + id + "\"}");
        assertEquals(201, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body()).path("key").asText();
    }

    /** A chat request of an agent; its request id. */
    private String answerFor(String key) {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hello"), "Authorization", "Bearer " + key);
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }

    private HttpResponse<String> feedback(String key, String body) {
        return key == null ? gw.post("/feedback", body) : gw.post("/feedback", body, "Authorization", "Bearer " + key);
    }

    private static JsonNode json(String body) throws Exception {
        return Gateway.MAPPER.readTree(body);
    }

    @Test
    void should_accept_an_agents_feedback_right_after_the_answer_once() throws Exception {
        String id = answerFor(alice);

        HttpResponse<String> first = feedback(alice, "{\"request_id\":\"" + id + "\",\"score\":1,\"label\":\"helpful\",\"comment\":\"Spot on.\\nThanks\"}");

        assertEquals(201, first.statusCode(), first.body());
        JsonNode stored = json(first.body());
        assertEquals(1.0, stored.path("score").asDouble());
        assertEquals("thumbs", stored.path("scale").asText());
        assertEquals("alice", stored.path("agent").asText());
        assertFalse(first.body().contains(alice), "the key never comes back");
        HttpResponse<String> again = feedback(alice, "{\"request_id\":\"" + id + "\",\"score\":-1}");
        assertEquals(409, again.statusCode(), again.body());
        assertEquals("request_id", json(again.body()).at("/error/param").asText());
        assertEquals("feedback_exists", json(again.body()).at("/error/code").asText());
        JsonNode shown = json(Await.until("the request's quality record", Gateway.TIMEOUT,
                () -> gw.get(gw.managementUrl() + "/admin/api/analytics/quality/requests/" + id), r -> r.statusCode() == 200).body());
        assertEquals(1.0, shown.at("/feedback/score").asDouble(), "the first rating stands: " + shown);
        assertEquals("helpful", shown.at("/feedback/label").asText());
        assertEquals("Spot on.\nThanks", shown.at("/feedback/comment").asText());
    }

    @Test
    void should_accept_feedback_right_after_a_streamed_answer() throws Exception {
        HttpResponse<String> streamed = gw.postChat("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization", "Bearer " + alice);
        assertEquals(200, streamed.statusCode(), streamed.body());
        String id = streamed.headers().firstValue("x-switchboard-request-id").orElseThrow();

        HttpResponse<String> r = feedback(alice, "{\"request_id\":\"" + id + "\",\"score\":0.5}");

        assertEquals(201, r.statusCode(), r.body());
    }

    @Test
    void should_check_and_take_feedback_on_an_answer_replayed_from_the_cache() throws Exception {
        HttpResponse<String> agent = gw.admin("POST", "/admin/api/agents", "{\"id\":\"cached\",\"cache\":true}");
        assertEquals(201, agent.statusCode(), agent.body());
        String key = json(agent.body()).path("key").asText();
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"cached question\"}]}";
        gw.postChat(body, "Authorization", "Bearer " + key);

        HttpResponse<String> hit = gw.postChat(body, "Authorization", "Bearer " + key);

        assertEquals("hit", hit.headers().firstValue("x-switchboard-cache").orElse(""), hit.body());
        String id = hit.headers().firstValue("x-switchboard-request-id").orElseThrow();
        assertEquals(201, gw.post("/feedback", "{\"request_id\":\"" + id + "\",\"score\":1}", "Authorization", "Bearer " + key).statusCode());
        JsonNode checks = json(Await.until("the cache hit's checks", Gateway.TIMEOUT,
                () -> gw.get(gw.managementUrl() + "/admin/api/analytics/quality/requests/" + id), r -> r.statusCode() == 200).body());
        assertEquals(0, checks.path("flags").size(), "the replayed answer is whole, not empty: " + checks);
    }

    @Test
    void should_normalise_stars_to_the_thumbs_scale() throws Exception {
        JsonNode four = json(feedback(alice, "{\"request_id\":\"" + answerFor(alice) + "\",\"score\":4}").body());
        assertEquals(0.5, four.path("score").asDouble(), four.toString());
        assertEquals("stars", four.path("scale").asText());
        assertEquals(4.0, four.path("raw_score").asDouble());
        JsonNode one = json(feedback(alice, "{\"request_id\":\"" + answerFor(alice) + "\",\"score\":1,\"scale\":\"stars\"}").body());
        assertEquals(-1.0, one.path("score").asDouble(), one.toString());
        JsonNode half = json(feedback(alice, "{\"request_id\":\"" + answerFor(alice) + "\",\"score\":-0.5}").body());
        assertEquals(-0.5, half.path("score").asDouble(), half.toString());
    }

    @Test
    void should_not_let_another_agent_rate_a_request_nor_tell_it_exists() throws Exception {
        String id = answerFor(alice);

        HttpResponse<String> foreign = feedback(bob, "{\"request_id\":\"" + id + "\",\"score\":-1}");
        HttpResponse<String> unknown = feedback(bob, "{\"request_id\":\"" + UNKNOWN_ID + "\",\"score\":-1}");

        assertEquals(404, foreign.statusCode(), foreign.body());
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals(json(unknown.body()).at("/error/code").asText(), json(foreign.body()).at("/error/code").asText());
        assertEquals(json(unknown.body()).at("/error/message").asText().replace(UNKNOWN_ID, id), json(foreign.body()).at("/error/message").asText(),
                "the same answer whether the request is someone else's or does not exist");
        assertEquals(201, feedback(alice, "{\"request_id\":\"" + id + "\",\"score\":1}").statusCode(), "its own agent still can");
    }

    @Test
    void should_refuse_callers_without_an_agent_key() throws Exception {
        String id = answerFor(alice);
        HttpResponse<String> anonymous = feedback(null, "{\"request_id\":\"" + id + "\",\"score\":1}");
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertEquals("missing_agent_key", json(anonymous.body()).at("/error/code").asText());
        HttpResponse<String> named = gw.post("/feedback", "{\"request_id\":\"" + id + "\",\"score\":1}", "x-switchboard-agent", "carol");
        assertEquals(401, named.statusCode(), "a caller naming itself is still without a key: " + named.body());
        HttpResponse<String> claimed = gw.post("/feedback", "{\"request_id\":\"" + id + "\",\"score\":1}", "x-switchboard-agent", "alice");
        assertEquals(403, claimed.statusCode(), "naming an agent is not being it: " + claimed.body());
        HttpResponse<String> wrongKey = feedback("sk-sb-not-a-key", "{\"request_id\":\"" + id + "\",\"score\":1}");
        assertEquals(401, wrongKey.statusCode(), wrongKey.body());
        assertEquals("invalid_api_key", json(wrongKey.body()).at("/error/code").asText());
    }

    @Test
    void should_find_the_requests_agent_in_the_database_once_memory_has_forgotten_it() throws Exception {
        String id = answerFor(alice);
        Await.until("the request's checks stored", Gateway.TIMEOUT,
                () -> gw.get(gw.managementUrl() + "/admin/api/analytics/quality/requests/" + id).statusCode(), status -> status == 200);
        // A second evaluation over the same database remembers nothing: as after a restart, or after the memory's bound.
        try (QualityEvaluation restarted = new QualityEvaluation(gw.app.camel().createProducerTemplate(), App.DATA_SOURCE,
                new SimpleMeterRegistry(), Clock.systemUTC(), QualityEvaluation.DEFAULT_REFRESH)) {
            GatewayError foreign = assertThrows(GatewayError.class,
                    () -> restarted.feedback("bob", json("{\"request_id\":\"" + id + "\",\"score\":1}")));
            assertEquals(404, foreign.status());
            assertEquals(1.0, restarted.feedback("alice", json("{\"request_id\":\"" + id + "\",\"score\":1}")).path("score").asDouble());
        }
    }

    @ParameterizedTest(name = "{0} -> 400 on {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"request_id\":\"ID\",\"score\":\"5\"}|score",
        "{\"request_id\":\"ID\"}|score",
        "{\"request_id\":\"ID\",\"score\":true}|score",
        "{\"request_id\":\"ID\",\"score\":7}|score",
        "{\"request_id\":\"ID\",\"score\":-1.5}|score",
        "{\"request_id\":\"ID\",\"score\":0,\"scale\":\"stars\"}|score",
        "{\"request_id\":\"ID\",\"score\":4,\"scale\":\"thumbs\"}|score",
        "{\"request_id\":\"ID\",\"score\":1,\"scale\":\"percent\"}|scale",
        "{\"request_id\":\"ID\",\"score\":1,\"label\":\"<script>\"}|label",
        "{\"request_id\":\"ID\",\"score\":1,\"label\":\"LONG_LABEL\"}|label",
        "{\"request_id\":\"ID\",\"score\":1,\"label\":7}|label",
        "{\"request_id\":\"ID\",\"score\":1,\"comment\":\"LONG_COMMENT\"}|comment",
        "{\"request_id\":\"ID\",\"score\":1,\"comment\":\"bell\\u0007\"}|comment",
        "{\"request_id\":\"not-a-request\",\"score\":1}|request_id",
        "{\"request_id\":42,\"score\":1}|request_id",
        "{\"score\":1}|request_id",
        "{\"request_id\":\"ID\",\"score\":1,\"requestId\":\"x\"}|requestId",
    })
    void should_refuse_invalid_feedback_naming_the_param(String body, String param) throws Exception {
        String id = answerFor(alice);
        String sent = body.replace("ID", id).replace("LONG_LABEL", "a".repeat(65)).replace("LONG_COMMENT", "c".repeat(2001));

        HttpResponse<String> r = feedback(alice, sent);

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(param, json(r.body()).at("/error/param").asText(), r.body());
        assertEquals("invalid_request_error", json(r.body()).at("/error/type").asText(), r.body());
    }

    @Test
    void should_refuse_a_body_that_is_not_a_json_object() throws Exception {
        HttpResponse<String> r = feedback(alice, "[1,2");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("invalid_json", json(r.body()).at("/error/code").asText());
    }

    @Test
    void should_take_feedback_over_jms_from_the_agent_that_made_the_request() throws Exception {
        String id = answerFor(alice);

        JsonNode stored = json(jmsFeedback(alice, "{\"request_id\":\"" + id + "\",\"score\":5,\"label\":\"jms\"}"));
        JsonNode foreign = json(jmsFeedback(bob, "{\"request_id\":\"" + id + "\",\"score\":1}"));
        JsonNode anonymous = json(jmsFeedback(null, "{\"request_id\":\"" + id + "\",\"score\":1}"));

        assertEquals(1.0, stored.path("score").asDouble(), stored.toString());
        assertEquals("alice", stored.path("agent").asText(), stored.toString());
        assertEquals("request_not_found", foreign.at("/error/code").asText(), foreign.toString());
        assertEquals("missing_agent_key", anonymous.at("/error/code").asText(), anonymous.toString());
    }

    /** Sends feedback on the queue switchboard.feedback (with the key, if any); the reply's text. */
    private String jmsFeedback(String key, String body) throws Exception {
        Message reply = gw.jms().request("switchboard.feedback", session -> {
            TextMessage message = session.createTextMessage(body);
            if (key != null) {
                message.setStringProperty("Authorization", "Bearer " + key);
            }
            return message;
        }, RECEIVE_TIMEOUT_MS);
        assertNotNull(reply, "no reply to the feedback message");
        return ((TextMessage) reply).getText();
    }
}

package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 9, item 1: a 300-character agent header was refused by the {@code caller VARCHAR(256)} column, and the
 * writer retried that batch forever: health DEGRADED and no row recorded after it. Now what a caller chooses is
 * checked at the door (400 naming the header, property or field, with the limit), and a row the database still
 * refuses for its content is set aside, counted, without holding up the others.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OneCallerCannotStopRecordingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long RECEIVE_TIMEOUT_MS = 20_000;

    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = Gateway.start();
    }

    @AfterAll
    void stop() {
        gateway.close();
    }

    @Test
    void should_refuse_a_300_character_agent_header_naming_it_and_keep_recording() {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "a".repeat(300));

        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = json(r.body()).path("error");
        assertEquals("x-switchboard-agent", error.path("param").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        assertTrue(error.path("message").asText().contains("256"), "the message gives the limit: " + r.body());

        String next = chat("x-switchboard-agent", "a".repeat(256));
        assertEquals("a".repeat(256), gateway.usageRow(next).path("caller").asText(), "an agent name of the column's size is served and recorded");
        assertRecorderUp();
    }

    @Test
    void should_refuse_too_many_or_too_long_tags_naming_the_header() {
        String seventeen = IntStream.range(0, 17).mapToObj(i -> "t" + i).collect(Collectors.joining(","));
        assertBadRequest(gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-tags", seventeen), "x-switchboard-tags", "16");
        assertBadRequest(gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-tags", "ok," + "t".repeat(41)),
                "x-switchboard-tags", "40");
        assertBadRequest(gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-task-type", "c".repeat(33)),
                "x-switchboard-task-type", "32");
    }

    @Test
    void should_refuse_a_model_name_longer_than_the_usage_row_holds_at_every_door() {
        String model = "openai/" + "m".repeat(250);

        assertBadRequest(gateway.postChat(Gateway.chatBody(model, "hi")), "model", "256");
        assertBadRequest(gateway.post("/embeddings", "{\"model\":\"" + model + "\",\"input\":\"hi\"}"), "model", "256");
        HttpResponse<String> anthropic = gateway.post("/messages", "{\"model\":\"" + model
                + "\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, anthropic.statusCode(), anthropic.body());
        assertEquals("invalid_request_error", json(anthropic.body()).path("error").path("type").asText(), anthropic.body());
        assertTrue(json(anthropic.body()).path("error").path("message").asText().contains("model"), anthropic.body());
    }

    @Test
    void should_refuse_an_oversized_or_control_character_jms_property_naming_it() throws JMSException {
        JsonNode tooLong = jmsRequest("switchboardAgent", "j".repeat(300));
        assertEquals("switchboardAgent", tooLong.path("error").path("param").asText(), tooLong.toString());

        JsonNode nul = jmsRequest("switchboardTags", "ok,bad\u0000tag");
        assertEquals("switchboardTags", nul.path("error").path("param").asText(), nul.toString());
        assertTrue(nul.path("error").path("message").asText().contains("control"), nul.toString());
        assertRecorderUp();
    }

    @Test
    void should_merge_duplicate_tags_instead_of_failing() {
        String id = chat("x-switchboard-tags", "a,a, b ,,a");

        assertEquals("a,b", gateway.usageRow(id).path("tags").asText(), "duplicates and blanks are dropped");
    }

    @Test
    void should_set_aside_a_row_the_database_refuses_and_write_the_rows_around_it() {
        // Past the door, as a row from a future field nobody validated: the database refuses its caller (VARCHAR(256)).
        List<UsageRecord> rows = List.of(row("anonymous"), row("x".repeat(300)), row("anonymous"));
        rows.forEach(gateway.app.usageWriter()::submit);

        gateway.usageRow(rows.get(0).requestId());
        gateway.usageRow(rows.get(2).requestId());
        String later = chat("x-switchboard-agent", "after-the-refused-row");
        assertEquals("after-the-refused-row", gateway.usageRow(later).path("caller").asText());
        Await.until("the refused row counted", WAIT, () -> gateway.get(gateway.managementUrl() + "/metrics").body(),
                m -> m.lines().anyMatch(l -> l.startsWith("switchboard_recording_rejected_total") && l.endsWith(" 1.0")));
        assertRecorderUp();
        HttpResponse<String> usage = gateway.get(gateway.managementUrl() + "/admin/api/usage?limit=500");
        assertTrue(!usage.body().contains(rows.get(1).requestId()), "the refused row is set aside, not half-written");
    }

    @Test
    void should_record_a_row_whose_text_holds_a_nul_on_every_database() {
        // PostgreSQL refuses U+0000 in any text column where HSQLDB keeps it: stored as U+FFFD on both, never set aside.
        UsageRecord row = row("nul\u0000agent");
        gateway.app.usageWriter().submit(row);

        assertEquals("nul\uFFFDagent", gateway.usageRow(row.requestId()).path("caller").asText());
        assertRecorderUp();
    }

    private static UsageRecord row(String caller) {
        return new UsageRecord("req-" + UUID.randomUUID(), Instant.now(), "http", "chat", caller, "gpt-4o-mini", "gpt-4o-mini",
                "openai", "default", List.of(), 1, 1, 2, 0, 5, -1, 200, "ok", null, false, List.of(), 0, 0, "chat", null, 0);
    }

    /** One chat request with one extra header, answered 200; returns its request id. */
    private String chat(String header, String value) {
        HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), header, value);
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow();
    }

    private void assertRecorderUp() {
        JsonNode health = Await.until("health UP with no pending rows", WAIT,
                () -> json(gateway.get(gateway.managementUrl() + "/health").body()),
                h -> "UP".equals(h.path("checks").path("database").path("status").asText())
                        && h.path("checks").path("database").path("pendingRows").asInt() == 0);
        assertEquals("UP", health.path("status").asText(), health.toString());
    }

    private static void assertBadRequest(HttpResponse<String> r, String param, String limit) {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = json(r.body()).path("error");
        assertEquals(param, error.path("param").asText(), r.body());
        assertTrue(error.path("message").asText().contains(limit), "the message gives the limit " + limit + ": " + r.body());
    }

    /** A chat request over JMS with one string property; returns the reply's JSON body. */
    private JsonNode jmsRequest(String property, String value) throws JMSException {
        Message reply = gateway.jms().request(session -> {
            TextMessage message = session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "hi"));
            message.setJMSCorrelationID("limits-" + UUID.randomUUID());
            message.setStringProperty(property, value);
            return message;
        }, RECEIVE_TIMEOUT_MS);
        if (reply == null) {
            fail("no JMS reply within " + RECEIVE_TIMEOUT_MS + " ms");
        }
        return json(text(reply));
    }

    /** Replies to a text request are TextMessages of UTF-8 JSON (README: "send the same JSON body as a text message"). */
    private static String text(Message reply) throws JMSException {
        assertInstanceOf(TextMessage.class, reply, "a JMS reply must be a TextMessage");
        return ((TextMessage) reply).getText();
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}

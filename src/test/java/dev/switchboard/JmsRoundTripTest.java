package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The JMS front door as an agent in another process uses it: a JSON chat request on {@code switchboard.requests}
 * over TCP with the broker's credentials, the answer (or an OpenAI-shaped error) as a TextMessage on the
 * JMSReplyTo queue with the request's correlation id. Without the credentials nothing connects.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JmsRoundTripTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;

    private Gateway gateway;

    /** One reply: the JMS message and its body as text. */
    private record Reply(Message message, String body) {
        JsonNode json() {
            try {
                return Gateway.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("the reply body is not JSON: " + body, e);
            }
        }

        String correlationId() throws JMSException {
            return message.getJMSCorrelationID();
        }

        /** A Camel header mapped to a JMS property ("x-switchboard-request-id" becomes "x_HYPHEN_switchboard_HYPHEN_..."). */
        String header(String fragment) throws JMSException {
            List<String> names = new ArrayList<>();
            for (Object n : Collections.list(message.getPropertyNames())) {
                names.add(n.toString());
            }
            for (String name : names) {
                if (name.toLowerCase(java.util.Locale.ROOT).contains(fragment)) {
                    return message.getStringProperty(name);
                }
            }
            throw new AssertionError("the reply has no property containing '" + fragment + "'; properties: " + names);
        }
    }

    @BeforeAll
    void start() {
        gateway = Gateway.start();
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_answer_a_chat_request_on_the_reply_queue_with_its_correlation_id() throws JMSException {
        String correlationId = "agent-corr-" + UUID.randomUUID();

        Reply reply = request(Gateway.chatBody("gpt-4o-mini", "Hello over JMS"), correlationId);

        assertEquals(correlationId, reply.correlationId(), "the reply must carry the request's JMSCorrelationID");
        JsonNode json = reply.json();
        assertEquals("chat.completion", json.path("object").asText(), reply.body());
        assertEquals("Hello from gpt-4o-mini", json.path("choices").path(0).path("message").path("content").asText(), reply.body());
        assertEquals(18, json.path("usage").path("total_tokens").asInt(), reply.body());

        String requestId = reply.header("request");
        assertNotNull(requestId, "the reply must carry the request id");
        assertFalse(requestId.isBlank(), "the reply must carry the request id");
        assertEquals("gpt-4o-mini", reply.header("model"));

        JsonNode row = gateway.usageRow(requestId);
        assertEquals("jms", row.path("entry").asText(), row.toString());
        assertEquals("gpt-4o-mini", row.path("model").asText(), row.toString());
        assertEquals(200, row.path("status").asInt(), row.toString());
        assertEquals(18, row.path("total_tokens").asInt(), row.toString());
    }

    @Test
    void should_reply_with_an_error_body_to_a_malformed_message() throws JMSException {
        String badCorrelation = "bad-" + UUID.randomUUID();

        Reply error = request("{not json", badCorrelation);

        assertEquals(badCorrelation, error.correlationId(), "the error reply must carry the request's JMSCorrelationID");
        JsonNode json = error.json();
        assertTrue(json.has("error"), "an OpenAI-shaped error body is expected: " + error.body());
        assertEquals("invalid_json", json.path("error").path("code").asText(), error.body());
        assertEquals("invalid_request_error", json.path("error").path("type").asText(), error.body());
        assertFalse(json.path("error").path("message").asText().isBlank(), error.body());
        assertEquals("400", error.header("status"));

        // The malformed message was answered, not redelivered: the next request is served normally.
        String goodCorrelation = "good-" + UUID.randomUUID();
        Reply next = request(Gateway.chatBody("gpt-4o-mini", "still there?"), goodCorrelation);
        assertEquals(goodCorrelation, next.correlationId());
        assertEquals("Hello from gpt-4o-mini",
                next.json().path("choices").path(0).path("message").path("content").asText(), next.body());
    }

    @Test
    void should_collapse_stream_true_into_one_json_reply() throws JMSException {
        String correlationId = "stream-" + UUID.randomUUID();
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"stream please\"}]}";

        Reply reply = request(body, correlationId);

        assertEquals(correlationId, reply.correlationId());
        assertFalse(reply.body().startsWith("data:"), "JMS must not carry server-sent events: " + reply.body());
        JsonNode json = reply.json();
        assertEquals("chat.completion", json.path("object").asText(), reply.body());
        assertEquals("Hello from gpt-4o-mini", json.path("choices").path(0).path("message").path("content").asText(), reply.body());

        JsonNode row = gateway.usageRow(reply.header("request"));
        assertEquals("jms", row.path("entry").asText(), row.toString());
        assertFalse(row.path("stream").asBoolean(), "the usage row records the request as answered in one piece: " + row);
        assertTrue(row.path("tags").asText().contains("stream_collapsed"), "the usage row says the stream was collapsed: " + row);
    }

    @Test
    void should_refuse_a_tcp_client_without_the_broker_credentials() {
        try (ActiveMQConnectionFactory anonymous = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + gateway.jmsPort)) {
            assertThrows(JMSSecurityException.class, () -> anonymous.createConnection().close(),
                    "an anonymous client must not reach switchboard.requests (prompts, agent keys)");
        }
        try (ActiveMQConnectionFactory wrong = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + gateway.jmsPort,
                Gateway.JMS_USER, "not-the-password")) {
            assertThrows(JMSSecurityException.class, () -> wrong.createConnection().close(), "a wrong password must be refused");
        }
    }

    @Test
    void should_reply_with_utf8_text_json_also_for_an_error_naming_non_ascii_input() throws JMSException {
        String model = "modèle-inconnu-✓";

        Reply error = request(Gateway.chatBody(model, "héllo"), "utf8-" + UUID.randomUUID());

        JsonNode json = error.json();
        assertTrue(json.has("error"), error.body());
        assertTrue(json.path("error").path("message").asText().contains(model),
                "the error text must keep non-ASCII characters intact (UTF-8): " + error.body());
    }

    /** Sends {@code body} as a TextMessage with a temporary reply queue and waits for the one reply. */
    private Reply request(String body, String correlationId) throws JMSException {
        Message reply = gateway.jms().request(session -> {
            TextMessage message = session.createTextMessage(body);
            message.setJMSCorrelationID(correlationId);
            return message;
        }, RECEIVE_TIMEOUT_MS);
        if (reply == null) {
            fail("no reply on the JMSReplyTo queue within " + RECEIVE_TIMEOUT_MS + " ms for request " + correlationId
                    + " with body " + body);
        }
        return new Reply(reply, text(reply));
    }

    /** Every reply, answer or error, is a TextMessage: what a plain JMS client reads with getText(). */
    private static String text(Message reply) throws JMSException {
        return assertInstanceOf(TextMessage.class, reply, "the reply must be a TextMessage of UTF-8 JSON").getText();
    }
}

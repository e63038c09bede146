package dev.switchboard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.StompClient;
import dev.switchboard.support.StompClient.Frame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.exceptions.ClientException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Agents without a JMS client: an AMQP 1.0 client (Qpid protonj2, as python-qpid-proton or rhea would) and a STOMP
 * client on a raw socket (as stomp.py would) post a chat request to {@code switchboard.requests} on the gateway's
 * broker port and read the answer from their reply address. Properties and headers map like JMS properties: the
 * body is the JSON of POST /v1/chat/completions, {@code switchboardAgent} names the caller, the reply carries the
 * request's correlation id. Both authenticate with the broker's credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentProtocolsTest {
    private static final int RECEIVE_TIMEOUT_SECONDS = 20;
    private static final String REQUESTS = "switchboard.requests";
    /** How Camel names the reply's x-switchboard-model header as a message property. */
    private static final String MODEL_PROPERTY = "x_HYPHEN_switchboard_HYPHEN_model";
    private static final String REQUEST_ID_PROPERTY = "x_HYPHEN_switchboard_HYPHEN_request_HYPHEN_id";

    private Gateway gateway;
    private Client amqp;

    @BeforeAll
    void start() {
        gateway = Gateway.start();
        amqp = Client.create();
    }

    @AfterAll
    void stop() {
        if (amqp != null) {
            amqp.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_answer_an_amqp_request_on_its_reply_address() throws Exception {
        String correlationId = "amqp-" + UUID.randomUUID();
        try (Connection connection = amqp.connect("127.0.0.1", gateway.jmsPort,
                new ConnectionOptions().user(Gateway.JMS_USER).password(Gateway.JMS_PASSWORD))) {
            Receiver replies = connection.openDynamicReceiver();
            String replyAddress = replies.openFuture().get(RECEIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS).address();
            Sender sender = connection.openSender(REQUESTS);
            sender.send(Message.create(Gateway.chatBody("gpt-4o-mini", "Hello over AMQP"))
                    .replyTo(replyAddress).correlationId(correlationId).property("switchboardAgent", "python-agent"));

            Delivery delivery = replies.receive(RECEIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);

            assertNotNull(delivery, "no AMQP reply within " + RECEIVE_TIMEOUT_SECONDS + " s");
            Message<Object> reply = delivery.message();
            assertEquals(correlationId, reply.correlationId(), "the reply must carry the request's correlation id");
            JsonNode json = Gateway.MAPPER.readTree(reply.body().toString());
            assertEquals("Hello from gpt-4o-mini", json.path("choices").path(0).path("message").path("content").asText(), json.toString());
            assertEquals("gpt-4o-mini", reply.property(MODEL_PROPERTY));
            JsonNode row = gateway.usageRow(reply.property(REQUEST_ID_PROPERTY).toString());
            assertEquals("jms", row.path("entry").asText(), row.toString());
            assertEquals("python-agent", row.path("caller").asText(), "the switchboardAgent property names the caller: " + row);
        }
    }

    @Test
    void should_refuse_an_amqp_client_without_the_broker_credentials() {
        assertThrows(Exception.class, () -> {
            try (Connection connection = amqp.connect("127.0.0.1", gateway.jmsPort,
                    new ConnectionOptions().user(Gateway.JMS_USER).password("wrong-password"))) {
                connection.openSender(REQUESTS).openFuture().get(RECEIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }, "an AMQP client with a wrong password must not reach the queue");
    }

    @Test
    void should_answer_a_stomp_request_on_its_reply_queue() throws IOException {
        String correlationId = "stomp-" + UUID.randomUUID();
        String replyQueue = "agent.replies." + UUID.randomUUID();
        try (StompClient stomp = StompClient.connect("127.0.0.1", gateway.jmsPort)) {
            assertEquals("CONNECTED", stomp.login(Gateway.JMS_USER, Gateway.JMS_PASSWORD, RECEIVE_TIMEOUT_SECONDS * 1000).command());
            // ANYCAST: a queue of its own, not a topic subscription (the gateway replies to a queue)
            stomp.send("SUBSCRIBE", StompClient.headers("id", "replies", "destination", replyQueue, "subscription-type", "ANYCAST",
                    "ack", "auto", "receipt", "subscribed"), "");
            assertEquals("RECEIPT", stomp.receive(RECEIVE_TIMEOUT_SECONDS * 1000).command(), "the reply queue must be subscribed before the request goes");
            // queue://: the reply-to names a queue (without the prefix a JMS reader cannot tell a queue from a topic)
            // content-length, as stomp.py sends it, makes it a bytes message to JMS readers: the gateway reads it as UTF-8 JSON
            String body = Gateway.chatBody("gpt-4o-mini", "Hello over STOMP, ünïcode");
            stomp.send("SEND", StompClient.headers("destination", REQUESTS, "reply-to", "queue://" + replyQueue, "correlation-id", correlationId,
                    "content-type", "application/json", "content-length", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length),
                    "switchboardAgent", "stomp-agent"), body);

            Frame reply = stomp.receive(RECEIVE_TIMEOUT_SECONDS * 1000);

            assertEquals("MESSAGE", reply.command(), reply.toString());
            assertEquals(correlationId, reply.headers().get("correlation-id"), "the reply must carry the request's correlation id: " + reply);
            JsonNode json = Gateway.MAPPER.readTree(reply.body());
            assertEquals("Hello from gpt-4o-mini", json.path("choices").path(0).path("message").path("content").asText(), reply.body());
            assertEquals("gpt-4o-mini", reply.headers().get(MODEL_PROPERTY), reply.toString());
            JsonNode row = gateway.usageRow(reply.headers().get(REQUEST_ID_PROPERTY));
            assertEquals("stomp-agent", row.path("caller").asText(), "the switchboardAgent header names the caller: " + row);
            assertTrue(gateway.fake.requests().stream().anyMatch(r -> "Hello over STOMP, ünïcode".equals(
                    r.json().path("messages").path(0).path("content").asText())), "the prompt reaches the provider intact");
        }
    }

    @Test
    void should_refuse_a_stomp_client_without_the_broker_credentials() throws IOException {
        try (StompClient stomp = StompClient.connect("127.0.0.1", gateway.jmsPort)) {
            Frame answer = stomp.login(Gateway.JMS_USER, "wrong-password", RECEIVE_TIMEOUT_SECONDS * 1000);
            assertEquals("ERROR", answer.command(), "a STOMP client with a wrong password must be refused: " + answer);
        }
    }
}

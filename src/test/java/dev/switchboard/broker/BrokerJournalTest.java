package dev.switchboard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The embedded broker keeps accepted requests in its journal under the data folder: a request sent while the
 * gateway serves no JMS front door (its routes folder has no jms.yaml) waits on the queue through a restart and is
 * answered by the restarted gateway, which has the front door, onto the agent's durable reply queue.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerJournalTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;
    private static final String REPLY_QUEUE = "agent.replies";

    private Gateway gateway;

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_answer_after_a_restart_a_request_accepted_before_it() throws Exception {
        Path dir = Files.createTempDirectory("switchboard-journal");
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("jms.yaml")).toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        int jmsPort = Gateway.freePort();
        Map<String, String> env = Map.of("SWITCHBOARD_DATA", dir.resolve("data").toString(),
                "SWITCHBOARD_ROUTES", routes.toString(), "SWITCHBOARD_JMS_PORT", Integer.toString(jmsPort));
        ActiveMQConnectionFactory agent = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + jmsPort, Gateway.JMS_USER, Gateway.JMS_PASSWORD);
        String correlationId = "journal-" + UUID.randomUUID();

        gateway = Gateway.start(env);
        try (Connection connection = agent.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage request = session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "Still there after a restart?"));
            request.setJMSCorrelationID(correlationId);
            request.setJMSReplyTo(session.createQueue(REPLY_QUEUE));
            session.createProducer(session.createQueue(JmsClient.REQUEST_QUEUE)).send(request, DeliveryMode.PERSISTENT,
                    Message.DEFAULT_PRIORITY, Message.DEFAULT_TIME_TO_LIVE);
        }
        assertEquals(0, gateway.fake.requests().size(), "no JMS front door yet: the request waits on the queue");
        gateway.close();
        gateway = null;

        Files.copy(Path.of("routes", "jms.yaml"), routes.resolve("jms.yaml"));
        gateway = Gateway.start(env);

        try (Connection connection = agent.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue replies = session.createQueue(REPLY_QUEUE);
            Message reply = session.createConsumer(replies).receive(RECEIVE_TIMEOUT_MS);

            assertNotNull(reply, "the request accepted before the restart was not answered within " + RECEIVE_TIMEOUT_MS + " ms");
            assertEquals(correlationId, reply.getJMSCorrelationID());
            String body = ((TextMessage) reply).getText();
            assertEquals("Hello from gpt-4o-mini",
                    Gateway.MAPPER.readTree(body).path("choices").path(0).path("message").path("content").asText(), body);
            assertEquals(1, gateway.fake.requests().size(), "the restarted gateway served it, once");
        } finally {
            agent.close();
        }
    }
}

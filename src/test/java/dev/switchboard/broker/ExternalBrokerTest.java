package dev.switchboard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.boot.JmsBroker;
import dev.switchboard.boot.JmsCredentials;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import dev.switchboard.support.StandaloneBroker;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two gateways on one existing Artemis broker ({@code SWITCHBOARD_JMS_URL} with its user and password): neither
 * starts a broker of its own, both consume {@code switchboard.requests}, and requests sent there are each answered
 * once, by one or the other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalBrokerTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;
    /** Enough requests that a queue shared round-robin by two instances gives each some. */
    private static final int REQUESTS = 24;

    private StandaloneBroker broker;
    private Gateway first;
    private Gateway second;
    private JmsClient agent;

    @BeforeAll
    void start() throws Exception {
        broker = StandaloneBroker.start();
        Map<String, String> env = Map.of(JmsBroker.URL_ENV, broker.url(),
                JmsCredentials.USER_ENV, StandaloneBroker.USER, JmsCredentials.PASSWORD_ENV, StandaloneBroker.PASSWORD);
        first = Gateway.start(env);
        second = Gateway.start(env);
        agent = JmsClient.connect(broker.connectionFactory());
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (Gateway g : new Gateway[] {first, second}) {
            if (g != null) {
                g.close();
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void should_start_no_broker_of_its_own() {
        for (Gateway g : new Gateway[] {first, second}) {
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", g.jmsPort).close(),
                    "nothing may listen on the gateway's own JMS port " + g.jmsPort);
            assertFalse(Files.exists(g.dir.resolve("data").resolve("broker")), "no broker journal in the gateway's data folder");
            assertFalse(Files.exists(g.dir.resolve("data").resolve(JmsCredentials.FILE_NAME)), "no embedded broker credentials generated");
        }
    }

    @Test
    void should_answer_a_jms_request_sent_to_the_external_broker() throws Exception {
        String correlationId = "external-" + UUID.randomUUID();

        Message reply = request(correlationId);

        assertNotNull(reply, "no reply through the external broker within " + RECEIVE_TIMEOUT_MS + " ms");
        assertEquals(correlationId, reply.getJMSCorrelationID());
        String body = ((TextMessage) reply).getText();
        assertEquals("Hello from gpt-4o-mini",
                Gateway.MAPPER.readTree(body).path("choices").path(0).path("message").path("content").asText(), body);
    }

    @Test
    void should_share_the_queue_between_the_instances_answering_each_request_once() throws Exception {
        Await.until("both gateways consuming switchboard.requests", Gateway.TIMEOUT,
                () -> broker.consumerConnections(JmsClient.REQUEST_QUEUE), n -> n == 2);
        int firstBefore = first.fake.requests().size();
        int secondBefore = second.fake.requests().size();

        Set<String> answered = new HashSet<>();
        for (int i = 0; i < REQUESTS; i++) {
            String correlationId = "share-" + i + "-" + UUID.randomUUID();
            Message reply = request(correlationId);
            assertNotNull(reply, "request " + i + " not answered within " + RECEIVE_TIMEOUT_MS + " ms");
            assertEquals(correlationId, reply.getJMSCorrelationID());
            answered.add(correlationId);
        }

        int byFirst = first.fake.requests().size() - firstBefore;
        int bySecond = second.fake.requests().size() - secondBefore;
        assertEquals(REQUESTS, answered.size());
        assertEquals(REQUESTS, byFirst + bySecond, "each request is served once: " + byFirst + " + " + bySecond);
        assertTrue(byFirst > 0 && bySecond > 0, "both instances take requests from the queue: " + byFirst + " / " + bySecond);
        // A request is acknowledged just after its reply is sent, so the last one may still be on its way.
        Await.until("every request acknowledged", Gateway.TIMEOUT, () -> broker.messageCount(JmsClient.REQUEST_QUEUE), n -> n == 0);
    }

    private Message request(String correlationId) throws Exception {
        return agent.request(session -> {
            TextMessage m = session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "Hello over the fleet's broker"));
            m.setJMSCorrelationID(correlationId);
            return m;
        }, RECEIVE_TIMEOUT_MS);
    }
}

package dev.switchboard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.boot.JmsBroker;
import dev.switchboard.boot.JmsCredentials;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import dev.switchboard.support.StandaloneBroker;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A broker others can reach is guarded: the embedded one refuses to listen beyond loopback with a weak password, and
 * when the broker is not the loopback-only embedded one (here: an external broker), a JMS client is not "on this
 * machine", so while a provider key is at stake it needs an agent key like a caller from the network.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerExposureTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;

    private StandaloneBroker broker;
    private Gateway gateway;

    @BeforeAll
    void start() {
        broker = StandaloneBroker.start();
        // SWITCHBOARD_ALLOW_ANONYMOUS left unset (blank): with a provider key, only callers on this machine are served unkeyed.
        gateway = Gateway.start(Map.of(JmsBroker.URL_ENV, broker.url(), JmsCredentials.USER_ENV, StandaloneBroker.USER,
                JmsCredentials.PASSWORD_ENV, StandaloneBroker.PASSWORD, "SWITCHBOARD_ALLOW_ANONYMOUS", ""));
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void should_refuse_to_listen_beyond_loopback_with_a_weak_password() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Gateway.start(Map.of(
                "SWITCHBOARD_JMS_HOST", "0.0.0.0", JmsCredentials.USER_ENV, "agent", JmsCredentials.PASSWORD_ENV, "short")).close());

        assertTrue(e.getMessage().contains("0.0.0.0") && e.getMessage().contains(JmsCredentials.PASSWORD_ENV)
                && e.getMessage().contains("16 characters"), e.getMessage());
        assertFalse(e.getMessage().contains("short"), "the password stays out of the message: " + e.getMessage());
    }

    @Test
    void should_not_trust_a_client_of_an_external_broker_as_local() throws Exception {
        HttpResponse<String> local = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "from loopback HTTP"));
        assertEquals(200, local.statusCode(), "a loopback HTTP caller is local: " + local.body());

        try (JmsClient agent = JmsClient.connect(broker.connectionFactory())) {
            Message reply = agent.request(s -> s.createTextMessage(Gateway.chatBody("gpt-4o-mini", "from anywhere")), RECEIVE_TIMEOUT_MS);

            assertNotNull(reply, "no reply within " + RECEIVE_TIMEOUT_MS + " ms");
            JsonNode error = Gateway.MAPPER.readTree(((TextMessage) reply).getText()).path("error");
            assertEquals("missing_agent_key", error.path("code").asText(), error.toString());
        }
    }
}

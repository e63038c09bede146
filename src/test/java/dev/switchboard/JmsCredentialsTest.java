package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.boot.JmsCredentials;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A gateway started without {@code SWITCHBOARD_JMS_USER} / {@code _PASSWORD} generates the broker's credentials
 * on its first start into an owner-only file of its data dir, and a JMS client with them is served.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JmsCredentialsTest {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;

    private Gateway gateway;
    private Path file;

    @BeforeAll
    void start() {
        gateway = Gateway.start(Map.of(JmsCredentials.USER_ENV, "", JmsCredentials.PASSWORD_ENV, ""));
        file = gateway.dir.resolve("data").resolve(JmsCredentials.FILE_NAME);
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_generate_credentials_into_an_owner_only_file_on_first_start() throws Exception {
        assertTrue(Files.exists(file), "the generated credentials are kept in " + file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "the credentials file must be readable by the gateway's user only");
        Properties p = credentials();
        assertTrue(p.getProperty("password").length() >= 32, "a generated password is long and random");
        assertEquals(new JmsCredentials(p.getProperty("user"), p.getProperty("password")),
                JmsCredentials.resolve(Map.of(), file.getParent()), "the next start reads the same credentials");
    }

    @Test
    void should_serve_a_client_with_the_generated_credentials_and_refuse_one_without() throws Exception {
        Properties p = credentials();
        String url = "tcp://127.0.0.1:" + gateway.jmsPort;
        try (JmsClient jms = JmsClient.connect(new ActiveMQConnectionFactory(url, p.getProperty("user"), p.getProperty("password")))) {
            Message reply = jms.request(session -> session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "generated credentials")),
                    RECEIVE_TIMEOUT_MS);
            assertNotNull(reply, "no reply within " + RECEIVE_TIMEOUT_MS + " ms");
            String body = assertInstanceOf(TextMessage.class, reply).getText();
            assertEquals("Hello from gpt-4o-mini",
                    Gateway.MAPPER.readTree(body).path("choices").path(0).path("message").path("content").asText(), body);
        }
        try (ActiveMQConnectionFactory anonymous = new ActiveMQConnectionFactory(url)) {
            assertThrows(JMSSecurityException.class, () -> anonymous.createConnection().close());
        }
    }

    @Test
    void should_refuse_to_start_with_only_one_of_the_two_variables() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JmsCredentials.resolve(Map.of(JmsCredentials.USER_ENV, "agent"), file.getParent()));
        assertTrue(e.getMessage().contains(JmsCredentials.PASSWORD_ENV), e.getMessage());
    }

    @Test
    void should_refuse_a_credentials_file_others_can_read() throws Exception {
        Path shared = Files.createTempDirectory("switchboard-jms-shared").resolve(JmsCredentials.FILE_NAME);
        Files.writeString(shared, "user=agent\npassword=secret-password-0123456789\n");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JmsCredentials.resolve(Map.of(), shared.getParent()));
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    private Properties credentials() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(file)));
        return p;
    }
}

package dev.switchboard.support;

import java.util.Set;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;

/**
 * An ActiveMQ Artemis broker of the test's own, on a loopback port: "external" from a gateway's point of view
 * ({@code SWITCHBOARD_JMS_URL}), as an operator's broker is. One user; the test can look at its queues.
 */
public final class StandaloneBroker implements AutoCloseable {
    public static final String USER = "fleet";
    public static final String PASSWORD = "fleet-password-0123456789abcdef";
    private static final String ROLE = "fleet-member";

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final int port;

    private StandaloneBroker(int port) {
        this.port = port;
    }

    public static StandaloneBroker start() {
        try {
            StandaloneBroker b = new StandaloneBroker(Gateway.freePort());
            Role role = new Role();
            role.setName(ROLE);
            role.setSend(true);
            role.setConsume(true);
            role.setCreateAddress(true);
            role.setCreateDurableQueue(true);
            role.setCreateNonDurableQueue(true);
            role.setDeleteNonDurableQueue(true);
            SecurityConfiguration users = new SecurityConfiguration();
            users.addUser(USER, PASSWORD);
            users.addRole(USER, ROLE);
            ConfigurationImpl config = new ConfigurationImpl();
            config.setPersistenceEnabled(false).setSecurityEnabled(true).setJMXManagementEnabled(false)
                    .addAcceptorConfiguration("tcp", b.url() + "?protocols=CORE,AMQP,STOMP");
            config.putSecurityRoles("#", Set.of(role));
            b.broker.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
            b.broker.setConfiguration(config);
            b.broker.start();
            return b;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test's broker: " + e.getMessage(), e);
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** A client with the broker's user, as an agent has it. */
    public ActiveMQConnectionFactory connectionFactory() {
        return new ActiveMQConnectionFactory(url(), USER, PASSWORD);
    }

    /** How many client connections consume from {@code queue} (each gateway shares one connection among its consumers). */
    public long consumerConnections(String queue) {
        Queue q = broker.getActiveMQServer().locateQueue(queue);
        return q == null ? 0 : q.getConsumers().stream().map(c -> ((ServerConsumer) c).getConnectionID()).distinct().count();
    }

    /** Messages on {@code queue} not yet acknowledged (waiting or being processed); 0 when it does not exist. */
    public long messageCount(String queue) {
        Queue q = broker.getActiveMQServer().locateQueue(queue);
        return q == null ? 0 : q.getMessageCount();
    }

    @Override
    public void close() {
        try {
            broker.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the test's broker", e);
        }
    }
}

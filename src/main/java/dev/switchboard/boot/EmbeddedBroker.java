package dev.switchboard.boot;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Set;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;

/**
 * The embedded ActiveMQ Artemis broker: in-VM for the gateway itself, TCP for agents in other processes, on
 * loopback unless {@code SWITCHBOARD_JMS_HOST} says otherwise. The TCP port speaks Artemis core (JMS), AMQP 1.0
 * and STOMP, so agents without a JMS client reach the same queues. Persistent: requests accepted onto the queue
 * are kept in a journal under the data folder and answered after a restart (the journal batches its syncs, so a
 * busy queue pays one disk sync per batch, not per message).
 *
 * <p>Every connection, in-VM and TCP, any protocol, authenticates as the one user of {@link JmsCredentials}:
 * requests carry prompts and agent keys, so no other process may read the queue or forge replies.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** Caps broker memory; the default would be half the heap. */
    private static final long GLOBAL_MAX_BYTES = 64L * 1024 * 1024;
    /** The role of the one client user. */
    static final String CLIENT_ROLE = "switchboard-client";
    /** Requests are small JSON; bigger messages go to the large-message folder, so small journal files suffice. */
    private static final int JOURNAL_FILE_BYTES = 2 * 1024 * 1024;
    /** The protocols of the TCP port: JMS clients, and agents speaking AMQP 1.0 or STOMP. */
    static final String PROTOCOLS = "CORE,AMQP,STOMP";
    /**
     * A request is acknowledged once answered, so one taken by a gateway that dies is delivered again, to another
     * consumer. Twice at most: a request whose reply cannot be sent (a reply-to the broker refuses) is redelivered
     * too, and each delivery is an LLM call.
     */
    static final int MAX_DELIVERY_ATTEMPTS = 2;
    /** Shortest password accepted for a broker reachable from other machines (the generated ones have 48 characters). */
    static final int MIN_NETWORK_PASSWORD_CHARS = 16;

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final String tcpUrl;
    private final JmsCredentials credentials;

    /**
     * @throws IllegalArgumentException if {@code host} reaches beyond this machine and the password is shorter than
     *                                  {@value #MIN_NETWORK_PASSWORD_CHARS} characters
     */
    public EmbeddedBroker(String host, int port, Path dataDir, JmsCredentials credentials) throws Exception {
        this.tcpUrl = "tcp://" + host + ":" + port;
        this.credentials = credentials;
        refuseWeakPasswordOnNetwork(host, credentials);
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO) // libaio is optional native code; NIO runs everywhere
                .setJournalFileSize(JOURNAL_FILE_BYTES)
                .setSecurityEnabled(true)
                .setJMXManagementEnabled(false)
                .setCriticalAnalyzer(false)
                .setGlobalMaxSize(GLOBAL_MAX_BYTES)
                .setMaxDiskUsage(-1)
                .setJournalDirectory(dataDir.resolve("journal").toString())
                .setBindingsDirectory(dataDir.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDir.resolve("large").toString())
                .setPagingDirectory(dataDir.resolve("paging").toString())
                .addAcceptorConfiguration("in-vm", "vm://0")
                .addAcceptorConfiguration("tcp", tcpUrl + "?protocols=" + PROTOCOLS);
        // Anycast by default: an AMQP or STOMP client that sends to switchboard.requests before any gateway
        // consumes it must create a queue (point to point), not a multicast address that drops the message.
        config.addAddressSetting("#", new AddressSettings()
                .setMaxDeliveryAttempts(MAX_DELIVERY_ATTEMPTS)
                .setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                .setAutoCreateDeadLetterResources(false)
                .setDefaultAddressRoutingType(RoutingType.ANYCAST)
                .setDefaultQueueRoutingType(RoutingType.ANYCAST));
        // "#": the request queue, auto-created on first use, and the clients' temporary reply queues, whose
        // names are random. No management and no browsing: a client sends, receives and makes reply queues.
        config.putSecurityRoles("#", Set.of(clientRole()));
        SecurityConfiguration users = new SecurityConfiguration();
        users.addUser(credentials.user(), credentials.password());
        users.addRole(credentials.user(), CLIENT_ROLE);
        broker.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
        broker.setConfiguration(config);
        broker.start();
    }

    /** Whether only processes of this machine can connect (the TCP acceptor is bound to a loopback address). */
    public static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("SWITCHBOARD_JMS_HOST '" + host
                    + "' is neither an IP address nor a host name this machine resolves", e);
        }
    }

    /** Beyond loopback the password is all that stands between the network and the queue. */
    private static void refuseWeakPasswordOnNetwork(String host, JmsCredentials credentials) {
        if (!isLoopback(host) && credentials.password().length() < MIN_NETWORK_PASSWORD_CHARS) {
            throw new IllegalArgumentException("the JMS broker would listen on " + host + ", beyond this machine, with a password of "
                    + credentials.password().length() + " characters: set " + JmsCredentials.PASSWORD_ENV + " to at least "
                    + MIN_NETWORK_PASSWORD_CHARS + " characters (or unset both " + JmsCredentials.USER_ENV + " and "
                    + JmsCredentials.PASSWORD_ENV + " to have strong ones generated), or bind to 127.0.0.1");
        }
    }

    public String tcpUrl() {
        return tcpUrl;
    }

    /** A connection factory for in-process clients (the gateway's own JMS routes), with the broker's credentials. */
    public ActiveMQConnectionFactory inVmConnectionFactory() {
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0", credentials.user(), credentials.password());
        JmsBroker.takeOneAtATime(factory);
        return factory;
    }

    private static Role clientRole() {
        Role role = new Role();
        role.setName(CLIENT_ROLE);
        role.setSend(true);
        role.setConsume(true);
        role.setCreateAddress(true);
        role.setCreateDurableQueue(true);
        role.setCreateNonDurableQueue(true);
        role.setDeleteNonDurableQueue(true);
        role.setDeleteAddress(true);
        return role;
    }

    @Override
    public void close() throws Exception {
        broker.stop();
    }
}

package dev.switchboard.boot;

import java.nio.file.Path;
import java.util.Set;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;

/**
 * The embedded ActiveMQ Artemis broker: in-VM for the gateway itself, TCP on a loopback port for agents in
 * other processes. Not persistent: requests are request/reply and a caller whose gateway restarts retries
 * anyway, so fsync per message would only slow every request.
 *
 * <p>Every connection, in-VM and TCP, authenticates as the one user of {@link JmsCredentials}: requests carry
 * prompts and agent keys, so no other local process may read the queue or forge replies.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** Caps broker memory; the default would be half the heap. */
    private static final long GLOBAL_MAX_BYTES = 64L * 1024 * 1024;
    /** The role of the one client user. */
    static final String CLIENT_ROLE = "switchboard-client";

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final String tcpUrl;
    private final JmsCredentials credentials;

    public EmbeddedBroker(String host, int port, Path dataDir, JmsCredentials credentials) throws Exception {
        this.tcpUrl = "tcp://" + host + ":" + port;
        this.credentials = credentials;
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(false)
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
                .addAcceptorConfiguration("tcp", tcpUrl);
        config.addAddressSetting("#", new AddressSettings()
                .setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                .setAutoCreateDeadLetterResources(false));
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

    public String tcpUrl() {
        return tcpUrl;
    }

    /** A connection factory for in-process clients (the gateway's own JMS routes), with the broker's credentials. */
    public ActiveMQConnectionFactory inVmConnectionFactory() {
        return new ActiveMQConnectionFactory("vm://0", credentials.user(), credentials.password());
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

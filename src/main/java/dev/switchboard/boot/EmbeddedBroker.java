package dev.switchboard.boot;

import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The embedded ActiveMQ Artemis broker: in-VM for the gateway itself, TCP on a loopback port for agents in
 * other processes. Not persistent: requests are request/reply and a caller whose gateway restarts retries
 * anyway, so fsync per message would only slow every request.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** Caps broker memory; the default would be half the heap. */
    private static final long GLOBAL_MAX_BYTES = 64L * 1024 * 1024;

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final String tcpUrl;

    public EmbeddedBroker(String host, int port, Path dataDir) throws Exception {
        this.tcpUrl = "tcp://" + host + ":" + port;
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(false)
                .setSecurityEnabled(false)
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
        broker.setConfiguration(config);
        broker.start();
    }

    public String tcpUrl() {
        return tcpUrl;
    }

    /** A connection factory for in-process clients (the gateway's own JMS routes). */
    public ActiveMQConnectionFactory inVmConnectionFactory() {
        return new ActiveMQConnectionFactory("vm://0");
    }

    @Override
    public void close() throws Exception {
        broker.stop();
    }
}

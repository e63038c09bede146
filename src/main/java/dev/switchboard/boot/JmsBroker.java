package dev.switchboard.boot;

import java.nio.file.Path;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The broker behind the JMS front doors: the {@link EmbeddedBroker} (the default), or an existing ActiveMQ Artemis
 * broker named by {@value #URL_ENV}, where no broker is started and every gateway sharing it is one more
 * competing consumer of {@code switchboard.requests} and {@code switchboard.feedback}.
 */
public final class JmsBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");
    public static final String URL_ENV = "SWITCHBOARD_JMS_URL";
    /** JMS sessions kept open for the front doors' consumers and replies. */
    private static final int SESSION_CACHE_SIZE = 32;

    /** Null when the broker is external. */
    private final EmbeddedBroker embedded;
    private final CachingConnectionFactory connections;
    private final boolean clientsAreLocal;

    private JmsBroker(EmbeddedBroker embedded, ActiveMQConnectionFactory factory, boolean clientsAreLocal) {
        this.embedded = embedded;
        this.connections = new CachingConnectionFactory(factory);
        this.connections.setSessionCacheSize(SESSION_CACHE_SIZE);
        this.clientsAreLocal = clientsAreLocal;
    }

    /**
     * Connects to the external broker at {@code externalUrl} with the credentials of the environment (none when
     * unset), or, when it is null, starts the embedded broker on {@code host:port} with its data under {@code dataDir}.
     */
    public static JmsBroker start(String externalUrl, String host, int port, Path dataDir, Map<String, String> env) throws Exception {
        if (externalUrl != null) {
            JmsCredentials credentials = JmsCredentials.fromEnv(env, "the gateway connects without credentials");
            ActiveMQConnectionFactory factory = credentials == null ? new ActiveMQConnectionFactory(externalUrl)
                    : new ActiveMQConnectionFactory(externalUrl, credentials.user(), credentials.password());
            takeOneAtATime(factory);
            LOG.info("JMS broker: external Artemis at {} ({}), no embedded broker; this gateway is one of its consumers of "
                    + "switchboard.requests", withoutQuery(externalUrl),
                    credentials == null ? "no credentials" : "as '" + credentials.user() + "'");
            return new JmsBroker(null, factory, false);
        }
        EmbeddedBroker broker = new EmbeddedBroker(host, port, dataDir.resolve("broker"), JmsCredentials.resolve(env, dataDir));
        boolean loopback = EmbeddedBroker.isLoopback(host);
        LOG.info("JMS broker: embedded Artemis, queue switchboard.requests, clients ({}) on {}{}", EmbeddedBroker.PROTOCOLS,
                broker.tcpUrl(), loopback ? "" : " (beyond this machine: every client authenticates)");
        return new JmsBroker(broker, broker.inVmConnectionFactory(), loopback);
    }

    /**
     * No messages waiting in a consumer's buffer: a request goes to a consumer that is free to take it, so a busy
     * gateway (or a slow LLM call) never holds requests another instance could serve, and a killed instance holds
     * none beyond those it was working on.
     */
    static void takeOneAtATime(ActiveMQConnectionFactory factory) {
        factory.setConsumerWindowSize(0);
    }

    /** The connections of the gateway's own JMS routes. */
    public CachingConnectionFactory connectionFactory() {
        return connections;
    }

    /**
     * Whether every JMS client runs on this machine: true only for the embedded broker bound to loopback (an
     * external broker, or one listening on the network, takes clients from anywhere).
     */
    public boolean clientsAreLocal() {
        return clientsAreLocal;
    }

    /** An external URL's query may carry options with secrets; the log shows what comes before it (hosts and ports). */
    private static String withoutQuery(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }

    @Override
    public void close() throws Exception {
        connections.destroy();
        if (embedded != null) {
            embedded.close();
        }
    }
}

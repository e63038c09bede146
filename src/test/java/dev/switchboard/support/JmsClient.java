package dev.switchboard.support;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * A client of the gateway's JMS front door, as an agent in another process has it: one started TCP connection to
 * the broker, and request/reply on {@link #REQUEST_QUEUE} with a temporary reply queue.
 */
public final class JmsClient implements AutoCloseable {
    /** The queue the gateway takes chat requests from. */
    public static final String REQUEST_QUEUE = "switchboard.requests";

    /** Makes the request message on the session {@link #request} opens; the reply queue is set afterwards. */
    @FunctionalInterface
    public interface MessageMaker {
        Message make(Session session) throws JMSException;
    }

    private final ActiveMQConnectionFactory factory;
    private final Connection connection;

    private JmsClient(ActiveMQConnectionFactory factory, Connection connection) {
        this.factory = factory;
        this.connection = connection;
    }

    /** Connects with the broker's credentials of the test gateway. */
    public static JmsClient connect(Gateway gateway) throws JMSException {
        return connect(gateway.jmsConnectionFactory());
    }

    /** Connects through {@code factory} (closed with this client) and starts the connection. */
    public static JmsClient connect(ActiveMQConnectionFactory factory) throws JMSException {
        try {
            Connection connection = factory.createConnection();
            connection.start();
            return new JmsClient(factory, connection);
        } catch (JMSException | RuntimeException e) {
            factory.close();
            throw e;
        }
    }

    /** For tests that keep a session of their own across many messages. */
    public Connection connection() {
        return connection;
    }

    /**
     * Sends the message {@code maker} makes to {@link #REQUEST_QUEUE}, on a session of its own with a temporary
     * reply queue as its JMSReplyTo, and waits for the one reply: null when none came within {@code timeoutMillis}.
     */
    public Message request(MessageMaker maker, long timeoutMillis) throws JMSException {
        Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
        try {
            TemporaryQueue replyTo = session.createTemporaryQueue();
            MessageConsumer consumer = session.createConsumer(replyTo);
            Message message = maker.make(session);
            message.setJMSReplyTo(replyTo);
            session.createProducer(session.createQueue(REQUEST_QUEUE)).send(message);
            return consumer.receive(timeoutMillis);
        } finally {
            session.close();
        }
    }

    @Override
    public void close() throws JMSException {
        try {
            connection.close();
        } finally {
            factory.close();
        }
    }
}

package dev.switchboard.bench;

import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.util.Arrays;

/**
 * What the embedded broker's journal costs a JMS request: sequential round trips (request on
 * {@code switchboard.requests}, answer from the fake provider, reply) sent persistent (journaled: kept through a
 * restart) and non-persistent (memory only), alternating, so the difference is the journal's. A plain {@code main}
 * (see README "Benchmarks"); arguments: rounds and requests per round.
 */
public final class JmsJournalBenchmark {
    private static final long RECEIVE_TIMEOUT_MS = 20_000;
    private static final int DEFAULT_ROUNDS = 3;
    private static final int DEFAULT_REQUESTS = 300;

    private JmsJournalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_ROUNDS;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_REQUESTS;
        try (Gateway gateway = Gateway.start()) {
            Session session = gateway.jms().connection().createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replyTo = session.createTemporaryQueue();
            MessageConsumer replies = session.createConsumer(replyTo);
            MessageProducer producer = session.createProducer(session.createQueue(JmsClient.REQUEST_QUEUE));
            for (int round = 0; round < rounds; round++) {
                for (int mode : new int[] {DeliveryMode.NON_PERSISTENT, DeliveryMode.PERSISTENT}) {
                    long[] nanos = new long[requests];
                    for (int i = 0; i < requests; i++) {
                        long t0 = System.nanoTime();
                        TextMessage request = session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "hi"));
                        request.setJMSReplyTo(replyTo);
                        producer.send(request, mode, Message.DEFAULT_PRIORITY, Message.DEFAULT_TIME_TO_LIVE);
                        if (replies.receive(RECEIVE_TIMEOUT_MS) == null) {
                            throw new IllegalStateException("no reply within " + RECEIVE_TIMEOUT_MS + " ms");
                        }
                        nanos[i] = System.nanoTime() - t0;
                    }
                    Arrays.sort(nanos);
                    System.out.printf("round %d, %-14s: mean %.2f ms, p50 %.2f ms, p90 %.2f ms%n", round,
                            mode == DeliveryMode.PERSISTENT ? "persistent" : "non-persistent",
                            Arrays.stream(nanos).average().orElse(0) / 1e6, nanos[requests / 2] / 1e6, nanos[requests * 9 / 10] / 1e6);
                }
            }
        }
    }
}

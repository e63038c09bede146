package dev.switchboard.boot;

import java.time.Duration;
import java.util.List;
import java.util.function.ToIntFunction;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first part of a graceful shutdown: stop admitting requests (HTTP answers 503 through the
 * {@link ShutdownGate}, the JMS front doors stop taking messages), wait up to the grace period for the admitted
 * ones to finish, streams included, then cut whatever is still open so that each request still gets its usage
 * row. The last usage flush, stopping Camel and closing the database and broker come after this.
 */
public final class Drain {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard");
    /** How often the in-flight count is checked while waiting: short against any grace period. */
    private static final Duration POLL = Duration.ofMillis(50);

    private final CamelContext camel;
    private final ShutdownGate gate;
    private final ToIntFunction<CamelContext> cutOpenRequests;

    /** {@code cutOpenRequests} records the requests still open as cut short and returns how many there were. */
    public Drain(CamelContext camel, ShutdownGate gate, ToIntFunction<CamelContext> cutOpenRequests) {
        this.camel = camel;
        this.gate = gate;
        this.cutOpenRequests = cutOpenRequests;
    }

    public void run(Duration grace) {
        long start = System.nanoTime();
        gate.close();
        List<Route> jms = stopJmsFrontDoors();
        LOG.info("Shutdown: no new requests accepted; waiting up to {} s for {} in flight", grace.toSeconds(), inFlight(jms));
        long deadline = start + grace.toNanos();
        while (inFlight(jms) > 0 && System.nanoTime() < deadline) {
            pause();
        }
        int left = inFlight(jms);
        if (left == 0) {
            LOG.info("Shutdown: every request in flight finished in {} ms", (System.nanoTime() - start) / 1_000_000);
            return;
        }
        int cut = cutOpenRequests.applyAsInt(camel);
        LOG.warn("Shutdown: grace period of {} s over with {} request(s) in flight; {} recorded as truncated "
                + "(SWITCHBOARD_SHUTDOWN_GRACE_SECONDS)", grace.toSeconds(), left, cut);
    }

    /** Admitted requests not yet answered: HTTP responses not ended, JMS messages being processed. */
    private int inFlight(List<Route> jms) {
        return gate.inFlight() + jms.stream().mapToInt(r -> camel.getInflightRepository().size(r.getRouteId())).sum();
    }

    /**
     * Suspends the consumers of the JMS and file-drop front doors: messages not taken yet stay on the queue, files not
     * taken yet stay in their inbox.
     */
    private List<Route> stopJmsFrontDoors() {
        List<Route> jms = camel.getRoutes().stream()
                .filter(r -> r.getEndpoint() instanceof JmsEndpoint || r.getEndpoint() instanceof GenericFileEndpoint).toList();
        for (Route route : jms) {
            try {
                ServiceHelper.suspendService(route.getConsumer());
            } catch (RuntimeException e) {
                LOG.warn("Shutdown: cannot stop the JMS consumer of route {}: {}", route.getRouteId(), e.getMessage());
            }
        }
        return jms;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis()); // polling a count, bounded by the grace deadline
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

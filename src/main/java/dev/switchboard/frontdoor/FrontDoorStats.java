package dev.switchboard.frontdoor;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.ExchangeCompletedEvent;
import org.apache.camel.spi.CamelEvent.ExchangeFailedEvent;
import org.apache.camel.support.EventNotifierSupport;

/**
 * Exchanges per front-door route, counted from Camel's exchange events: Camel's own route statistics live in JMX
 * MBeans, which this gateway does not run. A request counts as failed when Camel failed it or when it was answered
 * with an error status (the pipeline answers its errors, so Camel sees most of them as completed).
 */
final class FrontDoorStats extends EventNotifierSupport {
    /** From this status on an answer is an error (4xx: the caller's, 5xx: ours or the provider's). */
    private static final int FIRST_ERROR_STATUS = 400;

    record Counts(long total, long failed) {
    }

    private final Map<String, LongAdder[]> byRoute = new ConcurrentHashMap<>();

    FrontDoorStats() {
        // Only finished exchanges count; Camel then skips making the other events at all.
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreStepEvents(true);
    }

    /** Counts from zero for routes just started (a changed file's routes start over). */
    void track(Collection<String> routeIds) {
        routeIds.forEach(id -> byRoute.put(id, new LongAdder[] {new LongAdder(), new LongAdder()}));
    }

    void forget(Collection<String> routeIds) {
        routeIds.forEach(byRoute::remove);
    }

    Counts counts(String routeId) {
        LongAdder[] c = byRoute.get(routeId);
        return c == null ? new Counts(0, 0) : new Counts(c[0].sum(), c[1].sum());
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof ExchangeCompletedEvent || event instanceof ExchangeFailedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((CamelEvent.ExchangeEvent) event).getExchange();
        LongAdder[] c = exchange.getFromRouteId() == null ? null : byRoute.get(exchange.getFromRouteId());
        if (c == null) {
            return;
        }
        c[0].increment();
        if (event instanceof ExchangeFailedEvent
                || exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class) >= FIRST_ERROR_STATUS) {
            c[1].increment();
        }
    }
}

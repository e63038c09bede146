package dev.switchboard.pipeline;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * Where streamed events go as they arrive. Camel's platform-http writes an InputStream body through an 8 KB
 * buffer, which would hold SSE events back; so events are written straight to the Vert.x response, whose
 * status and headers Camel has set by the time the first one is written (see {@link StreamRelay}).
 */
interface StreamSink {
    String VARIABLE = "sbSink";

    /** Sends bytes to the caller now; false once the caller has gone. */
    boolean write(String data);

    /**
     * Runs {@code action} (idempotent: it may run twice in a race) when the caller goes away before the answer
     * ends, or at once if it has gone already, on the thread that notices: while the relay is still waiting for
     * the provider, not at its next write.
     */
    void onCallerGone(Runnable action);

    /** Why the gateway cut the caller off (it read nothing for too long); null while it has not. */
    default String cutOff() {
        return null;
    }

    /** The sink of an HTTP front door served by platform-http, or null for any other entry (JMS...). */
    static StreamSink of(Exchange exchange) {
        if (!(exchange.getIn() instanceof HttpMessage http)) {
            return null;
        }
        return new HttpStreamSink(http.getResponse(), Admission.callerStallLimit());
    }
}

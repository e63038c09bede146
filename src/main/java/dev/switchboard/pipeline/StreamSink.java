package dev.switchboard.pipeline;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
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

    /** The sink of an HTTP front door served by platform-http, or null for any other entry (JMS...). */
    static StreamSink of(Exchange exchange) {
        if (!(exchange.getIn() instanceof HttpMessage http)) {
            return null;
        }
        HttpServerResponse response = http.getResponse();
        return new StreamSink() {
            @Override
            public boolean write(String data) {
                if (response.closed() || response.ended()) {
                    return false;
                }
                response.write(Buffer.buffer(data));
                return true;
            }

            @Override
            public void onCallerGone(Runnable action) {
                // Vert.x calls this on the event loop when the connection closes while the response is unfinished.
                if (!response.ended() && !response.closed()) {
                    response.closeHandler(closed -> action.run());
                }
                if (response.closed()) {
                    action.run();
                }
            }
        };
    }
}

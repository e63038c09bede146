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

    /** The sink of an HTTP front door served by platform-http, or null for any other entry (JMS...). */
    static StreamSink of(Exchange exchange) {
        if (!(exchange.getIn() instanceof HttpMessage http)) {
            return null;
        }
        HttpServerResponse response = http.getResponse();
        return data -> {
            if (response.closed() || response.ended()) {
                return false;
            }
            response.write(Buffer.buffer(data));
            return true;
        };
    }
}

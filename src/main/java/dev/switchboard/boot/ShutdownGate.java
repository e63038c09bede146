package dev.switchboard.boot;

import dev.switchboard.api.ErrorBodies;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data plane's door at shutdown. It counts HTTP requests from admission until their response has ended
 * or their connection has closed (a relayed stream ends long after its Camel exchange); once {@link #close}d
 * it answers new requests at once with 503, {@code Retry-After} and {@code Connection: close}, so callers and
 * load balancers go elsewhere while admitted requests finish. The listener itself stays open until the end:
 * Vert.x 4 closes every open connection with it, admitted requests included.
 */
public final class ShutdownGate implements Handler<RoutingContext> {
    /** Seconds a refused caller should wait: about the time another instance needs to take over. */
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final String MESSAGE = "The gateway is shutting down; retry the request (another instance will answer)";

    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closed;

    @Override
    public void handle(RoutingContext ctx) {
        if (closed) {
            refuse(ctx);
            return;
        }
        inFlight.incrementAndGet();
        // Called once, when the response has ended or the connection has failed, whichever comes first.
        ctx.addEndHandler(done -> inFlight.decrementAndGet());
        ctx.next();
    }

    /** From now on new requests are refused; those already admitted go on. */
    public void close() {
        closed = true;
    }

    /** Admitted requests whose response has not ended yet. */
    public int inFlight() {
        return inFlight.get();
    }

    private static void refuse(RoutingContext ctx) {
        String body = ErrorBodies.forPath(ctx.request().path(), 503, MESSAGE, "server_error", "shutting_down").toString();
        ctx.response().setStatusCode(503)
                .putHeader("Content-Type", "application/json")
                .putHeader("Retry-After", RETRY_AFTER_SECONDS)
                .putHeader("Connection", "close")
                .end(body);
    }
}

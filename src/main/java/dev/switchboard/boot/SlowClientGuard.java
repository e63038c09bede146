package dev.switchboard.boot;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts off callers that hold a connection without finishing a request: a new connection must bring its first
 * request within the read timeout, and every request its whole body. The idle timeout closes silent
 * connections; this closes the ones kept just busy enough by a trickle (slow loris).
 */
public final class SlowClientGuard implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(SlowClientGuard.class);

    private final Vertx vertx;
    private final long timeoutMillis;
    /** Connections accepted that have not yet delivered a request's headers; each leaves within the timeout. */
    private final Set<HttpConnection> awaitingFirstRequest = ConcurrentHashMap.newKeySet();

    public SlowClientGuard(Vertx vertx, Duration readTimeout) {
        this.vertx = vertx;
        this.timeoutMillis = readTimeout.toMillis();
    }

    /** For {@code HttpServer.connectionHandler}: the connection has until the timeout to send its first request. */
    public void onConnection(HttpConnection connection) {
        awaitingFirstRequest.add(connection);
        vertx.setTimer(timeoutMillis, id -> {
            if (awaitingFirstRequest.remove(connection)) {
                LOG.debug("Closing a connection from {}: no complete request headers after {} ms", connection.remoteAddress(), timeoutMillis);
                connection.close();
            }
        });
    }

    /** First route handler: the request's body must be in within the timeout, or its connection is closed. */
    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        awaitingFirstRequest.remove(request.connection());
        if (!request.isEnded()) {
            long timer = vertx.setTimer(timeoutMillis, id -> {
                if (!request.isEnded()) {
                    LOG.info("Closing a connection from {}: {} {} sent no complete body in {} ms", request.remoteAddress(),
                            request.method(), request.path(), timeoutMillis);
                    request.connection().close();
                }
            });
            ctx.addEndHandler(done -> vertx.cancelTimer(timer));
        }
        ctx.next();
    }
}

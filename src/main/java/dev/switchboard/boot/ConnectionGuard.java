package dev.switchboard.boot;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps callers from holding connections: a connection with no request in progress is closed after the idle
 * timeout (a request's headers still trickling in count as none: it has not begun), and a request whose body
 * is not in within the read timeout loses its connection (slow loris). A request being served is not cut
 * here: the gateway's own deadlines bound it, a provider may take its first-byte timeout while no byte flows to
 * the caller, and a stream's caller that reads nothing is cut by the relay after the same idle timeout. Install {@link #onConnection} as the server's connection handler and this as the
 * router's first handler.
 */
public final class ConnectionGuard implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    private final Vertx vertx;
    private final long idleMillis;
    private final long readMillis;
    private final Map<HttpConnection, Spells> connections = new ConcurrentHashMap<>();

    public ConnectionGuard(Vertx vertx, ServerLimits limits) {
        this.vertx = vertx;
        this.idleMillis = limits.idleTimeout().toMillis();
        this.readMillis = limits.requestReadTimeout().toMillis();
    }

    /**
     * Options of a server this guards. Without h2c, Vert.x makes the HTTP/1 connection (and calls the connection
     * handler) on accept; with it, a connection that sends nothing stays in protocol sniffing, unseen.
     */
    public static HttpServerOptions serverOptions() {
        return new HttpServerOptions().setHttp2ClearTextEnabled(false);
    }

    /** For {@code HttpServer.connectionHandler}: a new connection starts idle. */
    public void onConnection(HttpConnection connection) {
        Spells spells = new Spells();
        connections.put(connection, spells);
        connection.closeHandler(v -> connections.remove(connection));
        armIdle(connection, spells);
    }

    /** First route handler: the request is in progress until its response is over, and must bring its body in time. */
    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        Spells spells = connections.get(connection);
        if (spells != null) {
            vertx.cancelTimer(spells.begin());
            ctx.addEndHandler(done -> {
                if (spells.end()) {
                    armIdle(connection, spells);
                }
            });
        }
        if (!request.isEnded()) {
            long timer = vertx.setTimer(readMillis, id -> {
                if (!request.isEnded()) {
                    LOG.info("Closing a connection from {}: {} {} sent no complete body in {} ms", request.remoteAddress(),
                            request.method(), request.path(), readMillis);
                    connection.close();
                }
            });
            ctx.addEndHandler(done -> vertx.cancelTimer(timer));
        }
        ctx.next();
    }

    private void armIdle(HttpConnection connection, Spells spells) {
        long spell = spells.spell();
        spells.timer(vertx.setTimer(idleMillis, id -> {
            if (spells.stillIdle(spell)) {
                LOG.debug("Closing a connection from {}: no request for {} ms", connection.remoteAddress(), idleMillis);
                connection.close();
            }
        }));
    }

    /** One connection's requests in progress, and which idle spell (and timer) is current. */
    private static final class Spells {
        private int inProgress;
        private long spell;
        private long timer = -1;

        /** A request began: the idle spell is over; returns the timer to cancel. */
        synchronized long begin() {
            inProgress++;
            spell++;
            return timer;
        }

        /** A request ended; true when the connection is idle again. */
        synchronized boolean end() {
            inProgress--;
            spell++;
            return inProgress == 0;
        }

        synchronized long spell() {
            return spell;
        }

        synchronized void timer(long id) {
            timer = id;
        }

        synchronized boolean stillIdle(long armedAt) {
            return inProgress == 0 && spell == armedAt;
        }
    }
}

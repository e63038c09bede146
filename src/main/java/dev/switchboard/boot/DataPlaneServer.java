package dev.switchboard.boot;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import dev.switchboard.api.ErrorBodies;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;

/**
 * Camel's platform-http server with the gateway's limits. Camel builds its {@code HttpServerOptions} inside
 * {@code startServer} with no hook for a connection handler, so this starts the Vert.x server itself: with the
 * {@link ConnectionGuard} on every connection, and the front handlers (guard, admission) ahead of every route,
 * before any body is read.
 */
public final class DataPlaneServer extends VertxPlatformHttpServer {
    private static final long LISTEN_WAIT_SECONDS = 10;

    private final VertxPlatformHttpServerConfiguration configuration;
    private final ConnectionGuard guard;
    private List<Handler<RoutingContext>> frontHandlers = List.of();
    private volatile HttpServer server;

    public DataPlaneServer(VertxPlatformHttpServerConfiguration configuration, ServerLimits limits, Vertx vertx) {
        super(configuration);
        this.configuration = configuration;
        this.guard = new ConnectionGuard(vertx, limits);
        setVertx(vertx);
    }

    /** Handlers every request passes first, in order, after the connection guard; set before Camel starts. */
    public DataPlaneServer frontHandlers(List<Handler<RoutingContext>> handlers) {
        this.frontHandlers = List.copyOf(handlers);
        return this;
    }

    @Override
    protected void startServer() throws Exception {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort()));
        var first = router.route().order(Integer.MIN_VALUE).handler(guard);
        frontHandlers.forEach(first::handler);
        server = getVertx().createHttpServer(ConnectionGuard.serverOptions())
                .connectionHandler(guard::onConnection)
                .invalidRequestHandler(DataPlaneServer::invalidRequest)
                .requestHandler(router)
                .listen(configuration.getBindPort(), configuration.getBindHost())
                .toCompletionStage().toCompletableFuture().get(LISTEN_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * A request the HTTP codec could not read (request line over 4 KiB, headers over 8 KiB, garbage) never reaches
     * a route; Vert.x's default answers it with an empty body. Callers get the same JSON error shape as anywhere
     * under {@code /v1}, and the connection is closed since the rest of its bytes cannot be trusted.
     */
    private static void invalidRequest(HttpServerRequest request) {
        DecoderResult result = request.decoderResult();
        Throwable cause = result == null ? null : result.cause();
        int status = 400;
        String code = "invalid_http_request";
        String message = "The request is not valid HTTP/1.1: " + (cause == null ? "unreadable" : cause.getClass().getSimpleName());
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
            code = "uri_too_long";
            message = "The request line is over 4096 bytes: shorten the URL (send parameters in the JSON body)";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 431;
            code = "headers_too_large";
            message = "The request headers are over 8 KiB together: send fewer or shorter headers";
        }
        String body = ErrorBodies.forPath(request.path(), status, message, "invalid_request_error", code).toString();
        request.response().setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .putHeader("Connection", "close")
                .end(body)
                .onComplete(done -> request.connection().close());
    }

    @Override
    protected void stopServer() {
        HttpServer s = server;
        server = null;
        if (s != null) {
            // as Camel's own server does, so that a restarted context makes its component anew
            getCamelContext().removeComponent(PlatformHttpConstants.PLATFORM_HTTP_COMPONENT_NAME);
            s.close().toCompletionStage().toCompletableFuture().orTimeout(LISTEN_WAIT_SECONDS, TimeUnit.SECONDS).join();
        }
    }

    @Override
    public HttpServer getServer() {
        return server;
    }

    @Override
    public int getPort() {
        return server != null ? server.actualPort() : configuration.getBindPort();
    }
}

package dev.switchboard.boot;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
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
                .requestHandler(router)
                .listen(configuration.getBindPort(), configuration.getBindHost())
                .toCompletionStage().toCompletableFuture().get(LISTEN_WAIT_SECONDS, TimeUnit.SECONDS);
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

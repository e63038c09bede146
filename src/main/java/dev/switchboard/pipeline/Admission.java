package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.boot.ServerLimits;
import dev.switchboard.providers.Json;
import dev.switchboard.recording.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Admission control of the HTTP data plane: at most {@code limit} requests in flight; one more is answered at
 * once with 503 and {@code Retry-After} (and recorded), never queued for a worker thread. A request counts from
 * its arrival until both its response is over (or its caller gone) and the pipeline has finished with it, so a
 * caller that hangs up cannot leave a worker busy and uncounted. Retry waits happen inside a counted request.
 * JMS requests are not counted here: the route's {@code maxConcurrentConsumers} bounds them.
 */
public final class Admission {
    private static final String PERMIT = "sbPermit";
    /** A rejected caller is told to come back this much later: capacity frees as fast as requests finish. */
    static final long RETRY_AFTER_SECONDS = 1;

    private final int limit;
    private final Duration callerStall;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter rejected;
    private final RecordStage record;

    Admission(ServerLimits limits, MeterRegistry metrics, RecordStage record) {
        this.limit = limits.maxInFlight();
        this.callerStall = limits.idleTimeout();
        this.record = record;
        this.rejected = Counter.builder(MetricNames.ADMISSION_REJECTED).register(metrics);
        Gauge.builder(MetricNames.ADMISSION_IN_FLIGHT, inFlight, AtomicInteger::get).register(metrics);
        Gauge.builder(MetricNames.ADMISSION_LIMIT, () -> limit).register(metrics);
    }

    /** First handler of every data-plane request, before its body is read: admits it or answers 503 now. */
    public void admit(RoutingContext ctx) {
        if (inFlight.incrementAndGet() > limit) {
            inFlight.decrementAndGet();
            reject(ctx);
            return;
        }
        Permit permit = new Permit();
        ctx.put(PERMIT, permit);
        ctx.addEndHandler(done -> permit.release());
        ctx.next();
    }

    /**
     * Last handler before the pipeline: runs the request on a context of its own (same event loop) that carries
     * its permit to the worker thread. Camel writes a streamed body from blocking tasks that Vert.x 4 runs one
     * after another per context, duplicated contexts included; on the shared event-loop context one relaying
     * stream would hold back every other stream of that event loop.
     */
    public void dispatch(RoutingContext ctx) {
        ContextInternal current = (ContextInternal) ctx.vertx().getOrCreateContext();
        ContextInternal own = ((VertxInternal) ctx.vertx())
                .createEventLoopContext(current.nettyEventLoop(), current.workerPool(), current.classLoader());
        Permit permit = ctx.get(PERMIT);
        if (permit != null) {
            own.put(PERMIT, permit);
        }
        own.runOnContext(v -> ctx.next());
    }

    /** Counts the pipeline's work on an admitted HTTP request until its exchange completes; no-op for JMS. */
    static void holdFor(Exchange exchange) {
        Permit permit = currentPermit();
        if (permit != null) {
            permit.hold();
            exchange.getExchangeExtension().addOnCompletion(permit);
        }
    }

    /**
     * How long the current request's caller may take none of its stream: as long as a connection may sit idle.
     * Null outside an admitted HTTP request.
     */
    static Duration callerStallLimit() {
        Permit permit = currentPermit();
        return permit == null ? null : permit.callerStall();
    }

    /** The permit of the admitted HTTP request this thread works for (see {@link #dispatch}); null for JMS and others. */
    private static Permit currentPermit() {
        Context context = Vertx.currentContext();
        return context == null ? null : context.get(PERMIT);
    }

    /** For {@code /health}: how full the data plane is. */
    public ObjectNode saturation() {
        int now = inFlight.get();
        return JsonNodeFactory.instance.objectNode().put("inFlight", now).put("limit", limit)
                .put("rejected", (long) rejected.count()).put("saturated", now >= limit);
    }

    private void reject(RoutingContext ctx) {
        rejected.increment();
        String path = ctx.request().path();
        RequestContext rc = new RequestContext("http", operationOf(path));
        rc.status = 503;
        rc.outcome = "overloaded";
        rc.error = "The gateway is serving its limit of " + limit + " requests; retry after " + RETRY_AFTER_SECONDS + " s";
        ObjectNode body = ErrorBodies.forPath(path, 503, rc.error, "service_unavailable", "overloaded");
        ctx.response().setStatusCode(503)
                .putHeader("Retry-After", Long.toString(RETRY_AFTER_SECONDS))
                .putHeader("Content-Type", "application/json")
                .putHeader("x-switchboard-request-id", rc.requestId)
                .putHeader("x-switchboard-status", "503")
                .end(Buffer.buffer(Json.bytes(body)));
        record.finish(rc);
    }

    private static String operationOf(String path) {
        if (path.startsWith("/v1/chat/completions") || path.startsWith("/v1/messages") || path.startsWith("/v1/responses")) {
            return "chat";
        }
        if (path.startsWith("/v1/embeddings")) {
            return "embeddings";
        }
        return path.startsWith("/v1/models") ? "models" : "unknown";
    }

    /**
     * One admitted request's claim on capacity: held by its HTTP exchange and, while it works, by the pipeline;
     * the request stops counting when the last holder lets go.
     */
    final class Permit extends SynchronizationAdapter {
        private final AtomicInteger holds = new AtomicInteger(1);

        void hold() {
            if (holds.getAndIncrement() == 0) {
                inFlight.incrementAndGet(); // the caller left before the pipeline started: its work still counts
            }
        }

        void release() {
            if (holds.decrementAndGet() == 0) {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public void onDone(Exchange exchange) {
            release();
        }

        Duration callerStall() {
            return callerStall;
        }
    }
}

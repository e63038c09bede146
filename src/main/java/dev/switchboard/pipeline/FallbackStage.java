package dev.switchboard.pipeline;

import dev.switchboard.api.FailureClass;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.recording.Attempt;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * Fallback: walks the chain, sending the exchange to each model's breaker-guarded route in turn. Every try
 * is an attempt in the record, an open breaker included (skipped at once). A caller error stops the walk
 * at once; anything else moves on to the next model.
 */
final class FallbackStage {
    private final ProducerTemplate producer;
    private final ModelCall call;
    private final Duration breakerOpenWait;

    FallbackStage(ProducerTemplate producer, ModelCall call, Duration breakerOpenWait) {
        this.producer = producer;
        this.call = call;
        this.breakerOpenWait = breakerOpenWait;
    }

    void walk(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ProviderFailure last = null;
        boolean lastWasOpenBreaker = false;
        for (Target target : ctx.chain) {
            if (!target.provider().enabled()) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "disabled", 0, 0));
                continue;
            }
            exchange.setVariable(ModelCall.TARGET, target);
            exchange.removeVariable(ModelCall.CALLED);
            exchange.removeVariable(ModelCall.FAILURE);
            long start = System.nanoTime();
            Throwable error = null;
            try {
                exchange.setVariable(ModelCall.REQUEST, call.translate(ctx, target, exchange));
                producer.send(PipelineRoutes.modelEndpoint(target), exchange);
                error = exchange.getException();
            } catch (ProviderFailure refusedBeforeCall) {
                exchange.setVariable(ModelCall.CALLED, Boolean.TRUE);
                exchange.setVariable(ModelCall.FAILURE, refusedBeforeCall);
            } catch (UnsupportedOperationException unsupported) {
                exchange.setVariable(ModelCall.CALLED, Boolean.TRUE);
                exchange.setVariable(ModelCall.FAILURE, new ProviderFailure(FailureClass.BAD_REQUEST, unsupported.getMessage()));
            }
            exchange.removeVariable(ModelCall.REQUEST);
            long millis = (System.nanoTime() - start) / 1_000_000;
            exchange.setException(null);
            exchange.setRouteStop(false);
            // An open breaker skips the steps inside it without an exception: the call was never prepared.
            // (A failed call comes back with its exception only; the breaker's working copy is not merged.)
            boolean shortCircuited = error == null
                    ? exchange.getVariable(ModelCall.CALLED) == null
                    : find(error, CallNotPermittedException.class) != null;
            if (shortCircuited) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "breaker_open", millis, 0));
                lastWasOpenBreaker = true;
                continue;
            }
            if (error == null && exchange.getVariable(ModelCall.FAILURE) == null) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "ok", millis, 200));
                ctx.servedModel = target.model();
                ctx.servedProvider = target.provider();
                ctx.servedModelName = target.name();
                return;
            }
            ProviderFailure failure = error == null ? exchange.getVariable(ModelCall.FAILURE, ProviderFailure.class) : classify(error);
            ctx.attempts.add(new Attempt(target.name(), target.provider().id(), failure.failureClass().label(), millis, failure.upstreamStatus()));
            last = failure;
            lastWasOpenBreaker = false;
            if (!failure.failureClass().fallsBack()) {
                ctx.servedModelName = target.name();
                ctx.servedModel = target.model();
                ctx.servedProvider = target.provider();
                throw new GatewayError(400, "invalid_request_error", null, null,
                        "The provider refused the request as invalid: " + failure.getMessage());
            }
        }
        throw exhausted(ctx, last, lastWasOpenBreaker);
    }

    private GatewayError exhausted(RequestContext ctx, ProviderFailure last, boolean openBreaker) {
        int tried = ctx.attempts.size();
        if (last == null && !openBreaker) {
            return new GatewayError(503, "service_unavailable", "no_provider_enabled", "model",
                    "No model of the chain " + ctx.chain.stream().map(Target::name).toList() + " can be called: "
                            + ctx.chain.get(0).provider().disabledReason());
        }
        if (openBreaker && (last == null || ctx.attempts.get(tried - 1).outcome().equals("breaker_open"))) {
            return new GatewayError(503, "service_unavailable", "circuit_open", null,
                    "Every model of the chain is failing and paused (circuit breaker open); retry after "
                            + breakerOpenWait.toSeconds() + " s").withRetryAfter(breakerOpenWait.toSeconds());
        }
        FailureClass fc = last.failureClass();
        GatewayError error = new GatewayError(fc.callerStatus(), fc == FailureClass.RATE_LIMIT ? "rate_limit_error" : "upstream_error",
                fc.code(), null, "All " + tried + " attempt(s) failed; last: " + ctx.attempts.get(tried - 1).model() + ": " + last.getMessage());
        return last.retryAfter().map(d -> error.withRetryAfter(Math.max(1, (d.toMillis() + 999) / 1000))).orElse(error);
    }

    /** Transport failures from camel-http, as failure classes. */
    static ProviderFailure classify(Throwable error) {
        ProviderFailure pf = find(error, ProviderFailure.class);
        if (pf != null) {
            return pf;
        }
        if (find(error, ConnectTimeoutException.class) != null) {
            return new ProviderFailure(FailureClass.TIMEOUT, "could not connect to the provider in time");
        }
        if (find(error, SocketTimeoutException.class) != null) {
            return new ProviderFailure(FailureClass.TIMEOUT, "the provider did not answer in time");
        }
        if (find(error, ConnectException.class) != null) {
            return new ProviderFailure(FailureClass.SERVER_ERROR, "could not connect to the provider (connection refused)");
        }
        return new ProviderFailure(FailureClass.SERVER_ERROR, "the call to the provider failed: " + error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : ": " + error.getMessage()));
    }

    static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}

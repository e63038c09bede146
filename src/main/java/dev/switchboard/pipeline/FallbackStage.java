package dev.switchboard.pipeline;

import dev.switchboard.api.ChatRequest;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.GatewayError;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.recording.Attempt;
import dev.switchboard.resilience.BreakerRegistry;
import dev.switchboard.resilience.ModelHealth;
import dev.switchboard.resilience.RateLimiters;
import dev.switchboard.resilience.RetryPolicy;
import dev.switchboard.routing.Decision;
import dev.switchboard.routing.FailedAttempt;
import dev.switchboard.routing.RulesHolder;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.hc.client5.http.ConnectTimeoutException;

/**
 * Fallback: walks the chain, sending the exchange to each model's breaker-guarded route in turn. Every try
 * is an attempt in the record, an open breaker included (skipped at once). A caller error stops the walk at
 * once; otherwise {@link RetryPolicy} decides, within the chain's attempt budget and deadline, whether to
 * move on, wait and retry the same model, or answer with the failure.
 */
final class FallbackStage {
    private final ProducerTemplate producer;
    private final ModelCall call;
    private final BreakerRegistry breakers;
    private final ModelHealth health;
    private final RateLimiters limiters;
    private final RulesHolder rules;
    private final ContextStage context;

    FallbackStage(ProducerTemplate producer, ModelCall call, BreakerRegistry breakers, ModelHealth health, RateLimiters limiters,
                  RulesHolder rules, ContextStage context) {
        this.rules = rules;
        this.context = context;
        this.producer = producer;
        this.call = call;
        this.breakers = breakers;
        this.health = health;
        this.limiters = limiters;
    }

    /** Zero when the model has headroom (and takes it); else how long until it has. */
    private Duration localLimitWait(RequestContext ctx, Target target) {
        String key = PipelineRoutes.breakerKey(target);
        java.time.Instant exhausted = health.exhaustedUntil(key);
        if (exhausted != null) {
            return Duration.between(java.time.Instant.now(), exhausted);
        }
        ChatRequest sent = ctx.fitted != null ? ctx.fitted : ctx.request;
        int tokens = sent == null ? ctx.estimatedPromptTokens : TokenEstimate.withAnswer(ctx.promptTokens.at(sent, target), sent.body());
        RateLimiters.Permit provider = limiters.tryAcquire("provider:" + target.provider().id(), target.provider().rateLimit(), tokens);
        if (!provider.allowed()) {
            return provider.retryAfter();
        }
        if (target.model() == null) {
            return Duration.ZERO;
        }
        RateLimiters.Permit permit = limiters.tryAcquire("model:" + key, target.model().rateLimit(), tokens);
        return permit.allowed() ? Duration.ZERO : permit.retryAfter();
    }

    void walk(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ChainSpec chain = ctx.chainSpec;
        long deadline = ctx.startNanos + chain.deadline().toNanos();
        ProviderFailure last = null;
        boolean lastWasOpenBreaker = false;
        // A model with several deployments may try each of them: they add to the chain's budget.
        int budget = chain.maxAttempts() + Math.max(0, ctx.chain.size() - chain.models().size());
        int used = 0;
        int tooSmallWindow = 0;
        Duration localWait = null;
        for (int i = 0; i < ctx.chain.size(); i++) {
            Target target = ctx.chain.get(i);
            if (!target.provider().enabled()) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "disabled", 0, 0));
                continue;
            }
            if (tooSmallWindow > 0 && target.model() != null && target.model().contextWindow() <= tooSmallWindow) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "skipped_context", 0, 0));
                continue;
            }
            context.fit(ctx, target);
            Duration noHeadroom = localLimitWait(ctx, target);
            if (!noHeadroom.isZero() && !noHeadroom.isNegative()) {
                ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "rate_limited_local", 0, 0));
                localWait = localWait == null || noHeadroom.compareTo(localWait) < 0 ? noHeadroom : localWait;
                continue;
            }
            long waitMs = 0;
            for (int tries = 1; ; tries++) {
                if (used >= budget || System.nanoTime() >= deadline) {
                    throw exhausted(ctx, last, lastWasOpenBreaker);
                }
                used++;
                exchange.setVariable(ModelCall.FILTER_FALLS_BACK,
                        chain.retries(ChainSpec.RetryOn.CONTENT_FILTER) && anotherModelLeft(ctx, i));
                Outcome outcome = attempt(exchange, ctx, target, waitMs);
                if (outcome == Outcome.OK) {
                    return;
                }
                if (outcome == Outcome.BREAKER_OPEN) {
                    lastWasOpenBreaker = true;
                    break;
                }
                last = exchange.getVariable(ModelCall.FAILURE, ProviderFailure.class);
                lastWasOpenBreaker = false;
                if (!last.failureClass().fallsBack()) {
                    ctx.servedModelName = target.name();
                    ctx.servedModel = target.model();
                    ctx.servedProvider = target.provider();
                    throw new GatewayError(400, "invalid_request_error", null, null,
                            "The provider refused the request as invalid: " + last.getMessage());
                }
                RetryPolicy.Next next = RetryPolicy.after(last.failureClass(), last.retryAfter().orElse(null), chain, tries,
                        anotherModelLeft(ctx, i), budget - used, Duration.ofNanos(deadline - System.nanoTime()));
                next = customCondition(ctx, target, last, used, next, anotherModelLeft(ctx, i));
                if (next instanceof RetryPolicy.RetrySame retry) {
                    waitMs = retry.delay().toMillis();
                    pause(waitMs);
                    continue;
                }
                if (next instanceof RetryPolicy.NextModel nextModel && nextModel.needsLargerContext() && target.model() != null) {
                    tooSmallWindow = Math.max(tooSmallWindow, target.model().contextWindow());
                }
                if (next instanceof RetryPolicy.Stop) {
                    throw exhausted(ctx, last, false);
                }
                break;
            }
        }
        if (last == null && !lastWasOpenBreaker && localWait != null) {
            long seconds = Math.max(1, (localWait.toMillis() + 999) / 1000);
            throw new GatewayError(429, "rate_limit_error", "rate_limit_exceeded", null,
                    "Every model of the chain is at its rate limit; retry after " + seconds + " s").withRetryAfter(seconds);
        }
        throw exhausted(ctx, last, lastWasOpenBreaker);
    }

    /** The chain's custom retry condition: rules about {@code FailedAttempt} may overrule the chain's own. */
    private RetryPolicy.Next customCondition(RequestContext ctx, Target target, ProviderFailure failure, int attempt,
                                             RetryPolicy.Next chainSays, boolean anotherModelLeft) {
        Decision verdict = rules.decideOnFailure(new FailedAttempt(target.name(), target.provider().id(), failure.failureClass().label(),
                attempt, ctx.chainSpec.id() == null ? "" : ctx.chainSpec.id(), ctx.caller));
        if (verdict.verdict() != Decision.Verdict.CHAIN_DECIDES) {
            ctx.tags.add("retry rule: " + verdict.rule());
        }
        return switch (verdict.verdict()) {
            case GIVE_UP -> new RetryPolicy.Stop();
            case FALL_BACK -> anotherModelLeft ? new RetryPolicy.NextModel(false) : chainSays;
            case CHAIN_DECIDES -> chainSays;
        };
    }

    private enum Outcome { OK, BREAKER_OPEN, FAILED }

    /** One call of one model through its breaker-guarded route; the failure, if any, is left in the FAILURE variable. */
    private Outcome attempt(Exchange exchange, RequestContext ctx, Target target, long waitMs) {
        exchange.setVariable(ModelCall.TARGET, target);
        exchange.removeVariable(ModelCall.CALLED);
        exchange.removeVariable(ModelCall.FAILURE);
        long start = System.nanoTime();
        Throwable error = null;
        health.begin(target.key());
        try {
            exchange.setVariable(ModelCall.REQUEST, call.translate(ctx, target, exchange));
            send(exchange, target);
            error = exchange.getException();
        } catch (ProviderFailure refusedBeforeCall) {
            exchange.setVariable(ModelCall.CALLED, Boolean.TRUE);
            exchange.setVariable(ModelCall.FAILURE, refusedBeforeCall);
        } catch (UnsupportedOperationException unsupported) {
            exchange.setVariable(ModelCall.CALLED, Boolean.TRUE);
            exchange.setVariable(ModelCall.FAILURE, new ProviderFailure(FailureClass.BAD_REQUEST, unsupported.getMessage()));
        } finally {
            health.end(target.key());
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
            ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "breaker_open", millis, 0, waitMs));
            return Outcome.BREAKER_OPEN;
        }
        if (error == null && exchange.getVariable(ModelCall.FAILURE) == null) {
            health.success(PipelineRoutes.breakerKey(target), millis);
            ctx.attempts.add(new Attempt(target.name(), target.provider().id(), "ok", millis, 200, waitMs));
            ctx.servedModel = target.model();
            ctx.servedProvider = target.provider();
            ctx.servedModelName = target.name();
            return Outcome.OK;
        }
        ProviderFailure failure = error == null ? exchange.getVariable(ModelCall.FAILURE, ProviderFailure.class) : classify(error);
        exchange.setVariable(ModelCall.FAILURE, failure);
        health.failure(PipelineRoutes.breakerKey(target), failure.failureClass().label());
        if (failure.failureClass() == FailureClass.RATE_LIMIT) {
            failure.retryAfter().ifPresent(hint -> breakers.holdOpenFor(PipelineRoutes.breakerKey(target), hint));
        }
        ctx.attempts.add(new Attempt(target.name(), target.provider().id(), failure.failureClass().label(), millis,
                failure.upstreamStatus(), waitMs));
        return Outcome.FAILED;
    }

    /**
     * Sends the exchange to the target's route. A catalog model's route has its breaker inside; an ad-hoc model
     * shares its provider's route, so its own breaker guards the call here, counting as the route's would: an
     * exception is a failure, anything else a success, and a refused call is never prepared (read as an open breaker).
     */
    private void send(Exchange exchange, Target target) {
        String endpoint = PipelineRoutes.modelEndpoint(target);
        if (!PipelineRoutes.isAdHoc(target)) {
            producer.send(endpoint, exchange);
            return;
        }
        CircuitBreaker breaker = breakers.breaker(PipelineRoutes.breakerKey(target));
        if (!breaker.tryAcquirePermission()) {
            return;
        }
        long start = breaker.getCurrentTimestamp();
        producer.send(endpoint, exchange);
        long took = breaker.getCurrentTimestamp() - start;
        if (exchange.getException() == null) {
            breaker.onSuccess(took, breaker.getTimestampUnit());
        } else {
            breaker.onError(took, breaker.getTimestampUnit(), exchange.getException());
        }
    }

    private static boolean anotherModelLeft(RequestContext ctx, int index) {
        for (int j = index + 1; j < ctx.chain.size(); j++) {
            if (ctx.chain.get(j).provider().enabled()) {
                return true;
            }
        }
        return false;
    }

    /** Waits out a backoff or a provider's Retry-After on this worker thread (bounded by the request's deadline). */
    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private GatewayError exhausted(RequestContext ctx, ProviderFailure last, boolean openBreaker) {
        int tried = ctx.attempts.size();
        if (last == null && !openBreaker) {
            return new GatewayError(503, "service_unavailable", "no_provider_enabled", "model",
                    "No model of the chain " + ctx.chain.stream().map(Target::name).toList() + " can be called: "
                            + ctx.chain.get(0).provider().disabledReason());
        }
        if (openBreaker && (last == null || ctx.attempts.get(tried - 1).outcome().equals("breaker_open"))) {
            // The earliest moment any model of the chain takes a call again: what the caller should wait.
            long seconds = Math.max(1, ctx.chain.stream().map(t -> breakers.untilReopen(PipelineRoutes.breakerKey(t)))
                    .filter(d -> !d.isZero()).min(Duration::compareTo).orElse(Duration.ofSeconds(1)).toMillis() / 1000 + 1);
            return new GatewayError(503, "service_unavailable", "circuit_open", null,
                    "Every model of the chain is failing and paused (circuit breaker open); retry after " + seconds + " s")
                    .withRetryAfter(seconds);
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

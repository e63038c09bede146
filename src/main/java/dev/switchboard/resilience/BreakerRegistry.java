package dev.switchboard.resilience;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.TreeMap;

/**
 * One Resilience4j circuit breaker per model, shared with Camel's {@code circuitBreaker} EIP by name so the
 * breaker the route uses is the one operators and tests can read.
 */
public final class BreakerRegistry {
    /** Resilience4j's default of 100 calls would let a dead model fail 100 requests before opening. */
    public static final int DEFAULT_MINIMUM_CALLS = 5;
    public static final int DEFAULT_WINDOW_SIZE = 20;
    public static final float DEFAULT_FAILURE_RATE_PERCENT = 50f;
    public static final Duration DEFAULT_OPEN_WAIT = Duration.ofSeconds(30);
    public static final int DEFAULT_HALF_OPEN_CALLS = 2;

    private final CircuitBreakerRegistry registry;
    private final Duration openWait;
    private final Clock clock;
    /** When each open breaker opened: the earliest reopening is what a 503's Retry-After promises. */
    private final Map<String, Instant> openedAt = new ConcurrentHashMap<>();
    private final Map<String, Instant> reopenAt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "breaker-reopen");
        t.setDaemon(true);
        return t;
    });

    public BreakerRegistry(int minimumCalls, Duration openWait) {
        this(minimumCalls, openWait, Clock.systemUTC());
    }

    public BreakerRegistry(int minimumCalls, Duration openWait, Clock clock) {
        this.openWait = openWait;
        this.clock = clock;
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(Math.max(minimumCalls, DEFAULT_WINDOW_SIZE))
                .failureRateThreshold(DEFAULT_FAILURE_RATE_PERCENT)
                .waitDurationInOpenState(openWait)
                .permittedNumberOfCallsInHalfOpenState(DEFAULT_HALF_OPEN_CALLS)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
        this.registry = CircuitBreakerRegistry.of(config);
        registry.getEventPublisher().onEntryAdded(added -> added.getAddedEntry().getEventPublisher().onStateTransition(t -> {
            if (t.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAt.put(t.getCircuitBreakerName(), clock.instant());
            } else {
                openedAt.remove(t.getCircuitBreakerName());
            }
        }));
    }

    public CircuitBreaker breaker(String name) {
        return registry.circuitBreaker(name);
    }

    /** How long until this breaker lets a probe call through; zero when it is not open. */
    public Duration untilReopen(String name) {
        Instant hinted = reopenAt.get(name);
        CircuitBreaker.State state = breaker(name).getState();
        if (hinted != null && state == CircuitBreaker.State.FORCED_OPEN) {
            Duration left = Duration.between(clock.instant(), hinted);
            return left.isNegative() ? Duration.ZERO : left;
        }
        Instant opened = openedAt.get(name);
        if (opened == null || state != CircuitBreaker.State.OPEN) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(clock.instant(), opened.plus(openWait));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /**
     * A breaker that a rate limit just opened waits for the provider's own reset hint instead of the fixed
     * open wait: held open until then, then half-open for a probe call.
     */
    public void holdOpenFor(String name, Duration hint) {
        CircuitBreaker cb = breaker(name);
        if (cb.getState() != CircuitBreaker.State.OPEN || hint.isZero() || hint.isNegative()) {
            return;
        }
        Instant until = clock.instant().plus(hint);
        cb.transitionToForcedOpenState();
        reopenAt.put(name, until);
        scheduler.schedule(() -> {
            if (cb.getState() == CircuitBreaker.State.FORCED_OPEN && until.equals(reopenAt.get(name))) {
                reopenAt.remove(name);
                cb.transitionToHalfOpenState();
            }
        }, hint.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void close() {
        scheduler.shutdownNow();
    }

    public CircuitBreakerRegistry registry() {
        return registry;
    }

    /** Name → state, sorted, for the management API. */
    public Map<String, String> states() {
        Map<String, String> states = new TreeMap<>();
        registry.getAllCircuitBreakers().forEach(cb -> states.put(cb.getName(), cb.getState().name()));
        return states;
    }
}

package dev.switchboard.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
 * One Resilience4j circuit breaker per model. A catalog model's breaker lives in the registry, shared with its
 * route's {@code circuitBreaker} EIP by name (and published as metrics). A model the catalog does not list
 * (an ad-hoc {@code provider/model-id}, named by the caller) gets a breaker of its own outside the registry, in
 * a bounded cache: callers can neither mint breaker metrics nor grow memory without limit, and one failing
 * ad-hoc model never pauses another.
 */
public final class BreakerRegistry {
    /** Resilience4j's default of 100 calls would let a dead model fail 100 requests before opening. */
    public static final int DEFAULT_MINIMUM_CALLS = 5;
    public static final int DEFAULT_WINDOW_SIZE = 20;
    public static final float DEFAULT_FAILURE_RATE_PERCENT = 50f;
    public static final Duration DEFAULT_OPEN_WAIT = Duration.ofSeconds(30);
    public static final int DEFAULT_HALF_OPEN_CALLS = 2;
    /** Ad-hoc models whose breaker is remembered; the least used beyond this are forgotten. */
    public static final int DEFAULT_AD_HOC_MODELS = 4096;

    private final CircuitBreakerRegistry registry;
    private final CircuitBreakerConfig config;
    private final Cache<String, CircuitBreaker> adHoc;
    private final int adHocLimit;
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

    public BreakerRegistry(int minimumCalls, Duration openWait, int adHocLimit) {
        this(minimumCalls, openWait, adHocLimit, Clock.systemUTC());
    }

    public BreakerRegistry(int minimumCalls, Duration openWait, int adHocLimit, Clock clock) {
        this.openWait = openWait;
        this.clock = clock;
        this.adHocLimit = adHocLimit;
        this.config = CircuitBreakerConfig.custom()
                .minimumNumberOfCalls(minimumCalls)
                .slidingWindowSize(Math.max(minimumCalls, DEFAULT_WINDOW_SIZE))
                .failureRateThreshold(DEFAULT_FAILURE_RATE_PERCENT)
                .waitDurationInOpenState(openWait)
                .permittedNumberOfCallsInHalfOpenState(DEFAULT_HALF_OPEN_CALLS)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
        this.registry = CircuitBreakerRegistry.of(config);
        registry.getEventPublisher().onEntryAdded(added -> watchOpening(added.getAddedEntry()));
        // Evicted on the calling thread, so the cache never holds more than its bound, even for a moment.
        this.adHoc = Caffeine.newBuilder().maximumSize(adHocLimit).executor(Runnable::run)
                .<String, CircuitBreaker>evictionListener((name, cb, cause) -> {
                    openedAt.remove(name);
                    reopenAt.remove(name);
                })
                .build();
    }

    private void watchOpening(CircuitBreaker cb) {
        cb.getEventPublisher().onStateTransition(t -> {
            if (t.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAt.put(t.getCircuitBreakerName(), clock.instant());
            } else {
                openedAt.remove(t.getCircuitBreakerName());
            }
        });
    }

    /** The breaker a catalog model's route binds to its {@code circuitBreaker} EIP: kept, and published as metrics. */
    public CircuitBreaker routeBreaker(String name) {
        return registry.circuitBreaker(name);
    }

    /** A model's breaker: its route's for a catalog model, else the ad-hoc model's own (made on first use). */
    public CircuitBreaker breaker(String name) {
        return registry.find(name).orElseGet(() -> adHoc.get(name, this::newAdHoc));
    }

    private CircuitBreaker newAdHoc(String name) {
        CircuitBreaker cb = CircuitBreaker.of(name, config);
        watchOpening(cb);
        return cb;
    }

    /** The ad-hoc models' breakers remembered now, by name (never more than {@link #adHocLimit()}). */
    public Map<String, CircuitBreaker> adHocBreakers() {
        return Map.copyOf(adHoc.asMap());
    }

    public int adHocLimit() {
        return adHocLimit;
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

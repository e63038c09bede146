package dev.switchboard.resilience;

import dev.switchboard.catalog.RateLimit;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Local token buckets, one per model and per calling agent: requests per minute and tokens per minute, refilled
 * continuously. In memory, no I/O on the request path; a bucket costs a few arithmetic operations under its
 * own lock. Instances sharing a database each take an equal share of every limit (the limit divided by the live
 * instances, at least 1 per minute), so the fleet holds the limit without a shared counter on the request path.
 */
public final class RateLimiters {
    private final Map<String, Bucket> requests = new ConcurrentHashMap<>();
    private final Map<String, Bucket> tokens = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private volatile IntSupplier instances = () -> 1;

    public RateLimiters(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** How many live instances share the limits; this instance enforces its share of each. */
    public void sharedBy(IntSupplier liveInstances) {
        this.instances = liveInstances;
    }

    /** The answer of one take: allowed or not, and what a caller should be told. */
    public record Permit(boolean allowed, Duration retryAfter, int limit, int remaining, Duration reset) {
        static final Permit UNLIMITED = new Permit(true, Duration.ZERO, 0, 0, Duration.ZERO);
    }

    /** Takes one request and {@code estimatedTokens} tokens from {@code key}'s buckets, or nothing when either is short. */
    public Permit tryAcquire(String key, RateLimit fleetLimit, int estimatedTokens) {
        if (!fleetLimit.limited()) {
            return Permit.UNLIMITED;
        }
        RateLimit limit = share(fleetLimit, Math.max(1, instances.getAsInt()));
        long now = nanoClock.getAsLong();
        Bucket rq = limit.requestsPerMinute() > 0 ? requests.computeIfAbsent(key, k -> new Bucket(limit.requestsPerMinute(), now)) : null;
        Bucket tk = limit.tokensPerMinute() > 0 ? tokens.computeIfAbsent(key, k -> new Bucket(limit.tokensPerMinute(), now)) : null;
        // Lock order is fixed (requests, then tokens) so two takes never deadlock.
        synchronized (rq != null ? rq : this) {
            synchronized (tk != null ? tk : this) {
                Duration waitRq = rq == null ? Duration.ZERO : rq.shortfall(1, now, limit.requestsPerMinute());
                int tokensNeeded = tk == null ? 0 : Math.min(estimatedTokens, limit.tokensPerMinute());
                Duration waitTk = tk == null ? Duration.ZERO : tk.shortfall(tokensNeeded, now, limit.tokensPerMinute());
                Duration wait = waitRq.compareTo(waitTk) >= 0 ? waitRq : waitTk;
                int limitShown = rq != null ? limit.requestsPerMinute() : limit.tokensPerMinute();
                if (!wait.isZero()) {
                    return new Permit(false, wait, limitShown, rq == null ? 0 : (int) rq.level, wait);
                }
                if (rq != null) {
                    rq.level -= 1;
                }
                if (tk != null) {
                    tk.level -= tokensNeeded;
                }
                Bucket shown = rq != null ? rq : tk;
                Duration reset = Duration.ofMillis((long) ((shown.capacity - shown.level) * 60_000 / shown.capacity));
                return new Permit(true, Duration.ZERO, limitShown, (int) shown.level, reset);
            }
        }
    }

    /** This instance's part of a fleet-wide limit: rounded down, so the parts never add up to more than the whole. */
    private static RateLimit share(RateLimit fleet, int instances) {
        if (instances == 1) {
            return fleet;
        }
        return new RateLimit(part(fleet.requestsPerMinute(), instances), part(fleet.tokensPerMinute(), instances));
    }

    private static int part(int perMinute, int instances) {
        return perMinute <= 0 ? 0 : Math.max(1, perMinute / instances);
    }

    private static final class Bucket {
        double capacity;
        double level;
        long updated;

        Bucket(int perMinute, long now) {
            this.capacity = perMinute;
            this.level = perMinute;
            this.updated = now;
        }

        /** Refills, then says how long until {@code amount} is available (zero when it is). */
        Duration shortfall(int amount, long now, int perMinute) {
            // The share changes when instances come and go: a smaller share caps what is saved up at once.
            capacity = perMinute;
            double refill = (now - updated) / 60e9 * perMinute;
            level = Math.min(capacity, level + refill);
            updated = now;
            if (level >= amount) {
                return Duration.ZERO;
            }
            double missing = amount - level;
            return Duration.ofMillis((long) Math.ceil(missing * 60_000 / perMinute));
        }
    }
}

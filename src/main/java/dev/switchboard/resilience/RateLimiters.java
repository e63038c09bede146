package dev.switchboard.resilience;

import dev.switchboard.catalog.RateLimit;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Local token buckets, one per model and per calling agent: requests per minute and tokens per minute, refilled
 * continuously. In memory, no I/O on the request path; a bucket costs a few arithmetic operations under its
 * own lock. (Across several gateway instances each keeps its own buckets: set limits per instance.)
 */
public final class RateLimiters {
    private final Map<String, Bucket> requests = new ConcurrentHashMap<>();
    private final Map<String, Bucket> tokens = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    public RateLimiters(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The answer of one take: allowed or not, and what a caller should be told. */
    public record Permit(boolean allowed, Duration retryAfter, int limit, int remaining, Duration reset) {
        static final Permit UNLIMITED = new Permit(true, Duration.ZERO, 0, 0, Duration.ZERO);
    }

    /** Takes one request and {@code estimatedTokens} tokens from {@code key}'s buckets, or nothing when either is short. */
    public Permit tryAcquire(String key, RateLimit limit, int estimatedTokens) {
        if (!limit.limited()) {
            return Permit.UNLIMITED;
        }
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

    private static final class Bucket {
        final double capacity;
        double level;
        long updated;

        Bucket(int perMinute, long now) {
            this.capacity = perMinute;
            this.level = perMinute;
            this.updated = now;
        }

        /** Refills, then says how long until {@code amount} is available (zero when it is). */
        Duration shortfall(int amount, long now, int perMinute) {
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

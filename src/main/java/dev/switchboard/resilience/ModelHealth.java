package dev.switchboard.resilience;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What live traffic (and the active probe) says about each model: recent latencies, the last failure, the
 * rate-limit headroom the provider reported. The passive half of the health monitor; updates are a few
 * field writes per attempt, reads build snapshots for the status API and the rules. Callers name ad-hoc models,
 * so the entries are bounded: beyond {@code maxModels} the least used are forgotten (as if never seen).
 */
public final class ModelHealth {
    private static final Pattern GO_DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    /** Latency percentiles over the last this-many successful attempts. */
    public static final int LATENCY_WINDOW = 128;

    private final Cache<String, Entry> entries;
    private final Clock clock;

    public ModelHealth(Clock clock) {
        this(clock, BreakerRegistry.DEFAULT_AD_HOC_MODELS);
    }

    public ModelHealth(Clock clock, int maxModels) {
        this.clock = clock;
        // Evicted on the calling thread, so the bound holds at every moment.
        this.entries = Caffeine.newBuilder().maximumSize(maxModels).executor(Runnable::run).build();
    }

    /** How many models have an entry now (at most the bound given at construction). */
    public long size() {
        return entries.estimatedSize();
    }

    /** A call starts: counted until {@link #end}, for least-busy balancing. */
    public void begin(String model) {
        entry(model).inFlight.incrementAndGet();
    }

    public void end(String model) {
        Entry e = entries.getIfPresent(model);
        if (e != null) {
            // An entry forgotten and made again during the call started from zero: never count below it.
            e.inFlight.updateAndGet(n -> Math.max(0, n - 1));
        }
    }

    public int inFlight(String model) {
        Entry e = entries.getIfPresent(model);
        return e == null ? 0 : e.inFlight.get();
    }

    /** A successful attempt and how long it took. */
    public void success(String model, long latencyMs) {
        entry(model).success(latencyMs, clock.instant());
    }

    /** A failed attempt and its failure class label. */
    public void failure(String model, String failureClass) {
        entry(model).failure(failureClass, clock.instant());
    }

    /**
     * Rate-limit headroom from a provider's response headers: OpenAI's and most compatible providers'
     * {@code x-ratelimit-remaining-requests}, Anthropic's {@code anthropic-ratelimit-requests-remaining}.
     */
    public void headers(String model, Function<String, String> header) {
        String remaining = first(header, "x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining");
        if (remaining == null) {
            return;
        }
        long left;
        try {
            left = Long.parseLong(remaining.trim());
        } catch (NumberFormatException e) {
            return; // a provider sending something else here tells us nothing
        }
        Entry e = entry(model);
        e.remainingRequests = left;
        if (left <= 0) {
            Duration reset = resetOf(header);
            e.exhaustedUntil = clock.instant().plus(reset != null ? reset : Duration.ofSeconds(1));
        }
    }

    /** Until when the provider said this model has no requests left (learned from its headers); null when it has. */
    public Instant exhaustedUntil(String model) {
        Entry e = entries.getIfPresent(model);
        Instant until = e == null ? null : e.exhaustedUntil;
        return until != null && until.isAfter(clock.instant()) ? until : null;
    }

    /** OpenAI's Go-style duration ("1s", "6m0s", "12ms") or Anthropic's RFC 3339 reset time. */
    private Duration resetOf(Function<String, String> header) {
        String go = header.apply("x-ratelimit-reset-requests");
        if (go != null) {
            Matcher m = GO_DURATION_PART.matcher(go);
            double millis = 0;
            while (m.find()) {
                double v = Double.parseDouble(m.group(1));
                millis += switch (m.group(2)) {
                    case "ms" -> v;
                    case "s" -> v * 1000;
                    case "m" -> v * 60_000;
                    default -> v * 3_600_000;
                };
            }
            return millis > 0 ? Duration.ofMillis((long) millis) : null;
        }
        String at = header.apply("anthropic-ratelimit-requests-reset");
        if (at != null) {
            try {
                Duration d = Duration.between(clock.instant(), Instant.parse(at.trim()));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
        return null;
    }

    public Optional<Snapshot> snapshot(String model) {
        Entry e = entries.getIfPresent(model);
        return e == null ? Optional.empty() : Optional.of(e.snapshot());
    }

    /** When the model last saw traffic (or a probe), if ever. */
    public Optional<Instant> lastSeen(String model) {
        Entry e = entries.getIfPresent(model);
        return e == null ? Optional.empty() : Optional.ofNullable(e.lastSeen);
    }

    private Entry entry(String model) {
        return entries.get(model, k -> new Entry());
    }

    private static String first(Function<String, String> header, String... names) {
        for (String n : names) {
            String v = header.apply(n);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** One model's health at a moment. Latencies are -1 before any success; remainingRequests -1 when unknown. */
    public record Snapshot(long successes, long failures, String lastError, Instant lastErrorAt, long latencyP50Ms,
                           long latencyP95Ms, long remainingRequests, Instant lastSeen) {
    }

    private static final class Entry {
        private final long[] latencies = new long[LATENCY_WINDOW];
        private int next;
        private int filled;
        private long successes;
        private long failures;
        private volatile String lastError;
        private volatile Instant lastErrorAt;
        private volatile long remainingRequests = -1;
        private volatile Instant lastSeen;
        private volatile Instant exhaustedUntil;
        private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

        synchronized void success(long latencyMs, Instant now) {
            latencies[next] = latencyMs;
            next = (next + 1) % latencies.length;
            filled = Math.min(filled + 1, latencies.length);
            successes++;
            lastSeen = now;
        }

        synchronized void failure(String failureClass, Instant now) {
            failures++;
            lastError = failureClass;
            lastErrorAt = now;
            lastSeen = now;
        }

        synchronized Snapshot snapshot() {
            long p50 = -1;
            long p95 = -1;
            if (filled > 0) {
                long[] sorted = Arrays.copyOf(latencies, filled);
                Arrays.sort(sorted);
                p50 = sorted[(int) Math.ceil(0.50 * filled) - 1];
                p95 = sorted[(int) Math.ceil(0.95 * filled) - 1];
            }
            return new Snapshot(successes, failures, lastError, lastErrorAt, p50, p95, remainingRequests, lastSeen);
        }
    }
}

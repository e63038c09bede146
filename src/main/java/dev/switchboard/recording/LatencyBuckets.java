package dev.switchboard.recording;

import java.util.List;

/**
 * The fixed latency histogram of the hourly rollups: one counter per bucket, so percentiles over any period and
 * any group are read from sums of counters instead of raw rows. Bucket {@code i} counts durations above the
 * bound of bucket {@code i - 1} up to its own bound (milliseconds); the last one has no upper bound. A
 * percentile is interpolated linearly inside its bucket (as Prometheus' {@code histogram_quantile} does), so it
 * is off by at most the bucket's width: about a fifth of the value from 50 ms up.
 */
public final class LatencyBuckets {
    /** Upper bounds in milliseconds; the bucket after the last bound is open ended. */
    public static final List<Long> BOUNDS_MS = List.of(25L, 50L, 100L, 150L, 200L, 300L, 400L, 500L, 750L, 1_000L,
            1_500L, 2_000L, 3_000L, 5_000L, 7_500L, 10_000L, 15_000L, 30_000L, 60_000L);
    /** Buckets, the open-ended one included. */
    public static final int COUNT = BOUNDS_MS.size() + 1;

    private LatencyBuckets() {
    }

    /** The bucket a duration falls in. */
    public static int index(long ms) {
        for (int i = 0; i < BOUNDS_MS.size(); i++) {
            if (ms <= BOUNDS_MS.get(i)) {
                return i;
            }
        }
        return BOUNDS_MS.size();
    }

    /**
     * The {@code q} quantile (0..1) of the durations counted in {@code counts}, or -1 with none. In the open
     * bucket the answer is its lower bound: the histogram cannot tell more.
     */
    public static long quantile(long[] counts, double q) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0 && below + counts[i] >= rank) {
                long lower = i == 0 ? 0 : BOUNDS_MS.get(i - 1);
                if (i == BOUNDS_MS.size()) {
                    return lower;
                }
                double share = (rank - below) / counts[i];
                return Math.round(lower + share * (BOUNDS_MS.get(i) - lower));
            }
            below += counts[i];
        }
        return BOUNDS_MS.get(BOUNDS_MS.size() - 1);
    }
}

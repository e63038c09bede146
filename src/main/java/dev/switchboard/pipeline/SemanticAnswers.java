package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.catalog.CachePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The semantic cache's memory: stored answers by the embedding of their last user turn, in buckets of requests that
 * are otherwise identical (same scope, routed model, earlier turns and parameters). A lookup is a scan of one
 * bucket for the most similar turn; both the buckets and their size are bounded, the oldest going first.
 */
final class SemanticAnswers {
    /** Buckets kept: the least recently used go first. */
    private static final int MAX_BUCKETS = 10_000;
    /** Turns kept per bucket: a bucket is scanned whole at each lookup. */
    private static final int MAX_PER_BUCKET = 64;

    /** A stored answer and the unit vector of its last user turn. */
    private record Stored(float[] meaning, CacheStage.Entry entry, Instant expires) {
    }

    /** The closest stored answer and how close. */
    record Match(CacheStage.Entry entry, double similarity) {
    }

    private final Cache<String, Deque<Stored>> buckets = Caffeine.newBuilder().maximumSize(MAX_BUCKETS)
            .expireAfterAccess(Duration.ofSeconds(CachePolicy.MAX_TTL_SECONDS)).build();
    private final Clock clock;

    SemanticAnswers(Clock clock) {
        this.clock = clock;
    }

    /** The most similar live answer of the bucket at {@code threshold} or above, or null. */
    Match closest(String bucket, float[] meaning, double threshold) {
        Deque<Stored> stored = buckets.getIfPresent(bucket);
        if (stored == null) {
            return null;
        }
        Instant now = clock.instant();
        Match best = null;
        synchronized (stored) {
            for (Iterator<Stored> it = stored.iterator(); it.hasNext(); ) {
                Stored s = it.next();
                if (!s.expires().isAfter(now)) {
                    it.remove();
                    continue;
                }
                double similarity = dot(s.meaning(), meaning);
                if (similarity >= threshold && (best == null || similarity > best.similarity())) {
                    best = new Match(s.entry(), similarity);
                }
            }
        }
        return best;
    }

    void add(String bucket, float[] meaning, CacheStage.Entry entry, Duration ttl) {
        Deque<Stored> stored = buckets.get(bucket, b -> new ArrayDeque<>());
        synchronized (stored) {
            if (stored.size() >= MAX_PER_BUCKET) {
                stored.removeFirst();
            }
            stored.addLast(new Stored(meaning, entry, clock.instant().plus(ttl)));
        }
    }

    /** An embedding ({@code [0.1, -0.2, ...]}) scaled to length 1, so the dot product is the cosine similarity; null if none. */
    static float[] unit(JsonNode embedding) {
        if (embedding == null || !embedding.isArray() || embedding.isEmpty()) {
            return null;
        }
        float[] v = new float[embedding.size()];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) embedding.get(i).asDouble();
            norm += v[i] * v[i];
        }
        if (norm == 0) {
            return null;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            v[i] *= scale;
        }
        return v;
    }

    /** Vectors of different lengths (another embedding model) are not alike at all. */
    private static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            return -1;
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}

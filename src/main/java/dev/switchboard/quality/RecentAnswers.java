package dev.switchboard.quality;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;

/**
 * Which agent made each recent request, in memory: feedback sent right after an answer must find it although the
 * answer's row is written asynchronously. Bounded in count and age; older requests are looked up in the database.
 */
final class RecentAnswers {
    /** About 15 MB at most; hours of traffic at a typical rate, minutes at full load. */
    static final int MAX_ENTRIES = 100_000;
    /** Far longer than a row takes to be written, even after a short database outage. */
    static final Duration KEPT_FOR = Duration.ofHours(1);

    private final Cache<String, String> agents = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(KEPT_FOR).build();

    void remember(String requestId, String agent) {
        agents.put(requestId, agent);
    }

    Optional<String> agentOf(String requestId) {
        return Optional.ofNullable(agents.getIfPresent(requestId));
    }
}

package dev.switchboard.routing;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rules of the serving generation that failed while evaluating a request (threw, or were cut off): per rule, how
 * often, the last error and when; shown at {@code GET /admin/api/rules}. Keyed by rule name, so bounded by the
 * rules on disk. Each failure is logged once per rule and generation, not once per request.
 */
public final class RuleFailures {
    private static final Logger LOG = LoggerFactory.getLogger(RuleFailures.class);
    /** An error text is cut to this many characters: enough for the cause, not a stack trace. */
    private static final int MAX_ERROR_CHARS = 500;

    /** One failing rule. */
    public record Failure(String rule, String error, long count, Instant lastAt) {
    }

    private final ConcurrentMap<String, Failure> byRule = new ConcurrentHashMap<>();

    void record(String rule, String error) {
        String text = error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) + "..." : error;
        Failure now = byRule.merge(rule, new Failure(rule, text, 1, Instant.now()),
                (was, next) -> new Failure(rule, text, was.count() + 1, next.lastAt()));
        if (now.count() == 1) {
            LOG.error("Rule '{}' failed and was cut off; requests are routed as if it had not matched (counted at "
                    + "GET /admin/api/rules): {}", rule, text);
        } else {
            LOG.debug("Rule '{}' failed again ({} times): {}", rule, now.count(), text);
        }
    }

    /** A new generation starts with a clean slate: its rules have not failed yet. */
    void clear() {
        byRule.clear();
    }

    public List<Failure> list() {
        return byRule.values().stream().sorted(Comparator.comparing(Failure::rule)).toList();
    }
}

package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rate-limit headroom a provider reports in its headers decides when a model counts as exhausted. */
class ModelHealthHeadersTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final ModelHealth health = new ModelHealth(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void should_read_openais_go_style_reset_when_no_requests_are_left() {
        health.headers("gpt-4o", Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "6m0.5s")::get);
        assertEquals(NOW.plusSeconds(360).plusMillis(500), health.exhaustedUntil("gpt-4o"));
    }

    @Test
    void should_read_anthropics_reset_timestamp() {
        health.headers("claude", Map.of("anthropic-ratelimit-requests-remaining", "0",
                "anthropic-ratelimit-requests-reset", "2026-11-25T12:00:07Z")::get);
        assertEquals(NOW.plusSeconds(7), health.exhaustedUntil("claude"));
    }

    @Test
    void should_not_mark_a_model_with_requests_left() {
        health.headers("gpt-4o", Map.of("x-ratelimit-remaining-requests", "12", "x-ratelimit-reset-requests", "1s")::get);
        assertNull(health.exhaustedUntil("gpt-4o"));
    }
}

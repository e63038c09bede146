package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Callers choose ad-hoc model names: they are counted in one bucket per provider, never as label values one by one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdHocMetricsTest {
    private static final int DISTINCT_MODELS = 200;
    /** /metrics may grow by a few lines (a JVM meter, say), never by lines per model. */
    private static final int ALLOWED_GROWTH_LINES = 10;

    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_count_every_ad_hoc_model_of_a_provider_under_one_label() {
        assertEquals(200, gw.postChat(Gateway.chatBody("openai/warm-up", "hi")).statusCode(), "the openai/adhoc series exist");
        long before = metrics().lines().count();

        String x17 = null;
        for (int i = 0; i < DISTINCT_MODELS; i++) {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("openai/x" + i, "hi"));
            assertEquals(200, r.statusCode(), r.body());
            if (i == 17) {
                x17 = r.headers().firstValue("x-switchboard-request-id").orElseThrow();
            }
        }

        String after = metrics();
        assertTrue(after.lines().count() - before <= ALLOWED_GROWTH_LINES,
                "grew from " + before + " to " + after.lines().count() + " lines");
        assertFalse(after.contains("x17"), "no series per ad-hoc model");
        assertTrue(after.contains("switchboard_requests_total{") && after.contains("model=\"openai/adhoc\""), "one bucket per provider");
        assertTrue(after.lines().anyMatch(l -> l.startsWith("switchboard_attempts_total{") && l.contains("model=\"openai/adhoc\"")),
                "attempts are bucketed too");
        assertEquals("openai/x17", gw.usageRow(x17).path("model").asText(), "the usage row keeps the real id");
    }

    private String metrics() {
        HttpResponse<String> r = gw.get(gw.managementUrl() + "/metrics");
        assertEquals(200, r.statusCode());
        return r.body();
    }
}

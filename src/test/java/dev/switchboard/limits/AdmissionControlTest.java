package dev.switchboard.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 14: a saturated data plane answers the next caller 503 + Retry-After at once (and records it),
 * while the management plane, on threads of its own, still answers; everything drains once the provider answers.
 * The worker pool is as small as the in-flight limit, so on the old code the fifth request and every admin call
 * (authentication is blocking work) wait behind the held requests.
 */
class AdmissionControlTest {
    private static final int LIMIT = 4;
    /** "At once": far below the held requests' wait, generous for two shared cores. */
    private static final Duration AT_ONCE = Duration.ofSeconds(5);

    private static LimitsProvider provider;
    private static Gateway gw;

    @BeforeAll
    static void start() {
        provider = LimitsProvider.start();
        gw = Gateway.start(Map.of("OPENAI_BASE_URL", provider.baseUrl(),
                "SWITCHBOARD_MAX_IN_FLIGHT", Integer.toString(LIMIT),
                "SWITCHBOARD_WORKER_THREADS", Integer.toString(LIMIT)));
    }

    @AfterAll
    static void stop() {
        gw.close();
        provider.close();
    }

    @Test
    void should_refuse_beyond_the_limit_at_once_keep_the_management_plane_answering_and_drain() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(LIMIT);
        try {
            List<Future<HttpResponse<String>>> held = new ArrayList<>();
            for (int i = 0; i < LIMIT; i++) {
                held.add(callers.submit(() -> gw.postChat(Gateway.chatBody("gpt-4o-mini", LimitsProvider.HOLD))));
            }
            Await.until("the provider holds " + LIMIT + " requests", Gateway.TIMEOUT, provider::holding, n -> n == LIMIT);

            long t0 = System.nanoTime();
            HttpResponse<String> refused = gw.postChat(Gateway.chatBody("gpt-4o-mini", "one more"));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(took.compareTo(AT_ONCE) < 0, "refused at once, not queued: took " + took.toMillis() + " ms");
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(null));
            JsonNode error = Gateway.MAPPER.readTree(refused.body()).path("error");
            assertEquals("service_unavailable", error.path("type").asText(), refused.body());
            assertEquals("overloaded", error.path("code").asText(), refused.body());

            HttpResponse<String> anthropic = gw.post("/messages", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(503, anthropic.statusCode(), anthropic.body());
            assertEquals("overloaded_error", Gateway.MAPPER.readTree(anthropic.body()).at("/error/type").asText(), "Anthropic's shape");

            assertEquals(200, gw.get(gw.managementUrl() + "/admin/api/usage?limit=5").statusCode(), "admin API answers while saturated");
            HttpResponse<String> health = gw.get(gw.managementUrl() + "/health");
            assertEquals(200, health.statusCode(), health.body());
            JsonNode admission = Gateway.MAPPER.readTree(health.body()).path("checks").path("admission");
            assertEquals(LIMIT, admission.path("inFlight").asInt(), health.body());
            assertEquals(LIMIT, admission.path("limit").asInt(), health.body());
            assertTrue(admission.path("saturated").asBoolean(), health.body());
            assertTrue(admission.path("rejected").asLong() >= 1, health.body());
            String metrics = gw.get(gw.managementUrl() + "/metrics").body();
            assertTrue(metrics.contains("switchboard_admission_in_flight " + LIMIT + ".0"), "in-flight gauge");
            assertTrue(metrics.lines().anyMatch(l -> l.startsWith("switchboard_admission_rejected_total ")), "rejected counter");

            JsonNode row = gw.usageRow(refused.headers().firstValue("x-switchboard-request-id").orElseThrow());
            assertEquals(503, row.path("status").asInt(), row.toString());
            assertEquals("overloaded", row.path("outcome").asText(), row.toString());

            provider.release();
            for (Future<HttpResponse<String>> f : held) {
                HttpResponse<String> r = f.get(Gateway.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
            }
            Await.until("nothing in flight", Gateway.TIMEOUT, () -> inFlight(), n -> n == 0);
            assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "after")).statusCode(), "served again once drained");
        } finally {
            provider.release();
            callers.shutdownNow();
        }
    }

    private static int inFlight() {
        try {
            return Gateway.MAPPER.readTree(gw.get(gw.managementUrl() + "/health").body()).path("checks").path("admission").path("inFlight").asInt(-1);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

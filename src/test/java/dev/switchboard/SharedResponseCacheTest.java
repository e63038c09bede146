package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.MovableClock;
import dev.switchboard.support.TestDatabase;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The response cache's shared tier: two gateways on one database ({@code SWITCHBOARD_CACHE_SHARED=true}), each with its
 * own fake provider. An answer made on A serves B without a call; it expires for both by the (moved) clock; an agent's
 * scope holds across instances.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedResponseCacheTest {
    private final TestDatabase db = TestDatabase.fresh("shared-cache");
    private final MovableClock clock = new MovableClock();
    private Gateway a;
    private Gateway b;
    private final Map<String, String> keysOnA = new java.util.HashMap<>();
    private final Map<String, String> keysOnB = new java.util.HashMap<>();

    @BeforeAll
    void start() {
        Map<String, String> env = new java.util.HashMap<>(db.env());
        env.put("SWITCHBOARD_CACHE_SHARED", "true");
        a = Gateway.start(env, clock);
        for (String agent : new String[] {"team-one", "team-two"}) {
            HttpResponse<String> created = a.admin("POST", "/admin/api/agents", "{\"id\":\"" + agent + "\",\"cache\":{\"ttlSeconds\":60}}");
            assertEquals(201, created.statusCode(), created.body());
            keysOnA.put(agent, read(created.body()).path("key").asText());
        }
        // B reads the agents A stored in the shared database when it starts; their keys are the same.
        b = Gateway.start(env, clock);
        keysOnB.putAll(keysOnA);
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void should_serve_on_one_instance_an_answer_made_on_another() {
        String body = Gateway.chatBody("gpt-4o-mini", "shared " + UUID.randomUUID());
        java.time.Instant mark = mark();
        HttpResponse<String> made = post(a, "team-one", body);
        assertEquals(200, made.statusCode(), made.body());
        assertEquals("miss", cacheHeader(made));
        awaitShared(mark);

        HttpResponse<String> served = post(b, "team-one", body);
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("hit", cacheHeader(served));
        assertEquals(read(made.body()), read(served.body()), "A's answer, as it was");
        assertEquals(1, calls(a, body), "A's provider answered once");
        assertEquals(0, calls(b, body), "B's provider was not asked");
        assertEquals("cache_hit", b.usageRow(served.headers().firstValue("x-switchboard-request-id").orElseThrow()).path("outcome").asText());
    }

    @Test
    void should_expire_a_shared_answer_for_every_instance() {
        String body = Gateway.chatBody("gpt-4o-mini", "expiring " + UUID.randomUUID());
        java.time.Instant mark = mark();
        assertEquals("miss", cacheHeader(post(a, "team-one", body)));
        awaitShared(mark);
        clock.advance(Duration.ofSeconds(61));
        assertEquals("miss", cacheHeader(post(b, "team-one", body)), "expired in the shared tier");
        assertEquals(1, calls(b, body), "B asked its provider");
    }

    @Test
    void should_not_serve_one_agent_another_agents_answer() {
        String body = Gateway.chatBody("gpt-4o-mini", "scoped " + UUID.randomUUID());
        java.time.Instant mark = mark();
        assertEquals("miss", cacheHeader(post(a, "team-one", body)));
        awaitShared(mark);
        assertEquals("miss", cacheHeader(post(b, "team-two", body)), "another agent's answer is not this one's");
        assertEquals(1, calls(b, body));
        assertEquals("hit", cacheHeader(post(b, "team-one", body)), "while the owner's is there");
    }

    private HttpResponse<String> post(Gateway gw, String agent, String body) {
        Map<String, String> keys = gw == a ? keysOnA : keysOnB;
        return gw.postChat(body, "Authorization", "Bearer " + keys.get(agent));
    }

    /**
     * The cache's time for this test's answer: moved on a second, so that only answers stored from now on are newer
     * (the clock stands still otherwise).
     */
    private java.time.Instant mark() {
        clock.advance(Duration.ofSeconds(1));
        return clock.instant();
    }

    /** Waits until A's background writer has put an answer made since {@code mark} in the table. */
    private void awaitShared(java.time.Instant mark) {
        Await.until("the answer in the shared tier", Gateway.TIMEOUT, () -> rowsSince(mark), n -> n > 0);
    }

    private long rowsSince(java.time.Instant mark) {
        try (Connection c = db.connect();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM response_cache WHERE created_at >= ?")) {
            s.setTimestamp(1, java.sql.Timestamp.valueOf(java.time.LocalDateTime.ofInstant(mark, java.time.ZoneOffset.UTC)));
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long calls(Gateway gw, String body) {
        String marker = body.substring(body.indexOf("\"content\":\"") + 11, body.lastIndexOf('"'));
        return gw.fake.requests().stream().filter(r -> r.body() != null && r.body().contains(marker)).count();
    }

    private static String cacheHeader(HttpResponse<String> r) {
        return r.headers().firstValue("x-switchboard-cache").orElse("(none)");
    }

    private static JsonNode read(String json) {
        try {
            return Gateway.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

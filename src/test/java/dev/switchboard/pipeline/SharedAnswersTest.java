package dev.switchboard.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.Usage;
import dev.switchboard.boot.Database;
import dev.switchboard.support.Await;
import dev.switchboard.support.MovableClock;
import dev.switchboard.support.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The shared tier's sweep on a real (embedded) database: expired rows go first, then the oldest beyond the size bound. */
class SharedAnswersTest {
    private static final int ANSWER_BYTES = 1_000;
    private final TestDatabase test = TestDatabase.fresh("shared-answers");
    private final Database db = new Database(test.url(), test.user(), test.password());
    private final MovableClock clock = new MovableClock();
    private SharedAnswers shared;

    @AfterEach
    void stop() {
        if (shared != null) {
            shared.close();
        }
        db.shutdown();
    }

    @Test
    void should_delete_expired_answers_then_the_oldest_beyond_the_bound() throws SQLException {
        db.migrate();
        shared = new SharedAnswers(db, () -> null, clock, 2L * ANSWER_BYTES);
        shared.put("k1", "agent:a", "gpt-4o-mini", entry(Duration.ofSeconds(10)));
        for (String key : new String[] {"k2", "k3", "k4"}) {
            clock.advance(Duration.ofSeconds(1));
            shared.put(key, "agent:a", "gpt-4o-mini", entry(Duration.ofHours(1)));
        }
        Await.until("the answers written", Duration.ofSeconds(20), this::keys, k -> k.size() == 4);

        clock.advance(Duration.ofSeconds(20));
        shared.sweep();

        assertEquals(List.of("k3", "k4"), keys(), "k1 expired, k2 the oldest over the bound of two answers");
    }

    private static CacheStage.Entry entry(Duration ttl) {
        var body = JsonNodeFactory.instance.objectNode().put("id", "chatcmpl-1");
        return new CacheStage.Entry(new ChatResponse(body, Usage.NONE, "stop"), "gpt-4o-mini", null, null, 0.001, ttl, ANSWER_BYTES);
    }

    private List<String> keys() {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT cache_key FROM response_cache ORDER BY cache_key");
             ResultSet r = s.executeQuery()) {
            List<String> keys = new ArrayList<>();
            while (r.next()) {
                keys.add(r.getString(1));
            }
            return keys;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.switchboard.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.boot.Database;
import dev.switchboard.support.TestDatabase;
import dev.switchboard.providers.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stored responses on the migration's own table: found by their owner only, gone after the retention period. */
class ResponseStoreTest {
    private static final int RETENTION_DAYS = 30;
    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private Database db;
    private ResponseStore store;

    @BeforeEach
    void createDatabase() {
        TestDatabase test = TestDatabase.fresh("responses");
        db = new Database(test.url(), test.user(), test.password());
        db.migrate();
        store = new ResponseStore(db, () -> RETENTION_DAYS, clock);
    }

    @AfterEach
    void dropDatabase() {
        db.shutdown();
    }

    @Test
    void should_find_a_response_for_its_owner_only_until_it_expires() {
        assertTrue(store.save("alice", finished("resp_abc")));
        assertEquals("resp_abc", store.find("alice", "resp_abc").orElseThrow().response().path("id").asText());
        assertEquals("hi", store.find("alice", "resp_abc").orElseThrow().conversation().path(0).path("content").asText());
        assertTrue(store.find("bob", "resp_abc").isEmpty(), "another caller finds nothing");
        assertFalse(store.delete("bob", "resp_abc"), "nor deletes it");

        clock.advance(Duration.ofDays(RETENTION_DAYS).plusSeconds(1));
        assertTrue(store.find("alice", "resp_abc").isEmpty(), "expired before the retention job runs");
        assertEquals(1, store.deleteExpired());
        assertEquals(0, store.deleteExpired());
    }

    @Test
    void should_delete_for_its_owner_and_ignore_ids_it_cannot_have_made() {
        store.save("alice", finished("resp_def"));
        assertTrue(store.delete("alice", "resp_def"));
        assertTrue(store.find("alice", "resp_def").isEmpty());
        assertTrue(store.find("alice", "'; DROP TABLE stored_response; --").isEmpty());
        assertFalse(ResponseStore.isResponseId("resp_" + "x".repeat(101)));
    }

    private static ResponsesAnswer.Finished finished(String id) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("id", id).put("object", "response");
        ArrayNode conversation = Json.MAPPER.createArrayNode();
        conversation.addObject().put("role", "user").put("content", "hi");
        return new ResponsesAnswer.Finished(response, conversation);
    }

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

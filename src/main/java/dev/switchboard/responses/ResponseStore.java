package dev.switchboard.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stored responses ({@code store: true}, the Responses API's default) in the table {@code stored_response}
 * (migration V50): the Response object for {@code GET /v1/responses/{id}} and the conversation up to and with its
 * answer, which {@code previous_response_id} continues. Each belongs to the caller that made it (its agent, or
 * the name a caller without a key gave): another caller finds nothing under its id. Kept for the retention
 * period, then deleted by {@link #deleteExpired}; an expired one is not found even before that runs.
 *
 * <p>Writes are synchronous: a caller continues a conversation with the next request, which must find it.
 */
public final class ResponseStore {
    private static final Logger LOG = LoggerFactory.getLogger(ResponseStore.class);
    /** How long a stored response is kept when the operator says nothing: OpenAI's own 30 days. */
    public static final int DEFAULT_RETENTION_DAYS = 30;
    /**
     * The largest conversation (characters of JSON) kept for a response: the column's size. A longer one is
     * answered but not stored.
     */
    static final int MAX_STORED_CHARS = 10_000_000;
    /** Response ids as the gateway makes them (and OpenAI's): anything else cannot name a stored response. */
    private static final Pattern ID = Pattern.compile("resp_[A-Za-z0-9_-]{1,100}");

    private final DataSource db;
    /** Days kept, read at each use: the period may change at runtime (global settings). */
    private final java.util.function.IntSupplier retentionDays;
    private final Clock clock;

    /** {@code retentionDays} is read at each use. */
    public ResponseStore(DataSource db, java.util.function.IntSupplier retentionDays, Clock clock) {
        this.db = db;
        this.retentionDays = retentionDays;
        this.clock = clock;
    }

    /** A stored response as its owner reads it back. */
    public record Stored(ObjectNode response, ArrayNode conversation) {
    }

    /** Whether a caller-given id can name a stored response at all. */
    public static boolean isResponseId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Stores a finished response for {@code caller}; false when its conversation is too long to keep. */
    public boolean save(String caller, ResponsesAnswer.Finished finished) {
        String response = text(finished.response());
        String conversation = text(finished.conversation());
        if (conversation.length() > MAX_STORED_CHARS || response.length() > MAX_STORED_CHARS) {
            return false;
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO stored_response (id, agent, created_at, response_json, conversation_json) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, finished.response().path("id").asText());
            s.setString(2, caller);
            s.setTimestamp(3, Timestamp.from(clock.instant()));
            s.setString(4, response);
            s.setString(5, conversation);
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("the database refused to store response " + finished.response().path("id").asText()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The caller's own response under {@code id}, unless it expired. */
    public Optional<Stored> find(String caller, String id) {
        if (!isResponseId(id)) {
            return Optional.empty();
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "SELECT response_json, conversation_json FROM stored_response WHERE id = ? AND agent = ? AND created_at >= ?")) {
            s.setString(1, id);
            s.setString(2, caller);
            s.setTimestamp(3, Timestamp.from(cutoff()));
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Stored((ObjectNode) parse(rs.getString(1)), (ArrayNode) parse(rs.getString(2))));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the database could not read response " + id + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the caller's own response; false when it has none under {@code id}. */
    public boolean delete(String caller, String id) {
        if (!isResponseId(id)) {
            return false;
        }
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM stored_response WHERE id = ? AND agent = ?")) {
            s.setString(1, id);
            s.setString(2, caller);
            return s.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("the database could not delete response " + id + ": " + e.getMessage(), e);
        }
    }

    /** Deletes what is older than the retention period; returns how many. */
    public int deleteExpired() {
        Instant cutoff = cutoff();
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM stored_response WHERE created_at < ?")) {
            s.setTimestamp(1, Timestamp.from(cutoff));
            int deleted = s.executeUpdate();
            LOG.info("Retention: {} stored response(s) before {} deleted", deleted, cutoff);
            return deleted;
        } catch (SQLException e) {
            throw new IllegalStateException("retention: the database refused to delete stored responses: " + e.getMessage(), e);
        }
    }

    private Instant cutoff() {
        return clock.instant().minus(Duration.ofDays(retentionDays.getAsInt()));
    }

    private static String text(JsonNode node) {
        return new String(Json.bytes(node), StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("a stored response is not JSON: " + e.getMessage(), e);
        }
    }
}

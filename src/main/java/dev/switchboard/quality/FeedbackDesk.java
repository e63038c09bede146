package dev.switchboard.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Takes feedback: only the agent that made a request may rate it, once. A request of another agent, or one that
 * does not exist, is answered alike (404), so an agent cannot learn which request ids exist. A second rating of the
 * same request is refused with 409: the first stands (an agent retrying after a lost answer can take 409 as done).
 */
final class FeedbackDesk {
    private final QualityDb db;
    private final RecentAnswers recent;
    private final Clock clock;

    FeedbackDesk(QualityDb db, RecentAnswers recent, Clock clock) {
        this.db = db;
        this.recent = recent;
        this.clock = clock;
    }

    ObjectNode submit(String agent, JsonNode body) {
        FeedbackRequest feedback = FeedbackRequest.parse(body);
        if (!agent.equals(ownerOf(feedback.requestId()).orElse(null))) {
            throw new GatewayError(404, "invalid_request_error", "request_not_found", "request_id", "Agent '" + agent
                    + "' has no answered request '" + feedback.requestId() + "'; rate the x-switchboard-request-id of one of your own answers");
        }
        Instant now = clock.instant();
        Map<String, Object> p = new HashMap<>();
        p.put("id", feedback.requestId());
        p.put("agent", agent);
        p.put("score", feedback.score());
        p.put("raw", feedback.rawScore());
        p.put("scale", feedback.scale());
        p.put("label", feedback.label());
        p.put("comment", feedback.comment());
        p.put("at", Timestamp.from(now));
        try {
            db.update("INSERT INTO feedback (request_id, agent, score, raw_score, scale, label, comment, created_at) "
                    + "VALUES (:?id, :?agent, :?score, :?raw, :?scale, :?label, :?comment, :?at)", p);
        } catch (RuntimeException e) {
            if (QualityDb.isDuplicateKey(e)) {
                throw new GatewayError(409, "invalid_request_error", "feedback_exists", "request_id",
                        "Request '" + feedback.requestId() + "' already has your feedback; one per request and agent, the first stands");
            }
            throw e;
        }
        return JsonNodeFactory.instance.objectNode().put("object", "feedback").put("request_id", feedback.requestId())
                .put("agent", agent).put("score", feedback.score()).put("raw_score", feedback.rawScore()).put("scale", feedback.scale())
                .put("label", feedback.label()).put("comment", feedback.comment()).put("created_at", now.toString());
    }

    /** The agent that made a request: remembered for recent ones, else from its stored checks. */
    private Optional<String> ownerOf(String requestId) {
        Optional<String> remembered = recent.agentOf(requestId);
        if (remembered.isPresent()) {
            return remembered;
        }
        List<Map<?, ?>> rows = db.select("SELECT agent FROM quality_check WHERE request_id = :?id", Map.of("id", requestId));
        return rows.isEmpty() ? Optional.empty() : Optional.ofNullable((String) QualityDb.value(rows.get(0), "agent"));
    }
}

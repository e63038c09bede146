package dev.switchboard.quality;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What is known about one request's quality: its automatic checks and its feedback (the management API's view). */
final class RequestQuality {
    private final QualityDb db;

    RequestQuality(QualityDb db) {
        this.db = db;
    }

    /** Empty until the request's checks are stored (they are written asynchronously) or when it had no answer. */
    Optional<ObjectNode> of(String requestId) {
        List<Map<?, ?>> checks = db.select("SELECT * FROM quality_check WHERE request_id = :?id", Map.of("id", requestId));
        if (checks.isEmpty()) {
            return Optional.empty();
        }
        Map<?, ?> c = checks.get(0);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "quality.request").put("request_id", requestId)
                .put("created_at", time(QualityDb.value(c, "created_at"))).put("agent", text(QualityDb.value(c, "agent")))
                .put("model", text(QualityDb.value(c, "model"))).put("task_type", text(QualityDb.value(c, "task_type")))
                .put("checked", Boolean.TRUE.equals(QualityDb.value(c, "checked")));
        ArrayNode flags = body.putArray("flags");
        String list = text(QualityDb.value(c, "flags"));
        if (list != null && !list.isEmpty()) {
            for (String flag : list.split(",")) {
                flags.add(flag);
            }
        }
        List<Map<?, ?>> feedback = db.select("SELECT * FROM feedback WHERE request_id = :?id", Map.of("id", requestId));
        if (feedback.isEmpty()) {
            body.putNull("feedback");
        } else {
            Map<?, ?> f = feedback.get(0);
            body.putObject("feedback").put("agent", text(QualityDb.value(f, "agent")))
                    .put("score", ((Number) QualityDb.value(f, "score")).doubleValue())
                    .put("raw_score", ((Number) QualityDb.value(f, "raw_score")).doubleValue()).put("scale", text(QualityDb.value(f, "scale")))
                    .put("label", text(QualityDb.value(f, "label"))).put("comment", text(QualityDb.value(f, "comment")))
                    .put("created_at", time(QualityDb.value(f, "created_at")));
        }
        return Optional.of(body);
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    private static String time(Object v) {
        return v instanceof Timestamp t ? t.toInstant().toString() : text(v);
    }
}

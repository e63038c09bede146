package dev.switchboard.recommend;

import dev.switchboard.recording.Jdbc;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/**
 * The state of each recommendation someone acted on (table {@code recommendation}): applied or dismissed, by whom and
 * when, what it said then, and for an applied one the version its change created and the version before it (where a
 * rollback goes back to). Open findings are not stored: they are recomputed. Rows come only from editors' actions.
 * The table is made by migration V20.
 */
final class RecommendationStore {
    /** recommendation.detail's size; characters. */
    private static final int MAX_DETAIL_CHARS = 16_000;

    private final ProducerTemplate producer;
    private final String update;
    private final Jdbc jdbc;

    RecommendationStore(ProducerTemplate producer, String dataSourceName) {
        this.producer = producer;
        this.update = "jdbc:" + dataSourceName + "?useHeadersAsParameters=true";
        this.jdbc = new Jdbc(producer, dataSourceName);
    }

    /** One stored row: {@code detail} is the recommendation's JSON when it was acted on. */
    record Stored(String id, String kind, String state, String detail, String actor, Instant changedAt, String appliedTo,
                  Integer appliedVersion, Integer previousVersion) {
    }

    Map<String, Stored> all() {
        Map<String, Stored> out = new LinkedHashMap<>();
        for (Map<String, Object> r : jdbc.select("SELECT id, kind, state, detail, actor, changed_at, applied_to, applied_version, previous_version "
                + "FROM recommendation ORDER BY changed_at DESC", Map.of())) {
            out.put(r.get("id").toString(), new Stored(r.get("id").toString(), r.get("kind").toString(), r.get("state").toString(),
                    text(r.get("detail")), text(r.get("actor")), ((Timestamp) r.get("changed_at")).toInstant(), text(r.get("applied_to")),
                    integer(r.get("applied_version")), integer(r.get("previous_version"))));
        }
        return out;
    }

    /** Records a new state, replacing any earlier one. */
    synchronized void save(Stored s) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", s.id());
        p.put("kind", s.kind());
        p.put("state", s.state());
        p.put("detail", s.detail() == null || s.detail().length() <= MAX_DETAIL_CHARS ? s.detail() : null);
        p.put("actor", s.actor());
        p.put("at", Timestamp.from(s.changedAt()));
        p.put("appliedTo", s.appliedTo());
        p.put("appliedVersion", s.appliedVersion());
        p.put("previousVersion", s.previousVersion());
        org.apache.camel.Exchange updated = producer.send(update, e -> {
            e.getMessage().setBody("UPDATE recommendation SET kind = :?kind, state = :?state, detail = :?detail, actor = :?actor, "
                    + "changed_at = :?at, applied_to = :?appliedTo, applied_version = :?appliedVersion, previous_version = :?previousVersion WHERE id = :?id");
            e.getMessage().setHeaders(p);
        });
        if (updated.getException() != null) {
            throw new IllegalStateException("recommendation state not stored: " + updated.getException().getMessage(), updated.getException());
        }
        Integer count = updated.getMessage().getHeader(org.apache.camel.component.jdbc.JdbcConstants.JDBC_UPDATE_COUNT, Integer.class);
        if (count != null && count > 0) {
            return;
        }
        producer.sendBodyAndHeaders(update, "INSERT INTO recommendation (id, kind, state, detail, actor, changed_at, applied_to, applied_version, "
                + "previous_version) VALUES (:?id, :?kind, :?state, :?detail, :?actor, :?at, :?appliedTo, :?appliedVersion, :?previousVersion)", p);
    }

    private static String text(Object v) {
        return v == null ? null : v.toString();
    }

    private static Integer integer(Object v) {
        return v == null ? null : ((Number) v).intValue();
    }
}

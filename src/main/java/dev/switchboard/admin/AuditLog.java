package dev.switchboard.admin;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what to the configuration, and who was refused: every management write and every denied attempt.
 * Written through camel-jdbc at the time of the action (the management plane, never a request's path).
 */
final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private final ProducerTemplate producer;
    private final String jdbc;

    AuditLog(ProducerTemplate producer, String dataSourceName) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
    }

    /** {@code outcome}: ok, denied (no or wrong role), refused (invalid change). */
    void record(String actor, String role, String action, String target, String outcome, String detail) {
        Map<String, Object> p = new HashMap<>();
        p.put("at", Timestamp.from(Instant.now()));
        p.put("actor", actor);
        p.put("role", role);
        p.put("action", action);
        p.put("target", target);
        p.put("outcome", outcome);
        p.put("detail", detail == null || detail.length() <= 2000 ? detail : detail.substring(0, 2000));
        try {
            producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                    "INSERT INTO audit_log (created_at, actor, role, action, target, outcome, detail) "
                            + "VALUES (:?at, :?actor, :?role, :?action, :?target, :?outcome, :?detail)", p);
        } catch (RuntimeException e) {
            LOG.warn("Audit row not written ({}): {} {} by {} -> {}", e.getClass().getSimpleName(), action, target, actor, outcome);
        }
        LOG.info("Audit: {} {} by {} ({}) -> {}", action, target == null ? "" : target, actor, role, outcome);
    }

    List<?> list(String table, int limit, int offset) {
        return producer.requestBody(jdbc + "?outputType=SelectList",
                "SELECT * FROM " + table + " ORDER BY id DESC LIMIT " + limit + " OFFSET " + offset, List.class);
    }
}

package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.routing.RuleError;
import dev.switchboard.routing.RulesHolder;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.camel.ProducerTemplate;

/**
 * Every version of every rule file, one row each with who, when, why and the diff against the file's previous
 * version: changes through the API and changes saved straight into the folder ("file on disk") alike, as the
 * {@link RulesHolder} installs them. A rollback is a new version with the old text. Changes on disk are audited here
 * (the API's own writes are audited where they are made).
 */
final class RuleHistory implements RulesHolder.ChangeListener {
    /** rule_version.content's size; characters. */
    private static final int MAX_CONTENT_CHARS = 200_000;
    /** rule_version.diff's size; characters. */
    private static final int MAX_DIFF_CHARS = 400_000;
    private static final String DISK_ACTION = "rules.disk-change";

    private final ProducerTemplate producer;
    private final String jdbc;
    private final AuditLog audit;

    RuleHistory(ProducerTemplate producer, String dataSourceName, AuditLog audit) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.audit = audit;
    }

    /** A new version when the file's text differs from its latest stored version (a restart changes nothing). */
    @Override
    public synchronized void changed(String file, String text, boolean restorable, String author, String comment) {
        String latest = latestText(file);
        if (Objects.equals(latest, text)) {
            return;
        }
        String stored = text == null || text.length() <= MAX_CONTENT_CHARS ? text : null;
        String diff = TextDiff.unified(file, latest, text);
        Map<String, Object> p = new HashMap<>();
        p.put("file", file);
        p.put("content", stored);
        p.put("author", author);
        p.put("comment", comment == null ? (text == null ? "file removed" : null) : comment);
        p.put("diff", diff.length() <= MAX_DIFF_CHARS ? diff : diff.substring(0, MAX_DIFF_CHARS));
        p.put("restorable", restorable && stored != null);
        p.put("at", Timestamp.from(Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "INSERT INTO rule_version (file, content, author, comment, diff, restorable, created_at) "
                        + "VALUES (:?file, :?content, :?author, :?comment, :?diff, :?restorable, :?at)", p);
        if (RulesHolder.ON_DISK.equals(author)) {
            audit.record(author, null, DISK_ACTION, file, "ok", (comment == null ? "" : "why: " + comment + "\n") + diff);
        }
    }

    @Override
    public void refused(String author, List<RuleError> errors) {
        errors.stream().map(RuleError::file).distinct().forEach(file -> audit.record(author, null, DISK_ACTION, file, "refused",
                errors.stream().filter(e -> e.file().equals(file)).findFirst().map(RuleError::toString).orElse(null)));
    }

    /** Newest first; {@code file} null lists every file's versions. */
    ObjectNode list(String file, int limit, int offset) {
        Map<String, Object> p = new HashMap<>();
        p.put("file", file);
        List<?> rows = producer.requestBodyAndHeaders(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT id, file, author, comment, restorable, created_at FROM rule_version"
                        + (file == null ? "" : " WHERE file = :?file") + " ORDER BY id DESC LIMIT " + limit + " OFFSET " + offset, p, List.class);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list").put("limit", limit).put("offset", offset);
        ArrayNode data = body.putArray("data");
        for (Object o : rows) {
            Map<?, ?> row = (Map<?, ?>) o;
            Object at = Rows.value(row, "created_at");
            data.addObject().put("version", ((Number) Rows.value(row, "id")).intValue()).put("file", Rows.text(row, "file"))
                    .put("author", Rows.text(row, "author")).put("comment", Rows.text(row, "comment"))
                    .put("restorable", Boolean.TRUE.equals(Rows.value(row, "restorable")))
                    .put("createdAt", at instanceof Timestamp t ? t.toInstant().toString() : Objects.toString(at, null));
        }
        return body;
    }

    String diff(int version) {
        return Objects.toString(Rows.value(row(version), "diff"), "");
    }

    /** What a rollback to {@code version} writes: the file and its text then. */
    record Restore(String file, String content) {
    }

    Restore restore(int version) {
        Map<?, ?> row = row(version);
        String file = Rows.text(row, "file");
        String content = Rows.text(row, "content");
        if (!Boolean.TRUE.equals(Rows.value(row, "restorable")) || content == null) {
            throw GatewayError.badRequest("version", "Version " + version + " of " + file + " cannot be restored through the API ("
                    + (content == null ? "it removed the file" : "a workbook is restored from the spreadsheet's own history") + ")");
        }
        return new Restore(file, content);
    }

    private Map<?, ?> row(int version) {
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT file, content, diff, restorable FROM rule_version WHERE id = :?v", "v", version, List.class);
        if (rows.isEmpty()) {
            throw new GatewayError(404, "invalid_request_error", "version_not_found", "version", "No rule version " + version);
        }
        return (Map<?, ?>) rows.get(0);
    }

    /** The number of the file's latest version; null when it has none. */
    Integer latestVersion(String file) {
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT MAX(id) AS v FROM rule_version WHERE file = :?file", "file", file, List.class);
        Object v = rows.isEmpty() ? null : Rows.value((Map<?, ?>) rows.get(0), "v");
        return v == null ? null : ((Number) v).intValue();
    }

    /** The text of the file's latest version; null when it has none or was removed. */
    private String latestText(String file) {
        List<?> rows = producer.requestBodyAndHeader(jdbc + "?outputType=SelectList&useHeadersAsParameters=true",
                "SELECT content FROM rule_version WHERE file = :?file ORDER BY id DESC LIMIT 1", "file", file, List.class);
        return rows.isEmpty() ? null : Rows.text((Map<?, ?>) rows.get(0), "content");
    }
}

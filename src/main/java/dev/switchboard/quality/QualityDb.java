package dev.switchboard.quality;

import dev.switchboard.recording.SqlText;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/** The quality tables through camel-jdbc, with named parameters ({@code :?name}) so no caller text is ever SQL. */
final class QualityDb {
    private final ProducerTemplate producer;
    private final String update;
    private final String select;

    QualityDb(ProducerTemplate producer, String dataSourceName) {
        this.producer = producer;
        this.update = "jdbc:" + dataSourceName + "?useHeadersAsParameters=true";
        this.select = "jdbc:" + dataSourceName + "?useHeadersAsParameters=true&outputType=SelectList";
    }

    /** Text parameters made storable first ({@link SqlText}): a rating or a check is never lost to a stray NUL. */
    void update(String sql, Map<String, Object> params) {
        Map<String, Object> storable = new HashMap<>(params);
        storable.replaceAll((name, v) -> v instanceof String text ? SqlText.storable(text) : v);
        producer.sendBodyAndHeaders(update, sql, storable);
    }

    List<Map<?, ?>> select(String sql, Map<String, Object> params) {
        @SuppressWarnings("unchecked")
        List<Map<?, ?>> rows = producer.requestBodyAndHeaders(select, sql, params, List.class);
        return rows;
    }

    /** A column of a row: HSQLDB names columns in upper case, other databases in lower case. */
    static Object value(Map<?, ?> row, String column) {
        Object v = row.get(column);
        return v != null ? v : row.get(column.toUpperCase(Locale.ROOT));
    }

    /** True when a failure is a duplicate key (SQL state 23505, or the driver's integrity-constraint exception). */
    static boolean isDuplicateKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLIntegrityConstraintViolationException
                    || t instanceof java.sql.SQLException s && "23505".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}

package dev.switchboard.recording;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/** Reads through camel-jdbc like the rest of the management plane; column names come back lower case. */
public final class Jdbc {
    private final ProducerTemplate producer;
    private final String uri;

    public Jdbc(ProducerTemplate producer, String dataSourceName) {
        this.producer = producer;
        this.uri = "jdbc:" + dataSourceName + "?outputType=SelectList&useHeadersAsParameters=true";
    }

    public List<Map<String, Object>> select(String sql, Map<String, Object> params) {
        List<?> rows = producer.requestBodyAndHeaders(uri, sql, params, List.class);
        List<Map<String, Object>> out = new ArrayList<>(rows.size());
        for (Object row : rows) {
            Map<String, Object> lower = new LinkedHashMap<>();
            ((Map<?, ?>) row).forEach((k, v) -> lower.put(k.toString().toLowerCase(Locale.ROOT), v));
            out.add(lower);
        }
        return out;
    }
}

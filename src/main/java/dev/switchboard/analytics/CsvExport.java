package dev.switchboard.analytics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any report's rows as CSV, a header line first. Text a spreadsheet would run as a formula (starting with
 * {@code = + - @}, tab or carriage return; agent names and rules come from callers and operators) gets a
 * leading apostrophe, as OWASP advises against CSV injection.
 */
final class CsvExport {
    private static final CsvMapper CSV = new CsvMapper();

    private CsvExport() {
    }

    static String of(List<String> columns, List<Map<String, Object>> rows) {
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        columns.forEach(schema::addColumn);
        List<Map<String, Object>> safe = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            Map<String, Object> copy = new LinkedHashMap<>();
            row.forEach((k, v) -> copy.put(k, v instanceof String s ? defused(s) : v));
            safe.add(copy);
        }
        try {
            return CSV.writer(schema.build()).writeValueAsString(safe);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("CSV export failed: " + e.getMessage(), e);
        }
    }

    private static String defused(String s) {
        return !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
    }
}

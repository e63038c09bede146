package dev.switchboard.analytics;

import java.util.Arrays;
import java.util.Optional;

/**
 * What analytics can filter and group by: a query parameter name and the column behind it. Only these column
 * names ever reach SQL from a request; values always go as parameters.
 */
enum Dimension {
    AGENT("agent", "agent", "caller"),
    MODEL("model", "model", "model"),
    PROVIDER("provider", "provider", "provider"),
    TASK_TYPE("taskType", "task_type", "task_type"),
    RULE("rule", "rule_name", "rule_name"),
    ENTRY("entry", "entry", "entry"),
    STATUS("status", "status", "status");

    /** The query parameter and the field name in answers. */
    final String param;
    /** The column in usage_hourly. */
    final String rollupColumn;
    /** The column in usage_record. */
    final String rawColumn;

    Dimension(String param, String rollupColumn, String rawColumn) {
        this.param = param;
        this.rollupColumn = rollupColumn;
        this.rawColumn = rawColumn;
    }

    static Optional<Dimension> byParam(String name) {
        return Arrays.stream(values()).filter(d -> d.param.equals(name)).findFirst();
    }

    static String names() {
        return String.join(", ", Arrays.stream(values()).map(d -> d.param).toList());
    }
}

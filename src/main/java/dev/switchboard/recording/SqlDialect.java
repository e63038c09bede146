package dev.switchboard.recording;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The few statements that differ between the embedded HSQLDB and PostgreSQL: adding to a rollup row that may
 * not exist yet, and cutting a timestamp to its day or week. Everything else the gateway writes is plain SQL.
 */
public enum SqlDialect {
    HSQLDB, POSTGRESQL;

    public static SqlDialect of(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:") ? POSTGRESQL : HSQLDB;
    }

    /**
     * Adds one row to {@code table}: a row whose {@code keys} exist gets the {@code sums} added to its own, a
     * new one is inserted. Parameters ({@code ?}) are the keys then the sums, of the given SQL types.
     */
    String upsert(String table, List<String> keys, List<String> sums, List<String> sqlTypes) {
        List<String> columns = new java.util.ArrayList<>(keys);
        columns.addAll(sums);
        String all = String.join(", ", columns);
        if (this == POSTGRESQL) {
            return "INSERT INTO " + table + " AS t (" + all + ") VALUES (" + String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))
                    + ") ON CONFLICT (" + String.join(", ", keys) + ") DO UPDATE SET "
                    + sums.stream().map(s -> s + " = t." + s + " + EXCLUDED." + s).collect(Collectors.joining(", "));
        }
        String values = sqlTypes.stream().map(type -> "CAST(? AS " + type + ")").collect(Collectors.joining(", "));
        return "MERGE INTO " + table + " t USING (VALUES (" + values + ")) AS v(" + all + ") ON "
                + keys.stream().map(k -> "t." + k + " = v." + k).collect(Collectors.joining(" AND "))
                + " WHEN MATCHED THEN UPDATE SET " + sums.stream().map(s -> "t." + s + " = t." + s + " + v." + s).collect(Collectors.joining(", "))
                + " WHEN NOT MATCHED THEN INSERT (" + all + ") VALUES ("
                + columns.stream().map(c -> "v." + c).collect(Collectors.joining(", ")) + ")";
    }

    /** The start of the {@code hour}, {@code day} or ISO {@code week} (from Monday) of a timestamp column. */
    public String truncate(String column, String unit) {
        return switch (this) {
            case POSTGRESQL -> "date_trunc('" + unit + "', " + column + ")";
            case HSQLDB -> "TRUNC(" + column + ", '" + switch (unit) {
                case "hour" -> "HH";
                case "week" -> "IW";
                default -> "DD";
            } + "')";
        };
    }
}

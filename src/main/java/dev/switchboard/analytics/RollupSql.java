package dev.switchboard.analytics;

import dev.switchboard.recording.UsageRollups;
import dev.switchboard.recording.SqlDialect;
import java.sql.Timestamp;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one SELECT every rollup report runs: sums over the rollups in the query's period and filters,
 * grouped by time bucket and the query's dimensions. Column names come only from {@link Dimension} and the
 * report's own aggregate list; every value is a parameter.
 */
final class RollupSql {
    static final String BUCKET = "bucket";

    private RollupSql() {
    }

    /** The statement and its parameters. */
    record Statement(String sql, Map<String, Object> params) {
    }

    /** {@code aggregates} are SQL expressions with their aliases; {@code page} adds ORDER BY, LIMIT and OFFSET (one row more than asked, to tell if there is more). */
    static Statement select(AnalyticsQuery q, SqlDialect dialect, List<String> aggregates, boolean page) {
        return select(q, dialect, UsageRollups.TABLES, List.of(), aggregates, null, page ? List.of() : null);
    }

    /**
     * The general form: over one family of rollup tables (hourly, daily, weekly), grouped by the bucket, the query's
     * dimensions and then {@code extraGroups} (aliased {@code g0, g1...} in that order), keeping the groups whose
     * {@code having} holds (null: all). {@code order} null: no paging; else ORDER BY {@code order}, then every group
     * in turn, and LIMIT/OFFSET.
     */
    static Statement select(AnalyticsQuery q, SqlDialect dialect, List<String> tables, List<String> extraGroups, List<String> aggregates,
                            String having, List<String> order) {
        String table = table(q, tables);
        List<String> groups = new ArrayList<>();
        if (q.bucket() != AnalyticsQuery.Bucket.NONE) {
            groups.add(bucket(q, dialect, table, tables));
        }
        q.groupBy().forEach(d -> groups.add(d.rollupColumn));
        groups.addAll(extraGroups);
        List<String> select = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            select.add(groups.get(i) + " AS g" + i);
        }
        select.addAll(aggregates);
        Map<String, Object> params = new HashMap<>();
        StringBuilder sql = new StringBuilder("SELECT ").append(String.join(", ", select)).append(" FROM ").append(table)
                .append(" WHERE period_start >= :?from AND period_start < :?to");
        params.put("from", Timestamp.from(q.from()));
        params.put("to", Timestamp.from(q.to()));
        where(q, sql, params, d -> d.rollupColumn);
        if (!groups.isEmpty()) {
            sql.append(" GROUP BY ").append(String.join(", ", groups));
        }
        if (having != null) {
            sql.append(" HAVING ").append(having);
        }
        if (order != null) {
            List<String> by = new ArrayList<>(order);
            for (int i = 0; i < groups.size(); i++) {
                by.add("g" + i);
            }
            if (!by.isEmpty()) {
                sql.append(" ORDER BY ").append(String.join(", ", by));
            }
            sql.append(" LIMIT ").append(q.limit() + 1).append(" OFFSET ").append(q.offset());
        }
        return new Statement(sql.toString(), params);
    }

    /** The bucket's start: the rollup's own period when it is the bucket (no function for the database to run per row). */
    private static String bucket(AnalyticsQuery q, SqlDialect dialect, String table, List<String> tables) {
        boolean own = q.bucket() == AnalyticsQuery.Bucket.HOUR
                || (q.bucket() == AnalyticsQuery.Bucket.DAY && table.equals(tables.get(1)))
                || (q.bucket() == AnalyticsQuery.Bucket.WEEK && table.equals(tables.get(2)));
        return own ? "period_start" : dialect.truncate("period_start", q.bucket().name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The coarsest rollups whose periods tile the query's range and are no coarser than its bucket: weekly when
     * the range runs Monday to Monday (UTC), daily when it is whole days, else hourly. Each step reads about a
     * seventh or a 24th of the rows of the one below. {@code tables} is the family: hourly, daily, weekly.
     */
    static String table(AnalyticsQuery q, List<String> tables) {
        boolean wholeDays = q.from().equals(q.from().truncatedTo(ChronoUnit.DAYS)) && q.to().equals(q.to().truncatedTo(ChronoUnit.DAYS));
        boolean wholeWeeks = q.from().equals(UsageRollups.weekStart(q.from())) && q.to().equals(UsageRollups.weekStart(q.to()));
        if (wholeWeeks && (q.bucket() == AnalyticsQuery.Bucket.WEEK || q.bucket() == AnalyticsQuery.Bucket.NONE)) {
            return tables.get(2);
        }
        return wholeDays && q.bucket() != AnalyticsQuery.Bucket.HOUR ? tables.get(1) : tables.get(0);
    }

    /** Adds the query's filters as {@code AND column = :?f_<param>} (a status class as a range). */
    static void where(AnalyticsQuery q, StringBuilder sql, Map<String, Object> params, java.util.function.Function<Dimension, String> column) {
        q.filters().forEach((d, v) -> {
            String name = "f_" + d.param;
            if (d == Dimension.STATUS) {
                int code = v.endsWith("xx") ? Integer.parseInt(v.substring(0, 1)) * 100 : Integer.parseInt(v);
                int end = v.endsWith("xx") ? code + 100 : code + 1;
                sql.append(" AND ").append(column.apply(d)).append(" >= :?").append(name).append(" AND ")
                        .append(column.apply(d)).append(" < :?").append(name).append("_end");
                params.put(name, code);
                params.put(name + "_end", end);
            } else {
                sql.append(" AND ").append(column.apply(d)).append(" = :?").append(name);
                params.put(name, v);
            }
        });
    }

    /** A bucket's start as ISO-8601 UTC (the database's timestamp is the gateway's UTC wall time). */
    static String bucketText(Object value) {
        if (value instanceof Timestamp t) {
            return t.toInstant().toString();
        }
        return value == null ? null : value.toString();
    }
}

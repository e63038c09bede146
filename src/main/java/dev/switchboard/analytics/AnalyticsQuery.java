package dev.switchboard.analytics;

import dev.switchboard.api.GatewayError;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The validated parameters of one analytics call. Everything a caller sends is checked here and refused with a
 * 400 naming the parameter: unknown parameters, dates that do not parse, {@code from} after {@code to}, ranges
 * over {@link #MAX_RANGE}, hour buckets over more than {@link #MAX_HOURLY_RANGE}, unknown {@code groupBy} names,
 * out-of-range paging. The period is whole UTC hours (the rollups' grain): {@code from} is cut down to its hour
 * and {@code to} rounded up; a period longer than {@link #MAX_HOURLY_RANGE} is widened to whole UTC days the same
 * way, so it is read from the daily (or weekly) rollups. Answers say which period they cover.
 */
record AnalyticsQuery(Instant from, Instant to, Bucket bucket, Map<Dimension, String> filters, List<Dimension> groupBy,
                      int limit, int offset, boolean csv) {

    static final Duration MAX_RANGE = Duration.ofDays(400);
    static final Duration DEFAULT_RANGE = Duration.ofDays(7);
    /** Longest period read from the hourly rollups: a month of hours is about what a chart can show. */
    static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MAX_OFFSET = 100_000;
    /** Longest filter value: the widest dimension column (rule names). */
    static final int MAX_FILTER_CHARS = 512;
    private static final Pattern STATUS = Pattern.compile("[1-5](\\d\\d|xx)");
    private static final Set<String> OWN_PARAMS = Set.of("from", "to", "bucket", "groupBy", "limit", "offset", "format");

    /** Time buckets of the answer; {@code none} sums the whole period. */
    enum Bucket { HOUR, DAY, WEEK, NONE }

    static AnalyticsQuery parse(Map<String, List<String>> params, Instant now) {
        for (String name : params.keySet()) {
            if (!OWN_PARAMS.contains(name) && Dimension.byParam(name).isEmpty()) {
                throw GatewayError.badRequest(name, "Unknown parameter '" + name + "'; analytics take " + OWN_PARAMS.stream().sorted().toList()
                        + " and the filters " + Dimension.names());
            }
        }
        Instant to = ceil(instant(params, "to", now), ChronoUnit.HOURS);
        Instant from = instant(params, "from", to.minus(DEFAULT_RANGE)).truncatedTo(ChronoUnit.HOURS);
        if (from.isAfter(to)) {
            throw GatewayError.badRequest("from", "'from' (" + from + ") is after 'to' (" + to + ")");
        }
        if (Duration.between(from, to).compareTo(MAX_RANGE) > 0) {
            throw GatewayError.badRequest("from", "The period may span at most " + MAX_RANGE.toDays() + " days; got " + from + " to " + to);
        }
        Bucket bucket = bucket(one(params, "bucket"));
        if (Duration.between(from, to).compareTo(MAX_HOURLY_RANGE) > 0) {
            if (bucket == Bucket.HOUR) {
                throw GatewayError.badRequest("bucket", "Hour buckets cover at most " + MAX_HOURLY_RANGE.toDays()
                        + " days; use bucket=day or week for " + from + " to " + to);
            }
            from = from.truncatedTo(ChronoUnit.DAYS);
            to = ceil(to, ChronoUnit.DAYS);
        }
        return new AnalyticsQuery(from, to, bucket, filters(params), groupBy(params),
                integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT), integer(params, "offset", 0, 0, MAX_OFFSET), csv(one(params, "format")));
    }

    private static String one(Map<String, List<String>> params, String name) {
        List<String> values = params.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw GatewayError.badRequest(name, "'" + name + "' may be given once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    private static Instant instant(Map<String, List<String>> params, String name, Instant fallback) {
        String v = one(params, name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw GatewayError.badRequest(name, "'" + name + "' must be an ISO-8601 date or time such as 2026-11-01 or "
                    + "2026-11-01T00:00:00Z, got '" + v + "'");
        }
    }

    private static Instant ceil(Instant t, ChronoUnit unit) {
        Instant floor = t.truncatedTo(unit);
        return floor.equals(t) ? t : floor.plus(1, unit);
    }

    private static Bucket bucket(String v) {
        if (v == null) {
            return Bucket.DAY;
        }
        try {
            return Bucket.valueOf(v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw GatewayError.badRequest("bucket", "'bucket' must be hour, day, week or none, got '" + v + "'");
        }
    }

    private static Map<Dimension, String> filters(Map<String, List<String>> params) {
        Map<Dimension, String> filters = new EnumMap<>(Dimension.class);
        for (Dimension d : Dimension.values()) {
            String v = one(params, d.param);
            if (v == null) {
                continue;
            }
            if (v.length() > MAX_FILTER_CHARS) {
                throw GatewayError.badRequest(d.param, "'" + d.param + "' may be at most " + MAX_FILTER_CHARS + " characters");
            }
            if (d == Dimension.STATUS && !STATUS.matcher(v).matches()) {
                throw GatewayError.badRequest(d.param, "'status' must be an HTTP status (429) or a class (4xx), got '" + v + "'");
            }
            filters.put(d, v);
        }
        return filters;
    }

    private static List<Dimension> groupBy(Map<String, List<String>> params) {
        Set<Dimension> dims = new LinkedHashSet<>();
        for (String value : params.getOrDefault("groupBy", List.of())) {
            for (String name : value.split(",")) {
                if (name.isBlank()) {
                    continue;
                }
                dims.add(Dimension.byParam(name.trim()).orElseThrow(() -> GatewayError.badRequest("groupBy",
                        "'groupBy' takes " + Dimension.names() + "; got '" + name.trim() + "'")));
            }
        }
        return new ArrayList<>(dims);
    }

    private static int integer(Map<String, List<String>> params, String name, int fallback, int min, int max) {
        String v = one(params, name);
        try {
            int n = v == null ? fallback : Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw GatewayError.badRequest(name, "'" + name + "' must be a whole number from " + min + " to " + max + ", got '" + v + "'");
    }

    private static boolean csv(String v) {
        if (v == null || v.equals("json")) {
            return false;
        }
        if (v.equals("csv")) {
            return true;
        }
        throw GatewayError.badRequest("format", "'format' must be json or csv, got '" + v + "'");
    }
}

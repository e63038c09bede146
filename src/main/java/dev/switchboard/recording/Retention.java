package dev.switchboard.recording;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.jdbc.JdbcConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forgets old usage: raw rows after {@code SWITCHBOARD_RETENTION_DAYS}, and with them each request's quality checks,
 * feedback and conversation summaries (they describe raw rows; the quality scores read only the last 30 days of them); rollups (hourly,
 * daily, weekly, usage and failures) after {@link #ROLLUP_MONTHS} whole months (the current month and the 13
 * before it, so a month compares with the same month a year earlier). Budgets and month-to-date figures read the rollups, so they survive the raw
 * rows' retention. Run daily by a Camel timer; {@link #run} takes the time so tests can move it.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    public static final int DEFAULT_RAW_DAYS = 30;
    public static final int ROLLUP_MONTHS = 13;
    /** How often the job runs; once a day keeps at most a day's extra rows. */
    public static final Duration PERIOD = Duration.ofDays(1);

    private static final List<String> ROLLUPS = rollups();

    private final ProducerTemplate producer;
    private final String jdbcUri;
    /** Read at each run: the period may change at runtime (global settings). */
    private final java.util.function.IntSupplier rawDays;

    /** {@code rawDays}: read at each run (at least 1; checked by the global settings). */
    public Retention(ProducerTemplate producer, String dataSourceName, java.util.function.IntSupplier rawDays) {
        this.producer = producer;
        this.jdbcUri = "jdbc:" + dataSourceName + "?useHeadersAsParameters=true";
        this.rawDays = rawDays;
    }

    /** What one run deleted. */
    public record Deleted(int rawRows, int rollupRows, int qualityRows) {
    }

    /** Per-request tables kept as long as the raw usage rows; each has a {@code created_at}. */
    private static final List<String> PER_REQUEST = List.of("quality_check", "feedback");

    public Deleted run(Instant now) {
        Instant rawCutoff = now.minus(Duration.ofDays(rawDays.getAsInt()));
        Instant rollupCutoff = YearMonth.from(now.atZone(ZoneOffset.UTC)).minusMonths(ROLLUP_MONTHS).atDay(1)
                .atStartOfDay().toInstant(ZoneOffset.UTC);
        int raw = delete("DELETE FROM usage_record WHERE created_at < :?cutoff", rawCutoff);
        int quality = 0;
        for (String table : PER_REQUEST) {
            quality += delete("DELETE FROM " + table + " WHERE created_at < :?cutoff", rawCutoff);
        }
        // Summaries hold what conversations said: they go with the raw rows (a conversation still going is summarised again).
        int summaries = delete("DELETE FROM context_summary WHERE created_at < :?cutoff", rawCutoff);
        int rollups = 0;
        for (String table : ROLLUPS) {
            rollups += delete("DELETE FROM " + table + " WHERE period_start < :?cutoff", rollupCutoff);
        }
        LOG.info("Retention: {} usage row(s), {} quality check or feedback row(s) and {} conversation summaries before {}, "
                + "{} rollup row(s) before {} deleted", raw, quality, summaries, rawCutoff, rollups, rollupCutoff);
        return new Deleted(raw, rollups, quality);
    }

    private static List<String> rollups() {
        List<String> all = new java.util.ArrayList<>(UsageRollups.TABLES);
        all.addAll(UsageRollups.FAILURE_TABLES);
        return List.copyOf(all);
    }

    private int delete(String sql, Instant cutoff) {
        org.apache.camel.Exchange done = producer.send(jdbcUri, e -> {
            e.getMessage().setBody(sql);
            e.getMessage().setHeader("cutoff", Timestamp.from(cutoff));
        });
        if (done.getException() != null) {
            throw new IllegalStateException("retention: the database refused " + sql + ": " + done.getException().getMessage(), done.getException());
        }
        Integer count = done.getMessage().getHeader(JdbcConstants.JDBC_UPDATE_COUNT, Integer.class);
        return count == null ? 0 : count;
    }
}

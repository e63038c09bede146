package dev.switchboard.quality;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.recording.ModelTraffic;
import dev.switchboard.routing.ModelStats;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The quality score of each model per task type over the last {@link #WINDOW}, computed periodically from the
 * database into an in-memory snapshot that requests and rules only read.
 *
 * <p>Formula. Each answer (one {@code quality_check} row) gets a score from 0 to 1: its feedback when it has some,
 * mapped from -1..1 to 0..1 as {@code (feedback + 1) / 2}; otherwise 1 when the automatic checks found nothing and
 * 0 when they flagged anything. A model's quality score for a task type is the mean over its answers in the window,
 * and {@code samples} is their number. Feedback thus outweighs the checks for the answers it covers (an agent
 * knows best whether an answer served it); the checks give every other answer a pass or a fail. Answers not checked
 * (a stream too long to keep) count only when rated.
 *
 * <p>Latency, cost and error rate are per model and task type over the same window (from its first whole UTC day),
 * read from the daily rollups ({@link ModelTraffic}): p95 interpolated in its latency bucket, cost per 1,000 tokens of
 * the answers, and the share of attempts on the model that failed.
 */
public final class QualityScores {
    public static final Duration WINDOW = Duration.ofDays(30);
    static final String FORMULA = "per answer: (feedback + 1) / 2 when rated (feedback normalised to -1..1), else 1 when no check "
            + "flagged it and 0 when one did; quality_score = mean over the model's answers of the task type in the last 30 days";

    /** One model and task type: the figures of the score. */
    record Row(String model, String taskType, long samples, long rated, long flagged, Map<String, Long> flags, double feedbackMean,
               double qualityScore) {
    }

    /** {@code usage}: per {@link ModelTraffic#key} (model and task type). */
    record Snapshot(Instant computedAt, Instant since, List<Row> rows, Map<String, ModelTraffic.Traffic> usage) {
        static final Snapshot EMPTY = new Snapshot(null, null, List.of(), Map.of());
    }

    private final QualityDb db;
    private final ModelTraffic traffic;
    private final Clock clock;
    private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.EMPTY);
    private volatile List<ModelStats> facts = List.of();

    QualityScores(QualityDb db, ModelTraffic traffic, Clock clock) {
        this.db = db;
        this.traffic = traffic;
        this.clock = clock;
    }

    /** Recomputes the snapshot (timer thread); on a database failure the last snapshot keeps serving. */
    void refresh() {
        Instant now = clock.instant();
        Instant since = now.minus(WINDOW);
        Snapshot next = new Snapshot(now, since, quality(since), traffic.since(since.truncatedTo(ChronoUnit.DAYS)));
        current.set(next);
        facts = next.rows().stream().map(r -> toFact(r, next.usage().get(ModelTraffic.key(r.model(), r.taskType())))).toList();
    }

    /** The facts rules see: one per model and task type with answers in the window. */
    public List<ModelStats> modelStats() {
        return facts;
    }

    /** GET /admin/api/analytics/quality. */
    public ObjectNode json() {
        Snapshot s = current.get();
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "quality");
        body.put("computed_at", s.computedAt() == null ? null : s.computedAt().toString());
        body.putObject("period").put("from", s.since() == null ? null : s.since().toString())
                .put("to", s.computedAt() == null ? null : s.computedAt().toString());
        body.put("formula", FORMULA);
        ArrayNode data = body.putArray("data");
        for (Row r : s.rows()) {
            ModelTraffic.Traffic u = s.usage().get(ModelTraffic.key(r.model(), r.taskType()));
            ObjectNode item = data.addObject().put("model", r.model()).put("task_type", r.taskType())
                    .put("quality_score", r.qualityScore()).put("samples", r.samples()).put("rated", r.rated())
                    .put("feedback_mean", r.rated() == 0 ? null : r.feedbackMean()).put("flagged", r.flagged());
            ObjectNode flags = item.putObject("flags");
            r.flags().forEach(flags::put);
            item.put("latency_p95_ms", u == null ? -1 : u.latencyP95Ms()).put("cost_per_1k_tokens_usd", u == null ? 0 : u.costPer1kTokens())
                    .put("error_rate_percent", u == null ? 0 : u.errorRatePercent()).put("requests", u == null ? 0 : u.answered())
                    .put("failed_attempts", u == null ? 0 : u.failures());
        }
        return body;
    }

    private static ModelStats toFact(Row r, ModelTraffic.Traffic u) {
        return new ModelStats(r.model(), r.taskType(), r.qualityScore(), r.samples(), u == null ? -1 : u.latencyP95Ms(),
                u == null ? 0 : u.costPer1kTokens(), u == null ? 0 : u.errorRatePercent());
    }

    private List<Row> quality(Instant since) {
        StringBuilder sql = new StringBuilder("SELECT q.model, q.task_type, COUNT(*) AS samples, COUNT(f.score) AS rated, "
                + "SUM(CASE WHEN q.flag_count > 0 THEN 1 ELSE 0 END) AS flagged, SUM(f.score) AS feedback_sum, "
                + "SUM(CASE WHEN f.score IS NOT NULL THEN (f.score + 1) / 2 WHEN q.flag_count = 0 THEN 1.0 ELSE 0.0 END) AS score_sum");
        for (QualityFlag flag : QualityFlag.values()) {
            // Labels are fixed words, none inside another, so a LIKE on the comma list counts each exactly.
            sql.append(", SUM(CASE WHEN q.flags LIKE '%").append(flag.label()).append("%' THEN 1 ELSE 0 END) AS ").append(flag.label());
        }
        sql.append(" FROM quality_check q LEFT JOIN feedback f ON f.request_id = q.request_id AND f.agent = q.agent"
                + " WHERE q.created_at >= :?since AND q.model IS NOT NULL AND (q.checked = TRUE OR f.score IS NOT NULL)"
                + " GROUP BY q.model, q.task_type ORDER BY q.model, q.task_type");
        List<Row> rows = new ArrayList<>();
        for (Map<?, ?> r : db.select(sql.toString(), Map.of("since", Timestamp.from(since)))) {
            long samples = number(r, "samples").longValue();
            long rated = number(r, "rated").longValue();
            Map<String, Long> flags = new TreeMap<>();
            for (QualityFlag flag : QualityFlag.values()) {
                flags.put(flag.label(), number(r, flag.label()).longValue());
            }
            rows.add(new Row((String) QualityDb.value(r, "model"), String.valueOf(QualityDb.value(r, "task_type")), samples, rated,
                    number(r, "flagged").longValue(), flags, rated == 0 ? 0 : number(r, "feedback_sum").doubleValue() / rated,
                    samples == 0 ? 0 : number(r, "score_sum").doubleValue() / samples));
        }
        return rows;
    }

    private static Number number(Map<?, ?> row, String column) {
        Object v = QualityDb.value(row, column);
        return v instanceof Number n ? n : 0;
    }
}

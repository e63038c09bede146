package dev.switchboard.recording;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.ProducerTemplate;

/**
 * How each model did per task type since a time, read from the daily rollups (never the raw rows): the requests it
 * answered (status below 400) with their tokens, cost and latency histogram, and its failed attempts from the failure
 * rollups. Two grouped SELECTs whose cost grows with days × models × task types, not with requests.
 */
public final class ModelTraffic {
    private static final double PERCENT = 100;
    private static final double TOKENS_PER_PRICE_UNIT = 1000;

    private final Jdbc jdbc;

    public ModelTraffic(ProducerTemplate producer, String dataSourceName) {
        this.jdbc = new Jdbc(producer, dataSourceName);
    }

    /** One model on one task type; {@code latency} counts per {@link LatencyBuckets} bucket. */
    public record Traffic(String model, String taskType, long answered, long failures, long promptTokens, long completionTokens,
                          double costUsd, long[] latency) {
        /** Attempts on the model: its answers and its failed attempts (retries included). */
        public long attempts() {
            return answered + failures;
        }

        /** Share of attempts that failed, 0 to 100. */
        public double errorRatePercent() {
            return attempts() == 0 ? 0 : PERCENT * failures / attempts();
        }

        /** 95th percentile latency of the answers in milliseconds (interpolated in its bucket), -1 with none. */
        public long latencyP95Ms() {
            return LatencyBuckets.quantile(latency, 0.95);
        }

        /** What 1,000 tokens of its answers cost in USD, 0 with none. */
        public double costPer1kTokens() {
            long tokens = promptTokens + completionTokens;
            return tokens == 0 ? 0 : costUsd * TOKENS_PER_PRICE_UNIT / tokens;
        }

        /** This and {@code other} together (the same model on another task type). */
        public Traffic plus(Traffic other) {
            long[] sum = latency.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.latency[i];
            }
            return new Traffic(model, null, answered + other.answered, failures + other.failures, promptTokens + other.promptTokens,
                    completionTokens + other.completionTokens, costUsd + other.costUsd, sum);
        }
    }

    /** Keyed by {@link #key}; models with only failures are there too. */
    public Map<String, Traffic> since(Instant since) {
        Map<String, Object> p = Map.of("since", Timestamp.from(since));
        List<String> histogram = UsageRollups.histogram("latency");
        StringBuilder sql = new StringBuilder("SELECT model, task_type, SUM(requests) AS answered, SUM(prompt_tokens) AS prompt_tokens, "
                + "SUM(completion_tokens) AS completion_tokens, SUM(cost_usd) AS cost_usd");
        histogram.forEach(c -> sql.append(", SUM(").append(c).append(") AS ").append(c));
        sql.append(" FROM ").append(UsageRollups.DAILY).append(" WHERE period_start >= :?since AND status < 400 AND model <> '' GROUP BY model, task_type");
        Map<String, Traffic> out = new LinkedHashMap<>();
        for (Map<String, Object> r : jdbc.select(sql.toString(), p)) {
            long[] latency = new long[histogram.size()];
            for (int i = 0; i < latency.length; i++) {
                latency[i] = number(r.get(histogram.get(i)));
            }
            String model = r.get("model").toString();
            String task = r.get("task_type").toString();
            out.put(key(model, task), new Traffic(model, task, number(r.get("answered")), 0, number(r.get("prompt_tokens")),
                    number(r.get("completion_tokens")), decimal(r.get("cost_usd")), latency));
        }
        for (Map<String, Object> r : jdbc.select("SELECT failed_model, task_type, SUM(failures) AS failures FROM " + UsageRollups.FAILURE_TABLES.get(1)
                + " WHERE period_start >= :?since AND failed_model <> '' GROUP BY failed_model, task_type", p)) {
            String model = r.get("failed_model").toString();
            String task = r.get("task_type").toString();
            Traffic t = out.getOrDefault(key(model, task), none(model, task));
            out.put(key(model, task), new Traffic(model, task, t.answered(), number(r.get("failures")), t.promptTokens(), t.completionTokens(),
                    t.costUsd(), t.latency()));
        }
        return out;
    }

    /** Per model over all task types (their {@code taskType} is null). */
    public static Map<String, Traffic> byModel(Map<String, Traffic> traffic) {
        Map<String, Traffic> out = new LinkedHashMap<>();
        traffic.values().forEach(t -> out.put(t.model(), out.getOrDefault(t.model(), none(t.model(), null)).plus(t)));
        return out;
    }

    private static Traffic none(String model, String taskType) {
        return new Traffic(model, taskType, 0, 0, 0, 0, 0, new long[LatencyBuckets.COUNT]);
    }

    public static String key(String model, String taskType) {
        return model + "\n" + taskType;
    }

    private static long number(Object v) {
        return v == null ? 0 : ((Number) v).longValue();
    }

    private static double decimal(Object v) {
        return v == null ? 0 : ((Number) v).doubleValue();
    }
}

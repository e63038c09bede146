package dev.switchboard.routing;

/**
 * How a model has done on one task type over the last 30 days, as rules see it
 * ({@code ModelStats(model == "gpt-4o", taskType == "code", samples >= 50, qualityScore >= 0.8)}). Computed
 * periodically off the request path (see {@code dev.switchboard.quality.QualityScores}); inserted beside the request
 * only when some rule mentions ModelStats.
 */
public final class ModelStats {
    private final String model;
    private final String taskType;
    private final double qualityScore;
    private final long samples;
    private final long latencyP95Ms;
    private final double costPer1kTokens;
    private final double errorRate;

    public ModelStats(String model, String taskType, double qualityScore, long samples, long latencyP95Ms, double costPer1kTokens,
                      double errorRate) {
        this.model = model;
        this.taskType = taskType;
        this.qualityScore = qualityScore;
        this.samples = samples;
        this.latencyP95Ms = latencyP95Ms;
        this.costPer1kTokens = costPer1kTokens;
        this.errorRate = errorRate;
    }

    /** The model that served the answers (catalog id, or provider/model-id). */
    public String getModel() { return model; }
    /** The task type the callers named (x-switchboard-task-type), "chat" when unsaid. */
    public String getTaskType() { return taskType; }
    /** 0 (bad) to 1 (good): the mean of the answers' scores (feedback where given, else the automatic checks). */
    public double getQualityScore() { return qualityScore; }
    /** How many answers the score stands on. */
    public long getSamples() { return samples; }
    /** 95th percentile latency of the model's answers of this task type in milliseconds, -1 when none. */
    public long getLatencyP95Ms() { return latencyP95Ms; }
    /** What 1,000 tokens (prompt and completion) of the model's answers of this task type cost in USD, 0 when unknown. */
    public double getCostPer1kTokens() { return costPer1kTokens; }
    /** Share of the model's attempts on this task type that failed (retries included), 0 to 100 (percent). */
    public double getErrorRate() { return errorRate; }

    @Override
    public String toString() {
        return "ModelStats[" + model + "/" + taskType + " quality " + qualityScore + " of " + samples + "]";
    }
}

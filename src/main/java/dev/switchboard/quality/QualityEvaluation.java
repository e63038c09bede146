package dev.switchboard.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quality evaluation as the rest of the gateway uses it: answers are handed in for their automatic checks,
 * feedback is taken from the agents that made the requests, and scores per model and task type are refreshed on a
 * timer and read from memory (by rules as {@link dev.switchboard.routing.ModelStats} facts, by the management API).
 */
public final class QualityEvaluation implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QualityEvaluation.class);
    /** Scores over 30 days move slowly: a few minutes old is fresh enough, and the query stays rare. */
    public static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
    /** The first scores come this soon after start (or at the first period, when shorter). */
    private static final Duration FIRST_REFRESH = Duration.ofSeconds(10);
    /** Prometheus: {@code switchboard_quality_checks_dropped_total}. */
    public static final String CHECKS_DROPPED = "switchboard.quality.checks.dropped";

    private final RecentAnswers recent = new RecentAnswers();
    private final CheckRecorder checks;
    private final FeedbackDesk feedback;
    private final QualityScores scores;
    private final RequestQuality requests;
    private final Duration refresh;
    /** Run after each refresh of the scores, on the timer's thread: work that reads the fresh scores. */
    private final List<Runnable> afterRefresh = new java.util.concurrent.CopyOnWriteArrayList<>();

    public QualityEvaluation(ProducerTemplate producer, String dataSourceName, MeterRegistry metrics, Clock clock, Duration refresh) {
        QualityDb db = new QualityDb(producer, dataSourceName);
        this.checks = new CheckRecorder(db);
        FunctionCounter.builder(CHECKS_DROPPED, checks, CheckRecorder::dropped)
                .description("Answers whose quality checks were not stored (queue full or database refused)").register(metrics);
        this.feedback = new FeedbackDesk(db, recent, clock);
        this.scores = new QualityScores(db, new dev.switchboard.recording.ModelTraffic(producer, dataSourceName), clock);
        this.requests = new RequestQuality(db);
        this.refresh = refresh;
    }

    /**
     * Called as an answer starts going out: from now on its agent may rate it, even before its row is written. Callers
     * without an agent key cannot give feedback, so nothing is kept for them.
     */
    public void answering(String requestId, String agent) {
        if (agent != null) {
            recent.remember(requestId, agent);
        }
    }

    /** Queues the checks of a finished answer; never blocks the caller. */
    public void answered(AnsweredRequest answer) {
        checks.submit(answer);
    }

    /** Stores an agent's rating of one of its answers; refusals are {@link dev.switchboard.api.GatewayError}s. */
    public ObjectNode feedback(String agent, JsonNode body) {
        return feedback.submit(agent, body);
    }

    /** One request's checks and feedback; empty until its checks are stored, or when it had no answer. */
    public java.util.Optional<ObjectNode> request(String requestId) {
        return requests.of(requestId);
    }

    public QualityScores scores() {
        return scores;
    }

    public Duration refreshPeriod() {
        return refresh;
    }

    /** When the first scores are computed: soon after start, not a whole period later. */
    public Duration firstRefresh() {
        return refresh.compareTo(FIRST_REFRESH) < 0 ? refresh : FIRST_REFRESH;
    }

    /** The timer's work: a failed refresh keeps the previous scores and is tried again at the next tick. */
    public void refreshScores() {
        try {
            scores.refresh();
        } catch (RuntimeException e) {
            LOG.warn("Quality scores not refreshed ({}); the previous ones keep serving", e.getMessage());
        }
        afterRefresh.forEach(Runnable::run);
    }

    /** {@code work} runs after each refresh of the scores (on the timer, off the request path); it handles its own failures. */
    public void afterRefresh(Runnable work) {
        afterRefresh.add(work);
    }

    @Override
    public void close() {
        checks.close();
    }
}

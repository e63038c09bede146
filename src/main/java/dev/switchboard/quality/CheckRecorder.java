package dev.switchboard.quality;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the automatic checks of each answer and stores them, one {@code quality_check} row per request, on a
 * thread of its own: the caller has its answer before any check runs. Best effort, unlike usage rows: when the
 * queue is full or the database refuses, the row is dropped and counted (a quality score is a sample, not a bill).
 */
final class CheckRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckRecorder.class);
    /** Answers waiting to be checked; each holds its request and answer, so this bounds memory too. */
    static final int QUEUE_CAPACITY = 10_000;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final QualityDb db;
    private final AtomicLong dropped = new AtomicLong();
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY), r -> {
                Thread t = new Thread(r, "quality-checks");
                t.setDaemon(true);
                return t;
            }, (task, pool) -> dropped.incrementAndGet());

    CheckRecorder(QualityDb db) {
        this.db = db;
    }

    /** Queues the checks of one answer; never blocks. */
    void submit(AnsweredRequest answered) {
        executor.execute(() -> record(answered));
    }

    /** Answers not checked because the queue was full or their row could not be written (a metric). */
    long dropped() {
        return dropped.get();
    }

    private void record(AnsweredRequest a) {
        try {
            boolean checkable = a.response() != null;
            Set<QualityFlag> flags = checkable ? AnswerChecks.check(a.request(), a.response()) : Set.of();
            Map<String, Object> p = new HashMap<>();
            p.put("id", a.requestId());
            p.put("at", Timestamp.from(a.createdAt()));
            p.put("agent", a.agent());
            p.put("caller", a.caller());
            p.put("model", a.model());
            p.put("task", a.taskType());
            p.put("checked", checkable);
            p.put("flags", flags.stream().map(QualityFlag::label).sorted().collect(Collectors.joining(",")));
            p.put("count", flags.size());
            db.update("INSERT INTO quality_check (request_id, created_at, agent, caller, model, task_type, checked, flags, flag_count) "
                    + "VALUES (:?id, :?at, :?agent, :?caller, :?model, :?task, :?checked, :?flags, :?count)", p);
        } catch (RuntimeException e) {
            dropped.incrementAndGet();
            LOG.warn("Quality checks of request {} not stored: {}", a.requestId(), e.getMessage());
        }
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.switchboard.recording;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes usage rows off the response path: {@link #submit} only queues, one background thread inserts in
 * batches through camel-jdbc. When the database is away, the batch waits and is retried with backoff, so a
 * request is never slowed or failed by recording and no row is lost while the queue has room. A row the
 * database refuses for what it holds (too long, invalid characters) is a different thing: it is logged with its
 * request id, counted and set aside, and the rows around it are written.
 */
public final class UsageWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageWriter.class);
    /** Room for rows while the database is away: about 100 MB at worst, minutes of traffic at full load. */
    public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
    /** Rows per INSERT: large enough to amortise a round trip, small enough for any JDBC driver. */
    public static final int MAX_BATCH = 200;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** How long the last flush may go without writing a row before the shutdown goes on without it. */
    private static final Duration FLUSH_STALL = Duration.ofSeconds(10);
    /** Column widths (characters) of what callers choose; the front door refuses longer values (see the migrations in db/migration). */
    public static final int CALLER_CHARS = 256;
    public static final int MODEL_CHARS = 256;
    public static final int TAGS_CHARS = 1000;
    static final List<String> COLUMNS = List.of("request_id", "created_at", "entry", "operation", "caller",
            "requested_model", "model", "provider", "rule_name", "attempts", "attempt_count", "prompt_tokens",
            "completion_tokens", "total_tokens", "cost_usd", "latency_ms", "ttft_ms", "status", "outcome", "error",
            "stream", "tags", "cached_tokens", "reasoning_tokens", "task_type", "chain_id", "fallback_count", "planned_cost_usd",
            "context_fit");

    private final BlockingQueue<UsageRecord> queue;
    private final ProducerTemplate producer;
    private final String jdbcUri;
    private final ObjectMapper json = new ObjectMapper();
    private final Counter dropped;
    private final Counter written;
    private final Counter rejected;
    private final Thread thread;
    /** Sums of the rows written, for the rollup tables; waits there while the database is away. */
    private final UsageRollups rollup;
    private final String dataSourceName;
    private volatile boolean running = true;
    private volatile boolean healthy = true;
    /** Rows taken off the queue into the batch being written (or retried). */
    private volatile int inFlight;
    /** Where each row also goes before its answer is sent, so a crash loses none; null: no journal. */
    private volatile UsageJournal journal;

    public UsageWriter(ProducerTemplate producer, String dataSourceName, SqlDialect dialect, MeterRegistry registry, int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.rollup = new UsageRollups(dialect);
        this.dataSourceName = dataSourceName;
        this.producer = producer;
        this.jdbcUri = "jdbc:" + dataSourceName + "?useHeadersAsParameters=true";
        this.dropped = Counter.builder(MetricNames.RECORDING_DROPPED).register(registry);
        this.written = Counter.builder(MetricNames.RECORDING_WRITTEN).register(registry);
        this.rejected = Counter.builder(MetricNames.RECORDING_REJECTED).register(registry);
        Gauge.builder(MetricNames.RECORDING_QUEUE, queue, BlockingQueue::size).register(registry);
        this.thread = new Thread(this::run, "usage-writer");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /**
     * Journals every row before it is queued and queues again the rows a previous run journaled but did not write
     * (those already in the database skipped by request id); call before {@link #start}. The count queued again.
     */
    public int journal(UsageJournal usageJournal) {
        this.journal = usageJournal;
        List<UsageRecord> left = usageJournal.recover();
        Set<String> present = new HashSet<>();
        for (int i = 0; i < left.size(); i += MAX_BATCH) {
            List<UsageRecord> chunk = left.subList(i, Math.min(left.size(), i + MAX_BATCH));
            Map<String, Object> ids = new HashMap<>();
            StringBuilder in = new StringBuilder();
            for (int k = 0; k < chunk.size(); k++) {
                in.append(k == 0 ? ":?id" : ", :?id").append(k);
                ids.put("id" + k, chunk.get(k).requestId());
            }
            List<?> rows = producer.requestBodyAndHeaders("jdbc:" + dataSourceName + "?outputType=SelectList&useHeadersAsParameters=true",
                    "SELECT request_id FROM usage_record WHERE request_id IN (" + in + ")", ids, List.class);
            rows.forEach(r -> ((Map<?, ?>) r).values().forEach(v -> present.add(String.valueOf(v))));
        }
        int requeued = 0;
        for (UsageRecord row : left) {
            if (present.add(row.requestId())) {
                submit(row);
                requeued++;
            }
        }
        usageJournal.recovered();
        if (!left.isEmpty()) {
            LOG.info("Usage journal: {} row(s) of the previous run were not in the database and are written now; {} already were",
                    requeued, left.size() - requeued);
        }
        return requeued;
    }

    /** Queues a row (journaled first, when there is a journal); never blocks. A full queue drops the row and counts it. */
    public void submit(UsageRecord record) {
        UsageJournal j = journal;
        if (j != null) {
            // Journal and queue in one order, so the journal knows which of its rows are written by counting them.
            synchronized (j) {
                j.append(record);
                enqueue(record, j);
            }
            return;
        }
        enqueue(record, null);
    }

    private void enqueue(UsageRecord record, UsageJournal j) {
        if (!queue.offer(record)) {
            if (j != null) {
                j.written(1); // not coming: counted as done, so the segments after it can still go
            }
            dropped.increment();
            LOG.warn("Usage queue full ({} rows): the database has been unavailable too long; dropping request {}",
                    queue.size(), record.requestId());
        }
    }

    /** Rows not yet in the database: queued, plus the batch being written or retried. */
    public int pending() {
        return queue.size() + inFlight;
    }

    /** False while the last write failed (the database is away). */
    public boolean healthy() {
        return healthy;
    }

    private void run() {
        List<UsageRecord> batch = new ArrayList<>(MAX_BATCH);
        long backoffMs = 100;
        while (running || !queue.isEmpty() || !batch.isEmpty() || !rollup.isEmpty()) {
            try {
                if (batch.isEmpty() && rollup.isEmpty()) {
                    UsageRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    inFlight = batch.size();
                }
                if (!batch.isEmpty()) {
                    int before = batch.size();
                    try {
                        write(batch);
                    } finally {
                        UsageJournal j = journal;
                        if (j != null && before > batch.size()) {
                            j.written(before - batch.size());
                        }
                    }
                }
                rollup.flush(dataSource());
                inFlight = 0; // after the sums: a row is pending until the reports count it too
                if (!healthy) {
                    LOG.info("Usage database is back; pending rows written");
                }
                healthy = true;
                backoffMs = 100;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (healthy) {
                    LOG.warn("Usage database unavailable ({}); {} row(s) kept and retried", SqlFailure.rootMessage(e), batch.size() + queue.size());
                }
                healthy = false;
                if (!running) {
                    LOG.error("Shutting down with {} usage row(s) unwritten: the database is unavailable", batch.size() + queue.size());
                    return;
                }
                sleepQuietly(backoffMs);
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    /**
     * Writes the batch and empties it. A row the database refuses for its content is set aside; an outage
     * throws, leaving the rows not yet written in the batch to be retried.
     */
    private void write(List<UsageRecord> batch) {
        try {
            insert(batch);
            batch.forEach(rollup::add);
            written.increment(batch.size());
            batch.clear();
        } catch (CamelExecutionException e) {
            if (!SqlFailure.isRefusedContent(e)) {
                throw e;
            }
            // One row's content (or a row an earlier try already wrote) fails the whole INSERT: go row by row so
            // only that row is held back, and keep the batch to what is still unwritten should the database go away.
            for (Iterator<UsageRecord> rows = batch.iterator(); rows.hasNext(); ) {
                writeOne(rows.next());
                rows.remove();
                inFlight = batch.size();
            }
        }
    }

    private void writeOne(UsageRecord row) {
        try {
            insert(List.of(row));
            rollup.add(row);
            written.increment();
        } catch (CamelExecutionException e) {
            if (SqlFailure.isDuplicateKey(e)) {
                rollup.add(row); // written by an earlier try whose answer was lost, so its sums were not taken yet
                return;
            }
            if (!SqlFailure.isRefusedContent(e)) {
                throw e;
            }
            rejected.increment();
            LOG.error("Usage row of request {} refused by the database for its content and set aside ({}); other rows go on",
                    row.requestId(), SqlFailure.rootMessage(e));
        }
    }

    private void insert(List<UsageRecord> batch) {
        StringBuilder sql = new StringBuilder("INSERT INTO usage_record (").append(String.join(", ", COLUMNS)).append(") VALUES ");
        Map<String, Object> params = new HashMap<>(batch.size() * COLUMNS.size() * 2);
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "(" : ", (");
            List<Object> values = values(batch.get(i));
            for (int c = 0; c < COLUMNS.size(); c++) {
                String name = "r" + i + "_" + c;
                sql.append(c == 0 ? "" : ", ").append(":?").append(name);
                params.put(name, values.get(c));
            }
            sql.append(')');
        }
        producer.sendBodyAndHeaders(jdbcUri, sql.toString(), params);
    }

    private List<Object> values(UsageRecord r) {
        String attempts;
        try {
            attempts = json.writeValueAsString(r.attempts());
        } catch (Exception e) {
            attempts = "[]";
        }
        List<Object> values = java.util.Arrays.asList(r.requestId(), Timestamp.from(r.createdAt()), r.entry(), r.operation(), r.caller(),
                truncate(r.requestedModel(), MODEL_CHARS), truncate(r.model(), MODEL_CHARS), r.provider(), truncate(r.rule(), 512),
                truncate(attempts, 8000), r.attempts().size(), r.promptTokens(), r.completionTokens(), r.totalTokens(),
                r.costUsd(), r.latencyMs(), r.ttftMs(), r.status(), r.outcome(), truncate(r.error(), 2000), r.stream(),
                truncate(String.join(",", r.tags()), TAGS_CHARS), r.cachedTokens(), r.reasoningTokens(), r.taskType(),
                truncate(r.chain(), 256), r.fallbacks(), r.plannedCostUsd(), r.contextFit());
        values.replaceAll(v -> v instanceof String text ? SqlText.storable(text) : v);
        return values;
    }

    private javax.sql.DataSource dataSource() {
        javax.sql.DataSource ds = producer.getCamelContext().getRegistry().lookupByNameAndType(dataSourceName, javax.sql.DataSource.class);
        if (ds == null) {
            throw new IllegalStateException("no data source '" + dataSourceName + "' in the registry");
        }
        return ds;
    }

    /**
     * Writes every queued row, then stops. Waits as long as rows keep reaching the database, since a full
     * queue takes longer than any fixed timeout; gives up after {@link #FLUSH_STALL} without progress (the
     * writer itself stops retrying once closed, see {@link #run}).
     */
    @Override
    public void close() {
        running = false;
        try {
            int before = Integer.MAX_VALUE;
            while (thread.isAlive() && pending() < before) {
                before = pending();
                thread.join(FLUSH_STALL.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // backoff between retries of an unavailable database, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

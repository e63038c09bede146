package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.api.Usage;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.providers.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response cache's shared tier ({@code SWITCHBOARD_CACHE_SHARED}): the {@code response_cache} table, so that an
 * answer one instance made serves an identical request on another. Read after a local miss; written by one background
 * thread from a bounded queue (a full queue drops the write: the answer is only not shared), so the response path never
 * waits for an insert. A sweep on a timer deletes expired rows, then the oldest ones beyond the size bound.
 */
final class SharedAnswers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedAnswers.class);
    /** Answers waiting to be written; beyond this the newest are not shared (the database is slower than the traffic). */
    static final int WRITE_QUEUE = 1_000;
    static final Duration SWEEP_PERIOD = Duration.ofMinutes(1);
    /** Rows read per statement to find the oldest to delete when over the size bound. */
    private static final int EVICT_BATCH = 500;
    /** Bounds the sweep's loop: at most this many batches per run; the next run continues. */
    private static final int EVICT_ROUNDS = 100;

    private final DataSource db;
    private final Supplier<Catalog> catalog;
    private final Clock clock;
    private final long maxBytes;
    private final ThreadPoolExecutor writer;
    private final ScheduledExecutorService sweeper;

    SharedAnswers(DataSource db, Supplier<Catalog> catalog, Clock clock, long maxBytes) {
        this.db = db;
        this.catalog = catalog;
        this.clock = clock;
        this.maxBytes = maxBytes;
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(WRITE_QUEUE),
                daemon("cache-shared-writer"), new ThreadPoolExecutor.DiscardPolicy());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemon("cache-shared-sweep"));
        sweeper.scheduleWithFixedDelay(this::sweepQuietly, SWEEP_PERIOD.toMillis(), SWEEP_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The unexpired answer stored under {@code key} for {@code scope}, with the time it has left as its TTL; else null. */
    CacheStage.Entry find(String key, String scope) {
        Instant now = clock.instant();
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT served_model, served_provider, cost_usd, answer, size_bytes, expires_at "
                     + "FROM response_cache WHERE cache_key = ? AND scope = ? AND expires_at > ?")) {
            s.setString(1, key);
            s.setString(2, scope);
            s.setTimestamp(3, utc(now));
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? entry(r, now) : null;
            }
        } catch (SQLException | java.io.IOException | RuntimeException e) {
            LOG.warn("Shared response cache not read ({}); answering from the provider", e.getMessage());
            return null;
        }
    }

    private CacheStage.Entry entry(ResultSet r, Instant now) throws SQLException, java.io.IOException {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(r.getString("answer"));
        String served = r.getString("served_model");
        Catalog current = catalog.get();
        ModelSpec model = current.model(served).or(() -> current.modelServing(served)).orElse(null);
        ProviderSpec provider = r.getString("served_provider") == null ? null : current.provider(r.getString("served_provider")).orElse(null);
        JsonNode finish = body.path("choices").path(0).path("finish_reason");
        ChatResponse response = new ChatResponse(body, Usage.fromOpenAi(body.get("usage")), finish.isTextual() ? finish.asText() : null);
        Duration left = Duration.between(now, instant(r.getTimestamp("expires_at")));
        return new CacheStage.Entry(response, served, model, provider, r.getDouble("cost_usd"), left, r.getInt("size_bytes"));
    }

    /** Queues the answer for the table (replacing an older one under the same key); returns at once. */
    void put(String key, String scope, String routedModel, CacheStage.Entry entry) {
        Instant created = clock.instant();
        writer.execute(() -> write(key, scope, routedModel, entry, created));
    }

    private void write(String key, String scope, String routedModel, CacheStage.Entry entry, Instant created) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM response_cache WHERE cache_key = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO response_cache (cache_key, scope, routed_model, served_model, "
                         + "served_provider, cost_usd, answer, size_bytes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                delete.setString(1, key);
                delete.executeUpdate();
                insert.setString(1, key);
                insert.setString(2, scope);
                insert.setString(3, routedModel);
                insert.setString(4, entry.servedModelName());
                insert.setString(5, entry.servedProvider() == null ? null : entry.servedProvider().id());
                insert.setDouble(6, entry.costUsd());
                // The answer is the provider's JSON; NUL (refused by PostgreSQL) is escaped by the JSON writer.
                insert.setString(7, Json.MAPPER.writeValueAsString(entry.response().body()));
                insert.setInt(8, entry.weightBytes());
                insert.setTimestamp(9, utc(created));
                insert.setTimestamp(10, utc(created.plus(entry.ttl())));
                insert.executeUpdate();
                c.commit();
            } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
                c.rollback(); // another instance stored the same answer first: theirs serves as well
                LOG.debug("Shared response cache entry not written: {}", e.getMessage());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Shared response cache not written: {}", e.getMessage());
        }
    }

    /** Deletes expired rows, then the oldest until the stored answers fit the size bound. */
    void sweep() throws SQLException {
        try (Connection c = db.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM response_cache WHERE expires_at <= ?")) {
                s.setTimestamp(1, utc(clock.instant()));
                s.executeUpdate();
            }
            long excess = storedBytes(c) - maxBytes;
            for (int round = 0; round < EVICT_ROUNDS && excess > 0; round++) {
                Timestamp cutoff = oldestHolding(c, excess);
                try (PreparedStatement s = c.prepareStatement("DELETE FROM response_cache WHERE created_at <= ?")) {
                    s.setTimestamp(1, cutoff);
                    s.executeUpdate();
                }
                excess = storedBytes(c) - maxBytes;
            }
        }
    }

    /** The creation time up to which the oldest rows hold {@code bytes} (or the newest of the oldest batch). */
    private static Timestamp oldestHolding(Connection c, long bytes) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT created_at, size_bytes FROM response_cache ORDER BY created_at LIMIT " + EVICT_BATCH);
             ResultSet r = s.executeQuery()) {
            Timestamp cutoff = null;
            long freed = 0;
            while (freed < bytes && r.next()) {
                cutoff = r.getTimestamp(1);
                freed += r.getInt(2);
            }
            return cutoff;
        }
    }

    private static long storedBytes(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(size_bytes), 0) FROM response_cache");
             ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Shared response cache not swept: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** TIMESTAMP columns hold UTC wall time (FLYWAY.md). */
    private static Timestamp utc(Instant t) {
        return Timestamp.valueOf(LocalDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    private static Instant instant(Timestamp t) {
        return t.toLocalDateTime().toInstant(ZoneOffset.UTC);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}

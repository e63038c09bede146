package dev.switchboard.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What several instances on one database agree through, with no protocol of their own: a version per topic in
 * {@code change_log}, bumped after every write of shared settings and polled by every instance (one indexed read
 * of a handful of rows every {@link #POLL}), so a change made on one instance serves on all within a second;
 * and a heartbeat row per instance in {@code switchboard_instance}, which tells how many instances share the
 * per-instance rate limits and which instances died holding budget reservations.
 */
public final class SharedState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedState.class);
    /** How often the change log is read: a change serves everywhere within this plus the reload itself. */
    public static final Duration POLL = Duration.ofMillis(250);
    /** Heartbeat every this many polls (1 s). */
    private static final int HEARTBEAT_EVERY_POLLS = 4;
    /** An instance silent this long is gone: its share of the rate limits goes to the others, its holds are released. */
    public static final Duration DEAD_AFTER = Duration.ofSeconds(10);
    /** Dead instances' budget holds are looked for every this many polls (5 s). */
    private static final int REAP_EVERY_POLLS = 20;

    /** The kinds of shared settings, one change_log row each. */
    public enum Topic {
        AGENTS, CATALOG, PROVIDERS, RULES, SETTINGS;

        String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Gives back the budget holds of an instance that is gone. */
    @FunctionalInterface
    public interface HoldReaper {
        void releaseDead(long silentSinceMs);
    }

    private final DataSource db;
    private final String instanceId;
    private final LongSupplier clockMs;
    private final Map<Topic, List<Runnable>> listeners = new ConcurrentHashMap<>();
    private final Map<String, Long> seen = new HashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "shared-state-poll");
        t.setDaemon(true);
        return t;
    });
    private HoldReaper reaper = silentSince -> { };
    private volatile int liveInstances = 1;
    private long polls;

    public SharedState(DataSource db, String instanceId, LongSupplier clockMs) {
        this.db = db;
        this.instanceId = instanceId;
        this.clockMs = clockMs;
    }

    public String instanceId() {
        return instanceId;
    }

    /** Runs {@code reload} (on the poll thread) whenever another write of {@code topic} is seen. */
    public void onChange(Topic topic, Runnable reload) {
        listeners.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(reload);
    }

    public void reaper(HoldReaper holds) {
        this.reaper = holds;
    }

    /**
     * Registers this instance and notes the versions in force; call before the stores load, so a change made while
     * they load is still seen by the first poll.
     */
    public SharedState start() {
        try (Connection c = db.getConnection()) {
            heartbeat(c, true);
            seen.putAll(versions(c));
            liveInstances = countLive(c);
        } catch (SQLException e) {
            throw new IllegalStateException("shared state: " + e.getMessage(), e);
        }
        LOG.info("Instance {}: {} live instance(s) on this database", instanceId, liveInstances);
        poller.scheduleWithFixedDelay(this::poll, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Instances with a heartbeat in the last {@link #DEAD_AFTER}, this one included; at least 1. */
    public int liveInstances() {
        return liveInstances;
    }

    /** Says every instance should reload {@code topic}: called after the write it announces has committed. */
    public void bump(Topic topic) {
        try (Connection c = db.getConnection()) {
            bump(c, topic);
        } catch (SQLException e) {
            // The write itself is done; other instances see it with the next change or at their restart.
            LOG.warn("Change of {} not announced to other instances: {}", topic.key(), e.getMessage());
        }
    }

    private static void bump(Connection c, Topic topic) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE change_log SET version = version + 1 WHERE topic = ?")) {
            up.setString(1, topic.key());
            if (up.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement in = c.prepareStatement("INSERT INTO change_log (topic, version) VALUES (?, 1)")) {
            in.setString(1, topic.key());
            in.executeUpdate();
        } catch (SQLException raced) {
            // another instance inserted the row first: count this change on it
            try (PreparedStatement up = c.prepareStatement("UPDATE change_log SET version = version + 1 WHERE topic = ?")) {
                up.setString(1, topic.key());
                up.executeUpdate();
            }
        }
    }

    private void poll() {
        try (Connection c = db.getConnection()) {
            Map<String, Long> now = versions(c);
            for (Topic topic : Topic.values()) {
                Long version = now.get(topic.key());
                if (version != null && !version.equals(seen.get(topic.key()))) {
                    seen.put(topic.key(), version);
                    reload(topic);
                }
            }
            polls++;
            if (polls % HEARTBEAT_EVERY_POLLS == 0) {
                heartbeat(c, false);
                liveInstances = countLive(c);
            }
            if (polls % REAP_EVERY_POLLS == 0) {
                long silentSince = clockMs.getAsLong() - DEAD_AFTER.toMillis();
                reaper.releaseDead(silentSince);
                forgetDead(c, silentSince);
            }
        } catch (SQLException | RuntimeException e) {
            // the database is away: the next poll tries again
            LOG.debug("Shared state poll failed: {}", e.getMessage());
        }
    }

    private void reload(Topic topic) {
        for (Runnable r : listeners.getOrDefault(topic, List.of())) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("Reloading {} changed on another instance failed (retried at its next change): {}", topic.key(), e.getMessage());
            }
        }
    }

    private Map<String, Long> versions(Connection c) throws SQLException {
        Map<String, Long> versions = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT topic, version FROM change_log"); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                versions.put(rs.getString(1), rs.getLong(2));
            }
        }
        return versions;
    }

    /** This instance's heartbeat row, made on its first beat; a restart under the same id starts it anew. */
    private void heartbeat(Connection c, boolean starting) throws SQLException {
        long now = clockMs.getAsLong();
        String sql = starting ? "UPDATE switchboard_instance SET heartbeat_ms = ?, started_ms = ? WHERE id = ?"
                : "UPDATE switchboard_instance SET heartbeat_ms = ? WHERE id = ?";
        try (PreparedStatement up = c.prepareStatement(sql)) {
            int i = 1;
            up.setLong(i++, now);
            if (starting) {
                up.setLong(i++, now);
            }
            up.setString(i, instanceId);
            if (up.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement in = c.prepareStatement("INSERT INTO switchboard_instance (id, started_ms, heartbeat_ms) VALUES (?, ?, ?)")) {
            in.setString(1, instanceId);
            in.setLong(2, now);
            in.setLong(3, now);
            in.executeUpdate();
        }
    }

    /** Forgets instances gone for good (a random id never comes back); a hold whose instance has no row is released all the same. */
    private static void forgetDead(Connection c, long silentSinceMs) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM switchboard_instance WHERE heartbeat_ms < ?")) {
            d.setLong(1, silentSinceMs);
            d.executeUpdate();
        }
    }

    private int countLive(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM switchboard_instance WHERE heartbeat_ms > ?")) {
            s.setLong(1, clockMs.getAsLong() - DEAD_AFTER.toMillis());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Math.max(1, rs.getInt(1)) : 1;
            }
        }
    }

    /** Leaves the cluster at once (the others take its share of the rate limits with their next heartbeat). */
    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(POLL.toMillis() * 4, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement("DELETE FROM switchboard_instance WHERE id = ?")) {
            s.setString(1, instanceId);
            s.executeUpdate();
        } catch (SQLException e) {
            LOG.debug("Instance row not removed: {}", e.getMessage());
        }
    }
}

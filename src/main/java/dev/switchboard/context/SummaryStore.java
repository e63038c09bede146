package dev.switchboard.context;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Summaries of conversation prefixes: in memory for this instance and in the {@code context_summary} table (migration
 * V40) for the others and for restarts. A prefix is named by a chain of hashes over its turns, seeded with the agent and the
 * summary settings, so the same conversation resent with more turns finds the summary of its beginning, and no
 * other agent (or other summary prompt) does. The database is a second tier: when it is away, summaries are
 * only remembered here.
 */
public final class SummaryStore {
    private static final Logger LOG = LoggerFactory.getLogger(SummaryStore.class);
    /** Memory for summaries, in characters (about 32 MiB of text). */
    private static final long MEMORY_MAX_CHARS = 16L << 20;
    /** Longest summary kept in the database (characters); a longer one is used and remembered here only. */
    static final int MAX_STORED_CHARS = 16_000;
    /** Candidates read for one conversation: the longest prefixes summarised first. */
    private static final int MAX_CANDIDATES = 16;

    /** The summary of a conversation's first {@code turns} turns, whose prefix hash is {@code hash}. */
    public record Summary(int turns, String hash, String text) {
    }

    private final Cache<String, Summary> memory = Caffeine.newBuilder()
            .maximumWeight(MEMORY_MAX_CHARS).weigher((String hash, Summary s) -> s.text().length()).build();
    private final DataSource database;
    private final Clock clock;

    /** {@code database} may be null: memory only. */
    public SummaryStore(DataSource database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /**
     * {@code hashes[k]} names the conversation's first k turns (k from 1; index 0 is the seed's own hash): each is the
     * SHA-256 of the one before and the next turn's messages as sent.
     */
    static String[] prefixHashes(String seed, List<Conversation.Turn> turns) {
        String[] hashes = new String[turns.size() + 1];
        byte[] previous = sha256().digest(seed.getBytes(StandardCharsets.UTF_8));
        hashes[0] = HexFormat.of().formatHex(previous);
        for (int k = 1; k <= turns.size(); k++) {
            MessageDigest digest = sha256();
            digest.update(previous);
            for (JsonNode m : turns.get(k - 1).messages()) {
                digest.update(m.toString().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            previous = digest.digest();
            hashes[k] = HexFormat.of().formatHex(previous);
        }
        return hashes;
    }

    /** The summary of the longest prefix of at most {@code maxTurns} turns that has one, or null. */
    Summary longest(String[] hashes, int maxTurns) {
        for (int k = maxTurns; k >= 1; k--) {
            Summary s = memory.getIfPresent(hashes[k]);
            if (s != null) {
                return s;
            }
        }
        Summary stored = stored(hashes, maxTurns);
        if (stored != null) {
            memory.put(stored.hash(), stored);
        }
        return stored;
    }

    void put(String anchor, Summary summary, String agentId) {
        memory.put(summary.hash(), summary);
        if (database == null || summary.text().length() > MAX_STORED_CHARS) {
            return;
        }
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO context_summary (prefix_hash, anchor, prefix_turns, agent_id, summary, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            s.setString(1, summary.hash());
            s.setString(2, anchor);
            s.setInt(3, summary.turns());
            s.setString(4, agentId);
            s.setString(5, summary.text());
            s.setTimestamp(6, Timestamp.from(clock.instant()));
            s.executeUpdate();
        } catch (SQLException e) {
            // Another instance stored the same prefix first, or the database is away: this instance still remembers it.
            LOG.debug("Summary of {} turns not stored: {}", summary.turns(), e.getMessage());
        }
    }

    private Summary stored(String[] hashes, int maxTurns) {
        if (database == null) {
            return null;
        }
        try (Connection c = database.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT prefix_turns, prefix_hash, summary FROM context_summary WHERE anchor = ? AND prefix_turns <= ? "
                        + "ORDER BY prefix_turns DESC LIMIT " + MAX_CANDIDATES)) {
            s.setString(1, hashes[1]);
            s.setInt(2, maxTurns);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    int turns = rows.getInt(1);
                    if (hashes[turns].equals(rows.getString(2))) {
                        return new Summary(turns, hashes[turns], rows.getString(3));
                    }
                }
            }
        } catch (SQLException e) {
            LOG.warn("Summaries not read from the database ({}); summarising again", e.getMessage());
        }
        return null;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

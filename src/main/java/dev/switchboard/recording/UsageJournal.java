package dev.switchboard.recording;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage rows not yet in the database, on local disk: each row is appended (one JSON line, one {@code write}
 * call, no buffer of our own) before its answer is sent, so a {@code kill -9} of the gateway loses none: what was
 * written is in the kernel's page cache and reaches the file without this process. Whether a crash of the machine
 * loses rows depends on the fsync policy ({@code SWITCHBOARD_USAGE_JOURNAL_FSYNC_MS}): 0 forces every row to disk
 * before its answer, a positive value forces the file that often (a machine crash loses at most that window).
 * Segments are deleted once the writer has every row of them in the database; at start the segments left by a
 * previous run are replayed, rows already in the database skipped by request id.
 */
public final class UsageJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageJournal.class);
    /** A segment is closed (and deleted once written) after this many bytes. */
    static final long SEGMENT_BYTES = 4L * 1024 * 1024;
    private static final String PREFIX = "usage-";
    private static final String SUFFIX = ".jsonl";
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new SimpleModule()
            .addSerializer(Instant.class, ToStringSerializer.instance)
            .addDeserializer(Instant.class, new JsonDeserializer<>() {
                @Override
                public Instant deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                    return Instant.parse(p.getValueAsString());
                }
            }));

    private record Segment(Path file, long lastRow) {
    }

    private final Path dir;
    private final long fsyncMillis;
    private final List<Path> leftOver;
    private final Deque<Segment> closed = new ArrayDeque<>();
    private final ScheduledExecutorService syncer;
    private FileChannel channel;
    private Path current;
    private long currentBytes;
    /** Rows appended since start, and rows the writer has put in the database (or set aside) since start. */
    private long appended;
    private long written;

    private UsageJournal(Path dir, long fsyncMillis, List<Path> leftOver) {
        this.dir = dir;
        this.fsyncMillis = fsyncMillis;
        this.leftOver = leftOver;
        this.syncer = fsyncMillis > 0 ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "usage-journal-fsync");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Opens the journal in {@code dir}; the segments already there are the previous run's, for {@link #recover}. */
    public static UsageJournal open(Path dir, Duration fsync) {
        try {
            Files.createDirectories(dir);
            List<Path> old;
            try (Stream<Path> files = Files.list(dir)) {
                old = files.filter(f -> f.getFileName().toString().startsWith(PREFIX)).sorted().toList();
            }
            UsageJournal journal = new UsageJournal(dir, fsync.toMillis(), old);
            journal.roll();
            if (journal.syncer != null) {
                journal.syncer.scheduleWithFixedDelay(journal::force, journal.fsyncMillis, journal.fsyncMillis, TimeUnit.MILLISECONDS);
            }
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("usage journal in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The rows the previous run journaled; some may be in the database already. */
    public List<UsageRecord> recover() {
        List<UsageRecord> rows = new ArrayList<>();
        for (Path file : leftOver) {
            try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
                lines.filter(l -> !l.isBlank()).forEach(line -> {
                    try {
                        rows.add(JSON.readValue(line, UsageRecord.class));
                    } catch (IOException e) {
                        // the last line of a segment cut by the crash mid-write: its answer was never sent
                        LOG.warn("Usage journal {}: an unreadable line skipped ({})", file.getFileName(), e.getMessage());
                    }
                });
            } catch (IOException | UncheckedIOException e) {
                LOG.warn("Usage journal {} unreadable: {}", file, e.getMessage());
            }
        }
        return rows;
    }

    /** Deletes the previous run's segments: call once their rows are journaled again or known to be in the database. */
    public void recovered() {
        for (Path file : leftOver) {
            delete(file);
        }
    }

    /** Appends one row; returns once the bytes are the kernel's (and on disk, with fsync 0). */
    public synchronized void append(UsageRecord row) {
        try {
            byte[] line = JSON.writeValueAsBytes(row);
            ByteBuffer buffer = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (fsyncMillis == 0) {
                channel.force(false);
            }
            appended++;
            currentBytes += line.length + 1;
            if (currentBytes >= SEGMENT_BYTES) {
                closed.add(new Segment(current, appended));
                channel.close();
                roll();
            }
        } catch (IOException e) {
            // The row still goes to the database through the queue; only its crash safety is lost.
            LOG.warn("Usage journal: row of request {} not journaled: {}", row.requestId(), e.getMessage());
        }
    }

    /** The writer has {@code rows} more rows in the database (in the order they were appended): their segments go. */
    public synchronized void written(int rows) {
        written += rows;
        while (!closed.isEmpty() && closed.peekFirst().lastRow() <= written) {
            delete(closed.pollFirst().file());
        }
    }

    private void roll() throws IOException {
        current = dir.resolve(PREFIX + String.format("%013d-%06d", System.currentTimeMillis(), appended % 1_000_000) + SUFFIX);
        channel = FileChannel.open(current, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        currentBytes = 0;
    }

    private synchronized void force() {
        try {
            channel.force(false);
        } catch (IOException e) {
            LOG.warn("Usage journal: fsync failed: {}", e.getMessage());
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("Usage journal {} not deleted: {}", file, e.getMessage());
        }
    }

    /** After the writer's last flush: with every row written the journal is empty and removed. */
    @Override
    public synchronized void close() {
        if (syncer != null) {
            syncer.shutdownNow();
        }
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            LOG.warn("Usage journal: close failed: {}", e.getMessage());
        }
        if (written >= appended) {
            closed.forEach(s -> delete(s.file()));
            delete(current);
        }
    }
}

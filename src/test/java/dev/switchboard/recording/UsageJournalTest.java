package dev.switchboard.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The usage journal keeps exactly the rows not yet written, across a crash, and no more than it must on disk. */
class UsageJournalTest {
    private static UsageRecord row(int i) {
        return new UsageRecord("req-" + i, Instant.parse("2026-11-25T12:00:00Z").plusSeconds(i), "http", "chat", "agent-" + (i % 3), "gpt-4o-mini",
                "gpt-4o-mini", "openai", "Default route", List.of(new Attempt("gpt-4o-mini", "openai", "ok", 420, 200)), 120, 80, 200,
                0.00012, 430, 180, 200, "ok", null, false, List.of("team:support"), 0, 0, "chat", null, 0.00012);
    }

    @Test
    void should_give_back_after_a_crash_every_row_not_known_written_and_delete_written_segments() throws IOException {
        Path dir = Files.createTempDirectory("switchboard-journal");
        UsageJournal journal = UsageJournal.open(dir, Duration.ofMillis(-1));
        int rows = 0;
        while (segments(dir) < 3) {
            journal.append(row(rows++));
        }
        journal.written(rows - 5); // the writer has all but the last five in the database
        assertEquals(2, segments(dir), "the written segment is deleted; the one with unwritten rows and the open one stay");
        // a crash: no close; the next start reads what is left
        UsageJournal next = UsageJournal.open(dir, Duration.ofMillis(-1));
        List<UsageRecord> left = next.recover();
        assertTrue(left.size() >= 5, "at least the five unwritten rows: " + left.size());
        assertEquals(row(rows - 1), left.get(left.size() - 1), "rows come back whole");
        next.recovered();
        next.written(0);
        next.close();
        assertEquals(0, segments(dir), "a clean stop with everything written leaves no journal");
    }

    private static long segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}

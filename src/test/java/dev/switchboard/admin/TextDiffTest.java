package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Diffs of catalog, agent and rule versions: unified, and bounded so a huge upload cannot make the diff the cost. */
class TextDiffTest {
    @Test
    void should_write_a_unified_diff_of_the_changed_lines() {
        String diff = TextDiff.unified("routing.drl", "a\nb\nc\n", "a\nB\nc\n");
        assertTrue(diff.startsWith("--- a/routing.drl\n+++ b/routing.drl\n@@ -1,4 +1,4 @@"), diff);
        assertTrue(diff.contains("\n-b\n+B\n"), diff);
    }

    @Test
    void should_diff_a_new_and_a_removed_document_against_nothing() {
        assertTrue(TextDiff.unified("x.drl", null, "rule\n").contains("+rule"));
        assertTrue(TextDiff.unified("x.drl", "rule\n", null).contains("-rule"));
    }

    @Test
    void should_only_summarise_documents_over_the_bound() {
        String huge = IntStream.range(0, TextDiff.MAX_LINES + 1).mapToObj(Integer::toString).collect(Collectors.joining("\n"));
        assertEquals("(not diffed: 1 lines before, " + (TextDiff.MAX_LINES + 1) + " after; over " + TextDiff.MAX_LINES + ")",
                TextDiff.unified("catalog.yaml", "x", huge));
    }
}

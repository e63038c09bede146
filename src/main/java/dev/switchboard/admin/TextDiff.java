package dev.switchboard.admin;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import java.util.List;

/**
 * A unified diff (java-diff-utils, Myers' algorithm) of two versions of a document: a catalog, an agent, a rule file.
 * The inputs are bounded: past {@link #MAX_LINES} lines on either side the diff is only a summary, so a huge upload
 * cannot make the diff itself the cost.
 */
final class TextDiff {
    /** Lines per side above which no line diff is computed; catalogs and rule files are hundreds of lines. */
    static final int MAX_LINES = 20_000;
    /** Unchanged lines shown around each change. */
    private static final int CONTEXT_LINES = 3;

    private TextDiff() {
    }

    /** {@code before} null (a new document) diffs against nothing; {@code after} null (deleted) likewise. */
    static String unified(String name, String before, String after) {
        List<String> a = lines(before);
        List<String> b = lines(after);
        if (a.size() > MAX_LINES || b.size() > MAX_LINES) {
            return "(not diffed: " + a.size() + " lines before, " + b.size() + " after; over " + MAX_LINES + ")";
        }
        Patch<String> patch = DiffUtils.diff(a, b);
        return String.join("\n", UnifiedDiffUtils.generateUnifiedDiff("a/" + name, "b/" + name, a, patch, CONTEXT_LINES));
    }

    static String unified(String before, String after) {
        return unified("document", before, after);
    }

    private static List<String> lines(String text) {
        return text == null || text.isEmpty() ? List.of() : List.of(text.split("\n", -1));
    }
}

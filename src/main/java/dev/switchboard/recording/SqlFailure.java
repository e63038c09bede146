package dev.switchboard.recording;

import java.sql.DataTruncation;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;

/**
 * Tells a database that refused a row for what it holds from a database that is away. SQLSTATE class 22 (data
 * exception: too long, invalid characters, out of range) and 23 (integrity constraint) are about the row and
 * will fail again on every retry; anything else (connection lost, pool exhausted) may pass once it is back.
 */
final class SqlFailure {
    private static final String DATA_EXCEPTION_CLASS = "22";
    private static final String CONSTRAINT_CLASS = "23";
    private static final String UNIQUE_VIOLATION = "23505";

    private SqlFailure() {
    }

    /** True when the database refused the statement's content, so retrying the same rows cannot succeed. */
    static boolean isRefusedContent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLDataException || t instanceof SQLIntegrityConstraintViolationException || t instanceof DataTruncation) {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith(DATA_EXCEPTION_CLASS) || s.getSQLState().startsWith(CONSTRAINT_CLASS))) {
                return true;
            }
        }
        return false;
    }

    /** True when the row's key is already in the table: an earlier try wrote it. */
    static boolean isDuplicateKey(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && UNIQUE_VIOLATION.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause, for a log line: the database's own words (they name the column, never the value). */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}

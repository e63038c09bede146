package dev.switchboard.admin;

import java.util.Locale;
import java.util.Map;

/** Reading camel-jdbc's row maps, whose column names are upper case on HSQLDB and lower case elsewhere. */
final class Rows {
    private Rows() {
    }

    static Object value(Map<?, ?> row, String column) {
        Object v = row.get(column);
        return v != null ? v : row.get(column.toUpperCase(Locale.ROOT));
    }

    static String text(Map<?, ?> row, String column) {
        Object v = value(row, column);
        return v == null ? null : v.toString();
    }
}

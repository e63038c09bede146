package dev.switchboard.ui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;

/**
 * Form fields into the JSON the management API takes. Nothing is validated here: a field that is not a number
 * where one is expected goes to the API as text, and the API's 400 names it (the one place rules live).
 */
public final class Forms {
    private Forms() {
    }

    /** The field trimmed, or null when absent or blank. */
    public static String text(MultiMap form, String name) {
        String v = form.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Sets {@code field} from the form's {@code name} when given. */
    public static void putText(ObjectNode target, String field, MultiMap form, String name) {
        String v = text(form, name);
        if (v != null) {
            target.put(field, v);
        }
    }

    /** Sets {@code field} to the number in the form's {@code name} when given (as text when it is not a number). */
    public static void putNumber(ObjectNode target, String field, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        try {
            double d = Double.parseDouble(value.trim());
            if (d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE) {
                target.put(field, (int) d);
            } else {
                target.put(field, d);
            }
        } catch (NumberFormatException e) {
            target.put(field, value.trim());
        }
    }
}

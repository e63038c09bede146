package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.providers.Json;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Form fields into the JSON the management API takes. Nothing is validated here: a field that is not a number
 * where one is expected goes to the API as text, and the API's 400 names it (the one place rules live).
 */
public final class Forms {
    /** The field a catalog refusal names in its message: {@code catalog: models[3].contextWindow: ...}. */
    private static final Pattern CATALOG_PATH = Pattern.compile("(?:models\\[\\d+]|chains\\.[^.:\\s]+)\\.([A-Za-z]+)");

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

    /** A comma-separated field as a list (blank items dropped); null when there are none. */
    public static ArrayNode list(String value) {
        if (value == null) {
            return null;
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                out.add(item.trim());
            }
        }
        return out.isEmpty() ? null : out;
    }

    /** A JSON textarea: the JSON when it parses, else the text as given (so the API names the field). */
    public static JsonNode json(String value) {
        if (value == null) {
            return null;
        }
        JsonNode parsed = Json.parseOrNull(value.getBytes(StandardCharsets.UTF_8));
        return parsed != null ? parsed : JsonNodeFactory.instance.textNode(value);
    }

    /** Comma-joined items of a JSON list (for a text field), or "" for none. */
    public static String joined(JsonNode list) {
        StringBuilder out = new StringBuilder();
        for (JsonNode item : list) {
            out.append(out.length() == 0 ? "" : ", ").append(item.asText());
        }
        return out.toString();
    }

    /** The field a refusal concerns: its {@code param}, else the path in a catalog refusal's message; null if none. */
    public static String field(ApiAnswer refusal) {
        if (refusal.errorParam() != null) {
            return refusal.errorParam();
        }
        Matcher m = CATALOG_PATH.matcher(refusal.errorMessage());
        return m.find() ? m.group(1) : null;
    }
}

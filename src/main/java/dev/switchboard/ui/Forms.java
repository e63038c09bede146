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
 * Form fields (as htmx sends them) turned into the JSON the management API takes, and the API's refusal turned back
 * into the field it concerns. No validation of its own: a value the UI cannot read as a number is sent as text, so
 * the API refuses it with the same message a curl call would get.
 */
final class Forms {
    /** The field a catalog refusal names in its message: {@code catalog: models[3].contextWindow: ...}. */
    private static final Pattern CATALOG_PATH = Pattern.compile("(?:models\\[\\d+]|chains\\.[^.:\\s]+)\\.([A-Za-z]+)");

    private Forms() {
    }

    /** The field's trimmed value, or null when it is absent or blank. */
    static String text(MultiMap form, String name) {
        String v = form.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Sets {@code key} to the field as a number when it reads as one, else as the text given; blank: left out. */
    static void number(ObjectNode into, String key, String value) {
        if (value == null) {
            return;
        }
        try {
            into.put(key, value.matches("-?\\d+") ? (JsonNode) JsonNodeFactory.instance.numberNode(Long.parseLong(value))
                    : JsonNodeFactory.instance.numberNode(Double.parseDouble(value)));
        } catch (NumberFormatException e) {
            into.put(key, value);
        }
    }

    /** A comma-separated field as a list (blank items dropped); null when there are none. */
    static ArrayNode list(String value) {
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
    static JsonNode json(String value) {
        if (value == null) {
            return null;
        }
        JsonNode parsed = Json.parseOrNull(value.getBytes(StandardCharsets.UTF_8));
        return parsed != null ? parsed : JsonNodeFactory.instance.textNode(value);
    }

    /** Comma-joined items of a JSON list (for a text field), or "" for none. */
    static String joined(JsonNode list) {
        StringBuilder out = new StringBuilder();
        for (JsonNode item : list) {
            out.append(out.length() == 0 ? "" : ", ").append(item.asText());
        }
        return out.toString();
    }

    /** The field a refusal concerns: its {@code param}, else the path in a catalog refusal's message; null if none. */
    static String field(ApiAnswer refusal) {
        if (refusal.errorParam() != null) {
            return refusal.errorParam();
        }
        Matcher m = CATALOG_PATH.matcher(refusal.errorMessage());
        return m.find() ? m.group(1) : null;
    }
}

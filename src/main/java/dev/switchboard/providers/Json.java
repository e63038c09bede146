package dev.switchboard.providers;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Objects;

/** The one shared, thread-safe Jackson mapper, and a lenient parse for bodies that may not be JSON at all. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    /** The parsed body, or null when it is not JSON (an HTML error page, a cut body, nothing). */
    public static JsonNode parseOrNull(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise JSON", e);
        }
    }

    /** Whether two objects hold the same value (or both none) under {@code field}. */
    public static boolean sameField(JsonNode a, JsonNode b, String field) {
        return Objects.equals(a.get(field), b.get(field));
    }

    /** Sets {@code field} to {@code value}, or removes it when there is no value (null or JSON null). */
    public static void setOrRemove(ObjectNode out, String field, JsonNode value) {
        if (value == null || value.isNull()) {
            out.remove(field);
        } else {
            out.set(field, value);
        }
    }
}

package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.providers.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Refuses a management request whose body holds the NUL character (U+0000, raw or as the JSON escape), with a 400
 * naming the JSON field. Every name, prompt, comment and rule text of the management API ends up in a text column,
 * and the databases disagree on NUL: PostgreSQL refuses it (the write failed with a 500), HSQLDB stores it.
 */
final class NulGuard {
    private static final char NUL = '\u0000';
    private static final String JSON_ESCAPE = "\\u0000";

    private NulGuard() {
    }

    static void refuse(RoutingContext ctx) {
        String body = ctx.body() == null ? null : ctx.body().asString();
        if (body == null || body.indexOf(NUL) < 0 && !body.contains(JSON_ESCAPE)) {
            ctx.next();
            return;
        }
        JsonNode json = Json.parseOrNull(body.getBytes(StandardCharsets.UTF_8));
        String param = json == null ? (body.indexOf(NUL) >= 0 ? "body" : null) : fieldWithNul(json, "");
        if (param == null) {
            ctx.next(); // the text "\u0000" itself (an escaped backslash), not a NUL
            return;
        }
        ctx.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(Json.bytes(ErrorBodies.openAi("'" + param + "' holds the NUL character (U+0000), which no text here may hold",
                        "invalid_request_error", param, "invalid_character"))));
    }

    /** The dotted path of the first field name or text value holding NUL, or null. */
    private static String fieldWithNul(JsonNode node, String path) {
        if (node.isTextual()) {
            return node.asText().indexOf(NUL) >= 0 ? (path.isEmpty() ? "body" : path) : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = fieldWithNul(node.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            if (field.getKey().indexOf(NUL) >= 0) {
                return name;
            }
            String found = fieldWithNul(field.getValue(), name);
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}

package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.providers.Json;
import io.vertx.core.buffer.Buffer;

/** What the management API answered a call of the UI: status and body (JSON, YAML or text). */
public record ApiAnswer(int status, String contentType, Buffer body) {

    public boolean ok() {
        return status >= 200 && status < 300;
    }

    /** The body as JSON; an empty object when it is not JSON. */
    public JsonNode json() {
        JsonNode parsed = body == null ? null : Json.parseOrNull(body.getBytes());
        return parsed == null ? JsonNodeFactory.instance.objectNode() : parsed;
    }

    public String text() {
        return body == null ? "" : body.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The refusal's message ({@code error.message} of the OpenAI error shape), or the status when there is none. */
    public String errorMessage() {
        String message = json().path("error").path("message").asText("");
        return message.isEmpty() ? "The management API answered " + status : message;
    }

    /** The field a refusal names ({@code error.param}), or null. */
    public String errorParam() {
        JsonNode param = json().path("error").path("param");
        return param.isTextual() ? param.asText() : null;
    }
}

package dev.switchboard.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The error bodies callers see, in the shape of the API they called. */
public final class ErrorBodies {
    private ErrorBodies() {
    }

    /** OpenAI's {@code {"error":{"message","type","param","code"}}}. */
    public static ObjectNode openAi(String message, String type, String param, String code) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return root;
    }
}

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

    /** Anthropic's {@code {"type":"error","error":{"type","message"}}}, its type chosen by the HTTP status. */
    public static ObjectNode anthropic(int status, String message) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("type", "error");
        root.putObject("error").put("type", anthropicTypeForStatus(status)).put("message", message);
        return root;
    }

    /** Where Anthropic SDKs call: errors there are in Anthropic's shape, everywhere else in OpenAI's. */
    private static final String ANTHROPIC_PATH = "/v1/messages";

    /**
     * The error body for a request path, for answers given before the pipeline knows the front door (admission,
     * shutdown, unknown paths, unreadable HTTP): Anthropic's shape under {@code /v1/messages}, else OpenAI's.
     */
    public static ObjectNode forPath(String path, int status, String message, String type, String code) {
        boolean anthropic = path != null && (path.equals(ANTHROPIC_PATH) || path.startsWith(ANTHROPIC_PATH + "/"));
        return anthropic ? anthropic(status, message) : openAi(message, type, null, code);
    }

    static String anthropicTypeForStatus(int status) {
        return switch (status) {
            case 400, 405, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    /** The Anthropic error type for a failure the gateway describes in OpenAI terms (mid-stream errors). */
    public static String anthropicType(String openAiType, String code) {
        if (code != null) {
            for (FailureClass fc : FailureClass.values()) {
                if (fc.code().equals(code)) {
                    return fc == FailureClass.SERVER_ERROR ? "api_error" : anthropicTypeForStatus(fc.callerStatus());
                }
            }
        }
        return "api_error";
    }
}

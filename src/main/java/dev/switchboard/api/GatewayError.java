package dev.switchboard.api;

/**
 * A request the gateway answers with an error of its own: bad input, unknown model, rejected by a rule, or a
 * chain that ran out of models. Carries everything the OpenAI error body needs.
 */
public final class GatewayError extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    public GatewayError(int status, String type, String code, String param, String message) {
        this(status, type, code, param, message, -1);
    }

    private GatewayError(int status, String type, String code, String param, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The same error telling the caller when to try again ({@code Retry-After}). */
    public GatewayError withRetryAfter(long seconds) {
        return new GatewayError(status, type, code, param, getMessage(), seconds);
    }

    /** Seconds for {@code Retry-After}, or -1 when there is no hint. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static GatewayError badRequest(String param, String message) {
        return new GatewayError(400, "invalid_request_error", null, param, message);
    }

    public static GatewayError modelNotFound(String message) {
        return new GatewayError(404, "invalid_request_error", "model_not_found", "model", message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }
}

package dev.switchboard.api;

/**
 * Why an upstream attempt failed. Each constant says what it means for the fallback chain; policy questions
 * are methods here so no caller switches on strings.
 */
public enum FailureClass {
    /** No answer in time (connect, first byte or idle). Another model may be faster: fall back. */
    TIMEOUT(504, "timeout"),
    /** The provider asked us to slow down. Waiting helps, and so does another model: fall back. */
    RATE_LIMIT(429, "rate_limit_exceeded"),
    /** 5xx, reset connection, garbage or cut body. Transient: fall back. */
    SERVER_ERROR(502, "upstream_error"),
    /** The provider filtered the prompt or answer. Another provider may answer: fall back. */
    CONTENT_FILTER(400, "content_filter"),
    /** The prompt does not fit the model. Only a larger window helps: fall back. */
    CONTEXT_LENGTH(400, "context_length_exceeded"),
    /** Our key or account is refused. Never the caller's fault (never answered as 401): fall back. */
    AUTH(502, "upstream_auth_error"),
    /** The model is not served by this provider: fall back. */
    NOT_FOUND(404, "model_not_found"),
    /** The caller's request is wrong. Another model would refuse it too: answer 400 at once, never fall back. */
    BAD_REQUEST(400, "invalid_request_error");

    private final int callerStatus;
    private final String code;

    FailureClass(int callerStatus, String code) {
        this.callerStatus = callerStatus;
        this.code = code;
    }

    /**
     * The class an HTTP status means when the body says nothing more (failure-signals.md, section 1, the
     * columns most providers share; an adapter overrides the few statuses its provider uses differently).
     * A 2xx here is an error event whose type could not be read: the provider failed, not the caller.
     */
    public static FailureClass ofStatus(int status) {
        return switch (status) {
            case 401, 402, 403 -> AUTH;
            case 404 -> NOT_FOUND;
            case 408, 504 -> TIMEOUT;
            case 409 -> SERVER_ERROR;
            case 429 -> RATE_LIMIT;
            default -> status >= 500 || status < 300 ? SERVER_ERROR : BAD_REQUEST;
        };
    }

    /** Whether the chain moves on to the next model after this failure. */
    public boolean fallsBack() {
        return this != BAD_REQUEST;
    }

    /** Whether this failure says something about the model's health (and so counts against its breaker). */
    public boolean countsAgainstBreaker() {
        return this == TIMEOUT || this == RATE_LIMIT || this == SERVER_ERROR || this == AUTH;
    }

    /** HTTP status the caller sees when this is the last failure of the chain. */
    public int callerStatus() {
        return callerStatus;
    }

    /** OpenAI-style error code the caller sees. */
    public String code() {
        return code;
    }

    /** Lower-case label used in records and metric tags. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

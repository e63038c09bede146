package dev.switchboard.recording;

/**
 * Every metric the gateway publishes, in one place. Tags never hold request ids, user text or any other value a
 * caller chooses: {@code model} is a catalog id, or {@code <provider>/adhoc} for every model the catalog does not list.
 */
public final class MetricNames {
    /** Requests answered; tags {@code model}, {@code provider}, {@code status}, {@code entry}, {@code operation}. */
    public static final String REQUESTS = "switchboard.requests";
    /** Whole-request latency; tags {@code model}, {@code provider}. */
    public static final String LATENCY = "switchboard.request.latency";
    /** Time to the first streamed chunk; tags {@code model}, {@code provider}. */
    public static final String TTFT = "switchboard.ttft";
    /** Tokens; tags {@code model}, {@code type} (prompt, completion). */
    public static final String TOKENS = "switchboard.tokens";
    /** Cost in US dollars; tag {@code model}. */
    public static final String COST = "switchboard.cost.usd";
    /** Upstream attempts; tags {@code model}, {@code provider}, {@code outcome}. */
    public static final String ATTEMPTS = "switchboard.attempts";
    /** Usage rows waiting to be written. */
    public static final String RECORDING_QUEUE = "switchboard.recording.queue";
    /** Usage rows dropped because the queue was full (the database was away too long). */
    public static final String RECORDING_DROPPED = "switchboard.recording.dropped";
    /** Usage rows the database refused for their content (logged with the request id and set aside). */
    public static final String RECORDING_REJECTED = "switchboard.recording.rejected";
    /** Usage rows written. */
    public static final String RECORDING_WRITTEN = "switchboard.recording.written";

    private MetricNames() {
    }
}

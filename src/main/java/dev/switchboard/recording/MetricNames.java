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
    /** Cost in US dollars per agent; tag {@code agent}: a known agent's id, {@code anonymous} or {@code other}. */
    public static final String AGENT_COST = "switchboard.agent.cost.usd";
    /** Tokens per agent; tags {@code agent} (as above), {@code type} (prompt, completion, cached, reasoning). */
    public static final String AGENT_TOKENS = "switchboard.agent.tokens";
    /** What is left of an agent's budget this UTC day or month, in US dollars; tags {@code agent}, {@code budget}. */
    public static final String BUDGET_REMAINING = "switchboard.budget.remaining.usd";
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
    /** HTTP data-plane requests being served now (admission control). */
    public static final String ADMISSION_IN_FLIGHT = "switchboard.admission.in.flight";
    /** How many HTTP data-plane requests may be served at once ({@code SWITCHBOARD_MAX_IN_FLIGHT}). */
    public static final String ADMISSION_LIMIT = "switchboard.admission.limit";
    /** HTTP requests answered 503 at once because the data plane was at its limit. */
    public static final String ADMISSION_REJECTED = "switchboard.admission.rejected";

    private MetricNames() {
    }
}

package dev.switchboard.routing;

/**
 * A failed try of one model, as rules see it when a chain decides what to do next: a rule matching it can
 * say {@code decision.fallBack()} or {@code decision.giveUp()} whatever the chain's own retry conditions say
 * (the custom retry condition of a chain). Only failures that are not the caller's fault get here.
 */
public final class FailedAttempt {
    private final String model;
    private final String provider;
    private final String failureClass;
    private final int attempt;
    private final String chain;
    private final String agentId;

    public FailedAttempt(String model, String provider, String failureClass, int attempt, String chain, String agentId) {
        this.model = model;
        this.provider = provider;
        this.failureClass = failureClass;
        this.attempt = attempt;
        this.chain = chain;
        this.agentId = agentId;
    }

    /** The model that failed. */
    public String getModel() { return model; }
    public String getProvider() { return provider; }
    /** timeout | rate_limit | server_error | content_filter | context_length | auth | not_found */
    public String getFailureClass() { return failureClass; }
    /** 1 for the request's first attempt, 2 for the second... */
    public int getAttempt() { return attempt; }
    /** The chain's id, or "" for a model's own fallback list. */
    public String getChain() { return chain; }
    public String getAgentId() { return agentId; }
}

package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An AI agent that calls the gateway with its own key: its defaults (primary model, chain, parameters, system
 * prompt) apply unless a rule says otherwise. Only the key's hash and its first characters are kept.
 */
public record AgentSpec(String id, String name, String primaryModel, String chain, ObjectNode parameters,
                        String systemPrompt, boolean active, String keyHash, String keyPrefix,
                        /** US dollars per UTC day and per UTC month; 0 means no budget of that kind. */
                        double dailyBudgetUsd, double monthlyBudgetUsd,
                        /** The name of its context strategy: {@code context.name()}. */
                        String contextStrategy,
                        /** Capabilities every model serving this agent must have (e.g. tools, vision). */
                        java.util.List<String> capabilities,
                        /** The {@code userTier} rules see for this agent's requests; its callers cannot claim another. */
                        String userTier,
                        /** Whether and how its answers are cached (off unless the operator opts in). */
                        CachePolicy cache,
                        /** How much of a conversation its requests send (see {@link ContextPolicy}). */
                        ContextPolicy context) {

    /** An agent's tier unless its operator sets one: the tier callers had when they did not say. */
    public static final String DEFAULT_USER_TIER = "standard";

    /** An agent whose context setting is its strategy's name alone. */
    public AgentSpec(String id, String name, String primaryModel, String chain, ObjectNode parameters, String systemPrompt,
                     boolean active, String keyHash, String keyPrefix, double dailyBudgetUsd, double monthlyBudgetUsd,
                     String contextStrategy, java.util.List<String> capabilities, String userTier, CachePolicy cache) {
        this(id, name, primaryModel, chain, parameters, systemPrompt, active, keyHash, keyPrefix, dailyBudgetUsd, monthlyBudgetUsd,
                contextStrategy, capabilities, userTier, cache, null);
    }

    /** An agent without a cache setting: off. */
    public AgentSpec(String id, String name, String primaryModel, String chain, ObjectNode parameters, String systemPrompt,
                     boolean active, String keyHash, String keyPrefix, double dailyBudgetUsd, double monthlyBudgetUsd,
                     String contextStrategy, java.util.List<String> capabilities, String userTier) {
        this(id, name, primaryModel, chain, parameters, systemPrompt, active, keyHash, keyPrefix, dailyBudgetUsd, monthlyBudgetUsd,
                contextStrategy, capabilities, userTier, CachePolicy.OFF);
    }

    public AgentSpec {
        cache = cache == null ? CachePolicy.OFF : cache;
        userTier = userTier == null || userTier.isBlank() ? DEFAULT_USER_TIER : userTier;
        capabilities = capabilities == null ? java.util.List.of() : java.util.List.copyOf(capabilities);
        context = context == null ? ContextPolicy.ofName(contextStrategy) : context;
        contextStrategy = context.name();
    }

    /** How many recent messages "recent:N" keeps; 0 for the whole conversation. */
    public int recentMessages() {
        return context.strategy() == ContextPolicy.Strategy.RECENT ? context.recentMessages() : 0;
    }
}

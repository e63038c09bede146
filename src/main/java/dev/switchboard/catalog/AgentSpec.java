package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An AI agent that calls the gateway with its own key: its defaults (primary model, chain, parameters, system
 * prompt) apply unless a rule says otherwise. Only the key's hash and its first characters are kept.
 */
public record AgentSpec(String id, String name, String primaryModel, String chain, ObjectNode parameters,
                        String systemPrompt, boolean active, String keyHash, String keyPrefix,
                        /** US dollars per UTC day and per UTC month; 0 means no budget of that kind. */
                        double dailyBudgetUsd, double monthlyBudgetUsd) {
}

package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import java.util.Locale;

/**
 * How much of a conversation an agent's requests send (its {@code context} setting): a strategy name
 * ({@code full}, {@code windowed}, {@code summarized}, or {@code recent:N} for the last N messages), or an object
 * {@code {"strategy":"summarized","fallback":"windowed","maxPromptTokens":N,"summaryModel":"m","summaryPrompt":"..."}}.
 * Every strategy fits the serving model's window with room for the answer; {@code fallback} is what {@code full}
 * does with a conversation too long for it, {@code maxPromptTokens} caps the prompt below the window (windowed and
 * summarized), and the summary model and prompt make the summaries of {@code summarized}.
 */
public record ContextPolicy(Strategy strategy, int recentMessages, Strategy fallback, int maxPromptTokens,
                            String summaryModel, String summaryPrompt) {

    public enum Strategy { FULL, WINDOWED, SUMMARIZED, RECENT }

    /** The instruction given to the summary model unless the agent sets its own. */
    public static final String DEFAULT_SUMMARY_PROMPT = "Summarize the conversation below for the assistant that continues it. "
            + "Keep facts, names, numbers, decisions, open questions and what tools returned; leave out pleasantries. "
            + "Write at most 300 words.";
    /** The longest summary prompt an agent may set (characters). */
    public static final int MAX_SUMMARY_PROMPT_CHARS = 4_000;
    /** Most messages {@code recent:N} may keep; more is the whole conversation in practice. */
    public static final int MAX_RECENT_MESSAGES = 9_999;
    /** What callers without an agent, and agents that say nothing, get: the whole conversation, windowed when too long. */
    public static final ContextPolicy FULL = new ContextPolicy(Strategy.FULL, 0, Strategy.WINDOWED, 0, null, null);

    public ContextPolicy {
        fallback = fallback == null || fallback == Strategy.FULL || fallback == Strategy.RECENT ? Strategy.WINDOWED : fallback;
    }

    /** The strategy as one word, as the agents API shows it ({@code recent:N} for the message count). */
    public String name() {
        return strategy == Strategy.RECENT ? "recent:" + recentMessages : strategy.name().toLowerCase(Locale.ROOT);
    }

    /** The strategy used when the conversation does not fit the window: the fallback for {@code full}, else itself. */
    public Strategy whenTooLong() {
        return strategy == Strategy.FULL || strategy == Strategy.RECENT ? fallback : strategy;
    }

    /** The summary prompt in force. */
    public String prompt() {
        return summaryPrompt == null ? DEFAULT_SUMMARY_PROMPT : summaryPrompt;
    }

    /** The setting as stored by name alone (older agents): {@code full}, {@code windowed}, {@code summarized} or {@code recent:N}. */
    public static ContextPolicy ofName(String name) {
        return name == null || name.isBlank() ? FULL : parse(JsonNodeFactory.instance.textNode(name), FULL, "context");
    }

    /**
     * The setting as the agents API takes it under {@code param} ({@code context}, or the older {@code contextStrategy});
     * null (absent) keeps {@code current}. Refused with 400 naming the field.
     */
    public static ContextPolicy parse(JsonNode node, ContextPolicy current, String param) {
        if (node == null) {
            return current;
        }
        if (node.isNull()) {
            return FULL;
        }
        if (node.isTextual()) {
            return new ContextPolicy(strategy(node, param), recent(node.asText()), Strategy.WINDOWED, 0, null, null);
        }
        if (!node.isObject()) {
            throw GatewayError.badRequest(param, param + " is \"full\", \"windowed\", \"summarized\", \"recent:N\" or {\"strategy\":...,"
                    + "\"fallback\":\"windowed|summarized\",\"maxPromptTokens\":N,\"summaryModel\":\"...\",\"summaryPrompt\":\"...\"}, got " + node);
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!java.util.Set.of("strategy", "fallback", "maxPromptTokens", "summaryModel", "summaryPrompt").contains(name)) {
                throw GatewayError.badRequest(param + "." + name, param + "." + name + " is not a context setting; settings: strategy, "
                        + "fallback, maxPromptTokens, summaryModel, summaryPrompt");
            }
        }
        JsonNode strategyNode = node.has("strategy") ? node.get("strategy") : JsonNodeFactory.instance.textNode("full");
        Strategy strategy = strategy(strategyNode, param + ".strategy");
        Strategy fallback = Strategy.WINDOWED;
        if (node.has("fallback")) {
            fallback = strategy(node.get("fallback"), param + ".fallback");
            if (fallback != Strategy.WINDOWED && fallback != Strategy.SUMMARIZED) {
                throw GatewayError.badRequest(param + ".fallback", param + ".fallback is \"windowed\" or \"summarized\", got " + node.get("fallback"));
            }
        }
        JsonNode max = node.get("maxPromptTokens");
        if (max != null && (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1)) {
            throw GatewayError.badRequest(param + ".maxPromptTokens", param + ".maxPromptTokens is a whole number of tokens from 1, got " + max);
        }
        return new ContextPolicy(strategy, recent(strategyNode.asText()), fallback, max == null ? 0 : max.asInt(),
                text(node, "summaryModel", param, 256), text(node, "summaryPrompt", param, MAX_SUMMARY_PROMPT_CHARS));
    }

    private static Strategy strategy(JsonNode node, String param) {
        String value = node.isTextual() ? node.asText() : "";
        if (value.matches("recent:[1-9][0-9]{0,3}")) {
            return Strategy.RECENT;
        }
        return switch (value) {
            case "full" -> Strategy.FULL;
            case "windowed" -> Strategy.WINDOWED;
            case "summarized" -> Strategy.SUMMARIZED;
            default -> throw GatewayError.badRequest(param, param + " is \"full\", \"windowed\", \"summarized\" or \"recent:N\" "
                    + "(the last N messages, N from 1 to " + MAX_RECENT_MESSAGES + "), got " + node);
        };
    }

    private static int recent(String value) {
        return value.startsWith("recent:") ? Integer.parseInt(value.substring("recent:".length())) : 0;
    }

    private static String text(JsonNode node, String field, String param, int maxChars) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > maxChars) {
            throw GatewayError.badRequest(param + "." + field, param + "." + field + " is a non-empty string of at most " + maxChars
                    + " characters");
        }
        return value.asText();
    }

    /** The object form, as stored and as the agents API shows it. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("strategy", name()).put("fallback", fallback.name().toLowerCase(Locale.ROOT));
        if (maxPromptTokens > 0) {
            o.put("maxPromptTokens", maxPromptTokens);
        }
        if (summaryModel != null) {
            o.put("summaryModel", summaryModel);
        }
        if (summaryPrompt != null) {
            o.put("summaryPrompt", summaryPrompt);
        }
        return o;
    }
}

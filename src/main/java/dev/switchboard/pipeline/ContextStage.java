package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ContextPolicy;
import dev.switchboard.context.ContextFitter;
import dev.switchboard.context.ContextFitter.Fitted;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.tokens.TokenCounter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Context: before each attempt, the conversation is fitted to the window of the model about to be tried (so a
 * fallback to a smaller model gets a shorter conversation instead of failing), by the agent's context strategy
 * ({@link ContextPolicy}; {@code full}, then windowed, for callers without an agent). Summaries are asked of the
 * summary model through this same pipeline ({@code direct:context-summary}): routed, budgeted and recorded as the
 * agent's own request. Every answer says how its conversation was fitted in {@code x-switchboard-context}.
 */
final class ContextStage {
    static final String HEADER = "x-switchboard-context";
    /** The internal entry of summary requests; not a front door's. */
    static final String SUMMARY_ENDPOINT = "direct:context-summary";
    /** The {@code entry} of a summary's usage row. */
    static final String SUMMARY_ENTRY = "summary";
    /**
     * Room kept for the answer when the caller sets no {@code max_tokens}: what most answers need, and never more
     * than a quarter of a small window.
     */
    static final int DEFAULT_ANSWER_TOKENS = 4_096;
    /** Summaries are meant to be the same for the same turns. */
    private static final double SUMMARY_TEMPERATURE = 0;
    private static final Logger LOG = LoggerFactory.getLogger(ContextStage.class);

    private final Supplier<Catalog> catalog;
    private final ContextFitter fitter;
    private final InternalRequests internal;

    ContextStage(Supplier<Catalog> catalog, ContextFitter fitter, InternalRequests internal) {
        this.catalog = catalog;
        this.fitter = fitter;
        this.internal = internal;
    }

    /** Fits the conversation for {@code target} into {@code ctx.fitted}; a retry or a model of the same window reuses the fit. */
    void fit(RequestContext ctx, Target target) {
        if (ctx.request == null || !"chat".equals(ctx.operation)) {
            return;
        }
        ContextPolicy policy = policy(ctx, target);
        long budget = promptBudget(ctx, target, policy);
        if (budget <= 0) {
            ctx.fitted = null;
            ctx.contextFit = ContextFitter.FULL;
        } else {
            TokenCounter.Scheme scheme = TokenCounter.scheme(target.provider().type(), target.upstreamId());
            Fitted fitted = ctx.fittings.computeIfAbsent(budget + "@" + scheme, k -> fitter.fit(ctx.request, budget, scheme, policy,
                    ctx.agent == null ? null : ctx.agent.id(), (previous, turns) -> summarize(ctx, policy, previous, turns)));
            ctx.fitted = fitted.request() == ctx.request ? null : fitted.request();
            ctx.contextFit = fitted.label();
        }
        ctx.extraHeaders.put(HEADER, ctx.contextFit);
    }

    /**
     * The chain step's strategy, else the agent's, else {@code full}; a summary request is only ever windowed (a
     * summary of a summary request would never end).
     */
    private static ContextPolicy policy(RequestContext ctx, Target target) {
        if (ctx.summaryFor != null) {
            return ContextPolicy.FULL;
        }
        ContextPolicy step = ctx.chainSpec == null ? null : ctx.chainSpec.context().get(target.name());
        if (step != null) {
            return step;
        }
        return ctx.agent == null ? ContextPolicy.FULL : ctx.agent.context();
    }

    /**
     * Prompt tokens the target may take: its window less the answer's room ({@code max_tokens}, else the model's
     * default, else {@link #DEFAULT_ANSWER_TOKENS} up to a quarter of the window), capped by the agent's
     * {@code maxPromptTokens}. 0 when unknown (a model the catalog does not list and no cap): nothing is cut.
     */
    private static long promptBudget(RequestContext ctx, Target target, ContextPolicy policy) {
        long cap = policy.maxPromptTokens() > 0 ? policy.maxPromptTokens() : Long.MAX_VALUE;
        int window = target.model() == null ? 0 : target.model().contextWindow();
        if (window <= 0) {
            return cap == Long.MAX_VALUE ? 0 : cap;
        }
        long answer = answerTokens(ctx.request.body(), target.model().defaults());
        if (answer < 0) {
            answer = Math.min(DEFAULT_ANSWER_TOKENS, window / 4);
        }
        return Math.min(cap, window - answer);
    }

    /** The answer's room the request asks for, or its model's default; -1 when neither says. */
    private static long answerTokens(JsonNode body, ObjectNode defaults) {
        for (JsonNode source : new JsonNode[] {body, defaults}) {
            if (source == null) {
                continue;
            }
            for (String field : List.of("max_completion_tokens", "max_tokens")) {
                JsonNode v = source.get(field);
                if (v != null && v.isIntegralNumber()) {
                    return Math.max(0, v.asLong());
                }
            }
        }
        return -1;
    }

    /**
     * A summary through the pipeline, as the agent's own request to its summary model (else the catalog's default
     * chat model). Any failure (refused, over budget, every model down) is an empty answer: the caller's request
     * goes on windowed.
     */
    private Optional<String> summarize(RequestContext parent, ContextPolicy policy, String previous, List<JsonNode> turns) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("model", policy.summaryModel() != null ? policy.summaryModel() : catalog.get().defaultChatModel());
        body.put("max_tokens", ContextFitter.SUMMARY_MAX_TOKENS);
        body.put("temperature", SUMMARY_TEMPERATURE);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", policy.prompt());
        messages.addObject().put("role", "user").put("content", transcript(previous, turns));
        JsonNode json = internal.send(SUMMARY_ENDPOINT, parent, SUMMARY_ENTRY, body);
        String text = json == null ? null : json.at("/choices/0/message/content").asText(null);
        if (text == null || text.isBlank()) {
            LOG.info("Summary for request {} not made; its conversation is windowed", parent.requestId);
            parent.tags.add("summary_failed");
            return Optional.empty();
        }
        return Optional.of(text);
    }

    /** The turns as text for the summary model: one line per message, tool calls and results included. */
    static String transcript(String previous, List<JsonNode> turns) {
        StringBuilder out = new StringBuilder();
        if (previous != null) {
            out.append("Summary so far:\n").append(previous).append("\n\nConversation since:\n");
        }
        for (JsonNode m : turns) {
            out.append(m.path("role").asText()).append(": ");
            JsonNode content = m.get("content");
            if (content != null && content.isTextual()) {
                out.append(content.asText());
            } else if (content != null && content.isArray()) {
                for (JsonNode part : content) {
                    out.append(part.path("type").asText().equals("text") ? part.path("text").asText() : "[" + part.path("type").asText() + "]");
                }
            }
            for (JsonNode call : m.path("tool_calls")) {
                out.append(" [called ").append(call.path("function").path("name").asText()).append(' ')
                        .append(call.path("function").path("arguments").asText()).append(']');
            }
            out.append('\n');
        }
        return out.toString();
    }
}

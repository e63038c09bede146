package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Price;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.recording.BudgetLedger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Holds a request's worst case against its agent's budgets before any provider is called, so concurrent
 * requests cannot overspend; the record stage settles the actual cost. The worst case is the dearest target
 * of the chain, its prompt at the full input rate and the longest answer it may give, counted in doubles so
 * no request size can wrap it negative.
 */
final class BudgetGuard {
    private final BudgetLedger ledger;

    BudgetGuard(BudgetLedger ledger) {
        this.ledger = ledger;
    }

    /** The most tokens one request can use at one target. */
    @FunctionalInterface
    interface WorstCase {
        Tokens at(Target target, Pricing.Terms terms);
    }

    /** Prompt and answer tokens, as doubles: {@code n} answers of a whole context window stay representable. */
    record Tokens(double prompt, double output) {
    }

    /**
     * A chat request: its whole prompt in the target's tokens (the agent's system prompt and the tools included) and {@code n}
     * answers of the longer of {@code max_completion_tokens} and {@code max_tokens} (providers differ in which one
     * they honour: DeepSeek, Perplexity and LM Studio read {@code max_tokens}), else the model's default, else the
     * context window; an answer never longer than the context window.
     */
    static WorstCase chat(RequestContext ctx) {
        dev.switchboard.api.ChatRequest request = ctx.request;
        JsonNode body = request.body();
        double choices = Math.max(1, body.path("n").asDouble(1));
        double asked = Math.max(positive(body.get("max_completion_tokens")), positive(body.get("max_tokens")));
        return (target, terms) -> {
            double prompt = ctx.promptTokens.at(request, target);
            JsonNode defaults = target.model() == null ? null : target.model().defaults();
            double requested = asked > 0 ? asked : positive(defaults == null ? null : defaults.get("max_tokens"));
            double answer = requested > 0 ? Math.min(requested, terms.contextWindow()) : terms.contextWindow();
            return new Tokens(prompt, choices * answer);
        };
    }

    /** An embeddings request: its input; there is no answer to pay for. */
    static WorstCase embeddings(JsonNode input) {
        double prompt = TokenEstimate.embeddingsInput(input);
        return (target, terms) -> new Tokens(prompt, 0);
    }

    /**
     * Notes the price of each ad-hoc target (for its usage row) and, when the agent has a budget, reserves the
     * worst case (worked out only then) or refuses the request: 429 when it cannot fit, 400 when a target has
     * no known price.
     */
    void reserve(RequestContext ctx, Catalog cat, Supplier<WorstCase> worstCase) {
        AgentSpec agent = ctx.agent;
        boolean budgeted = agent != null && (agent.dailyBudgetUsd() > 0 || agent.monthlyBudgetUsd() > 0);
        record Priced(Target target, Pricing.Terms terms) {
        }
        List<Priced> priced = new ArrayList<>();
        for (Target t : ctx.chain) {
            Optional<Pricing.Terms> terms = Pricing.of(t, cat);
            if (terms.isEmpty()) {
                if (budgeted) {
                    throw GatewayError.badRequest("model", "'" + t.name() + "' has no known price (the catalog lists no model "
                            + "of its provider) and agent '" + agent.id() + "' has a budget; call a model of the catalog (GET /v1/models)");
                }
                continue;
            }
            priced.add(new Priced(t, terms.get()));
            if (t.model() == null) {
                ctx.adHocPrices.put(t.name(), terms.get().price());
            }
        }
        if (!budgeted) {
            return;
        }
        WorstCase tokens = worstCase.get();
        double worst = 0;
        for (Priced p : priced) {
            worst = Math.max(worst, usd(p.terms().price(), tokens.at(p.target(), p.terms())));
        }
        Object verdict = ledger.reserve(agent.id(), agent.dailyBudgetUsd(), agent.monthlyBudgetUsd(), worst);
        if (verdict instanceof BudgetLedger.Refusal r) {
            long seconds = Math.max(1, Duration.between(Instant.now(), r.resetsAt()).toSeconds());
            throw new GatewayError(429, "insufficient_quota", "budget_exceeded", null, String.format(Locale.ROOT,
                    "Agent '%s' has spent $%.6f of its %s budget of $%.6f and this request could cost up to $%.6f; "
                            + "the budget resets at %s", agent.id(), r.spentUsd(), r.budget(), r.limitUsd(), worst, r.resetsAt()))
                    .withRetryAfter(seconds);
        }
        ctx.reservation = (BudgetLedger.Reservation) verdict;
    }

    /** Every prompt token at the dearer of the input and cache-write rates: caching can only make it cheaper. */
    private static double usd(Price price, Tokens tokens) {
        return (tokens.prompt() * Math.max(price.input(), price.cacheWrite()) + tokens.output() * price.output()) / 1_000_000d;
    }

    /** The value when it is an integer above zero (saturating at the largest long); 0 otherwise. */
    private static double positive(JsonNode v) {
        if (v != null && v.isIntegralNumber() && v.bigIntegerValue().signum() > 0) {
            return v.canConvertToLong() ? v.asLong() : Long.MAX_VALUE;
        }
        return 0;
    }
}

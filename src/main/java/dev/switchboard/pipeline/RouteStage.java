package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.recording.BudgetLedger;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.Deployment;
import dev.switchboard.resilience.LoadBalancer;
import dev.switchboard.catalog.RateLimit;
import dev.switchboard.resilience.RateLimiters;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.providers.Json;
import dev.switchboard.routing.Decision;
import dev.switchboard.routing.LlmRequest;
import dev.switchboard.routing.RuleTargets;
import dev.switchboard.routing.RulesHolder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;

/**
 * Route: asks the rules which model answers and along which chain. With no deciding rule: the model the
 * caller named if the catalog has it (or {@code provider/model-id} on an enabled provider), else the default.
 */
final class RouteStage {
    /**
     * What the id of an ad-hoc {@code provider/model-id} may be: segments of letters, digits and {@code . _ : @ -},
     * each starting with a letter or digit, joined by {@code /} ({@code ft:gpt-4o-mini:org::id},
     * {@code hf.co/user/model:Q4_K_M}). Some providers take the id in the URL path (Gemini's
     * {@code /models/{id}:generateContent}) of a call that carries the gateway's key, so no {@code ..} segment,
     * query, fragment, escape or space of a caller may steer that call to another path.
     */
    private static final Pattern AD_HOC_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]*(/[A-Za-z0-9][A-Za-z0-9._:@-]*)*");

    private final Supplier<Catalog> catalog;
    private final RulesHolder rules;
    private final HealthView health;
    private final RateLimiters limiters;
    private final LoadBalancer balancer;
    private final BudgetGuard budget;

    RouteStage(Supplier<Catalog> catalog, RulesHolder rules, HealthView health, RateLimiters limiters, LoadBalancer balancer,
               BudgetLedger ledger) {
        this(catalog, rules, health, limiters, balancer, new BudgetGuard(ledger));
    }

    private RouteStage(Supplier<Catalog> catalog, RulesHolder rules, HealthView health, RateLimiters limiters, LoadBalancer balancer,
                       BudgetGuard budget) {
        this.budget = budget;
        this.catalog = catalog;
        this.rules = rules;
        this.health = health;
        this.limiters = limiters;
        this.balancer = balancer;
    }

    /** This stage with other rules (a draft being tried), everything else shared. */
    RouteStage with(RulesHolder other) {
        return new RouteStage(catalog, other, health, limiters, balancer, budget);
    }

    /**
     * The caller's own limit (catalog {@code agents:}): refused with 429 and the usual {@code x-ratelimit-*}
     * headers before any rule or provider is involved.
     */
    private void checkCallerLimit(RequestContext ctx, Catalog cat, int tokens) {
        RateLimit limit = cat.agentLimit(ctx.caller);
        if (!limit.limited()) {
            return;
        }
        RateLimiters.Permit permit = limiters.tryAcquire("agent:" + ctx.caller, limit, tokens);
        ctx.extraHeaders.put("x-ratelimit-limit-requests", Integer.toString(permit.limit()));
        ctx.extraHeaders.put("x-ratelimit-remaining-requests", Integer.toString(Math.max(0, permit.remaining())));
        ctx.extraHeaders.put("x-ratelimit-reset-requests", (permit.reset().toMillis() + 999) / 1000 + "s");
        if (!permit.allowed()) {
            long seconds = Math.max(1, (permit.retryAfter().toMillis() + 999) / 1000);
            throw new GatewayError(429, "rate_limit_error", "rate_limit_exceeded", null, "Agent '" + ctx.caller
                    + "' is over its limit (" + limit.requestsPerMinute() + " requests, " + limit.tokensPerMinute()
                    + " tokens per minute); retry after " + seconds + " s").withRetryAfter(seconds);
        }
    }

    void chat(Exchange exchange) {
        route(exchange, true);
    }

    /**
     * What the rules and the catalog decide for a sample ("try a rule"), without taking from the caller's rate limit
     * or holding its budget: a viewer's dry run must not spend what an agent's real requests need.
     */
    void tryChat(Exchange exchange) {
        route(exchange, false);
    }

    /**
     * The model test panel: the model the request names and no other, whatever the rules would choose, with no
     * fallback and one attempt. Its catalog defaults apply on the way out as for any call of it.
     */
    void pinned(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Catalog cat = catalog.get();
        ctx.chainSpec = new ChainSpec(null, null, null, List.of(ctx.requestedModel), 1, ChainSpec.DEFAULT_RETRY_ON, false, true,
                ChainSpec.DEFAULT_DEADLINE);
        ctx.chain = resolve(ctx.chainSpec.models(), cat);
    }

    private void route(Exchange exchange, boolean spends) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Catalog cat = catalog.get();
        LlmRequest facts = exchange.getVariable("facts", LlmRequest.class);
        if (spends) {
            String before = unroutedModel(ctx.requestedModel, ctx.agent, cat);
            checkCallerLimit(ctx, cat, TokenEstimate.withAnswer(ctx.promptTokens.forName(ctx.request, before, cat), ctx.request.body()));
        }
        Decision decision = servableDecision(facts, cat);
        ctx.rule = decision.rule();
        ctx.tags.addAll(decision.tags());
        if (decision.rejection() != null) {
            throw new GatewayError(403, "permission_error", "rejected_by_rule", null,
                    "Rejected by rule '" + decision.rule() + "': " + decision.rejection());
        }
        AgentSpec agent = ctx.agent;
        if (agent != null) {
            ctx.request = ctx.request.withDefaultSystemPrompt(agent.systemPrompt());
            if (agent.recentMessages() > 0) {
                ctx.request = recent(ctx.request, agent.recentMessages());
            }
            if (agent.parameters() != null) {
                agent.parameters().fields().forEachRemaining(e -> {
                    if (e.getKey().equals(TEMPLATE)) {
                        applyTemplate(ctx, cat, e.getValue().asText(), false, "agent '" + agent.id() + "'");
                    } else if (!ctx.request.body().has(e.getKey())) {
                        ctx.request = ctx.request.withParam(e.getKey(), e.getValue());
                    }
                });
            }
        }
        for (Map.Entry<String, Object> p : decision.params().entrySet()) {
            if (p.getKey().equals(TEMPLATE)) {
                applyTemplate(ctx, cat, String.valueOf(p.getValue()), true, "rule '" + decision.rule() + "'");
                continue;
            }
            JsonNode value = Json.MAPPER.valueToTree(p.getValue());
            ctx.request = ctx.request.withParam(p.getKey(), value);
        }
        String name = decision.model() != null ? decision.model() : unroutedModel(ctx.requestedModel, agent, cat);
        ChainSpec chain;
        String chainName = decision.chain() != null ? decision.chain() : agent != null && decision.model() == null ? agent.chain() : null;
        if (chainName != null) {
            chain = cat.chain(chainName).orElseThrow(() -> new GatewayError(500, "server_error", "rules_error", null,
                    "Agent '" + ctx.caller + "' names unknown or inactive chain '" + chainName + "'; chains in the catalog: "
                            + cat.chains().keySet())).startingWith(name);
        } else {
            chain = cat.implicitChain(name);
        }
        ctx.chainSpec = chain;
        ctx.chain = resolve(chain.models(), cat);
        if (agent != null && !agent.capabilities().isEmpty()) {
            List<Target> able = ctx.chain.stream()
                    .filter(t -> t.model() == null || t.model().capabilities().containsAll(agent.capabilities())).toList();
            if (able.isEmpty()) {
                throw GatewayError.badRequest("model", "No model of the chain " + chain.models() + " has the capabilities agent '"
                        + agent.id() + "' needs: " + agent.capabilities());
            }
            ctx.chain = able;
        }
        if (spends) {
            budget.reserve(ctx, cat, () -> BudgetGuard.chat(ctx));
        }
    }

    /**
     * The rules' decision, without the rules that name a model, chain or template the catalog has lost since they
     * were compiled: each such rule is counted as failed (GET /admin/api/rules) and the request routed as if it had
     * not matched, instead of every request it matches failing.
     */
    Decision servableDecision(LlmRequest request, Catalog cat) {
        LlmRequest facts = asCatalogNames(request, cat);
        Decision decision = rules.decide(facts, health::providerStatuses);
        Set<String> skipped = new HashSet<>();
        for (var bad = RuleTargets.unusable(decision, cat); bad.isPresent() && bad.get().rule() != null
                && skipped.size() < MAX_SKIPPED_RULES;
             bad = RuleTargets.unusable(decision, cat)) {
            rules.reportFailure(bad.get().rule(), bad.get().why());
            skipped.add(bad.get().rule());
            decision = rules.decide(facts, health::providerStatuses, Set.copyOf(skipped));
        }
        return decision;
    }

    /**
     * The model when no rule routes: the caller's, else the agent's primary model, else the catalog's default (also
     * the model whose tokens count against the caller's limit before the rules run).
     */
    static String unroutedModel(String requested, AgentSpec agent, Catalog cat) {
        if (requested != null && !requested.isEmpty()) {
            return requested;
        }
        return agent != null && agent.primaryModel() != null ? agent.primaryModel() : cat.defaultChatModel();
    }

    /** Rules skipped for one request at most: each costs an evaluation; past it the catalog check below answers. */
    private static final int MAX_SKIPPED_RULES = 8;

    /**
     * Rules name catalog models, so an ad-hoc id of one ({@code openai/gpt-4o}) reads as that model: "Free users
     * never reach premium models" holds however the caller spells a premium model.
     */
    private static LlmRequest asCatalogNames(LlmRequest facts, Catalog cat) {
        if (cat.model(facts.getModel()).isPresent()) {
            return facts;
        }
        return cat.modelServing(facts.getModel()).map(m -> facts.withModel(m.id())).orElse(facts);
    }

    void embeddings(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        Catalog cat = catalog.get();
        checkCallerLimit(ctx, cat, 0);
        String name = ctx.requestedModel != null ? ctx.requestedModel : cat.defaultEmbeddingModel();
        cat.model(name).ifPresent(m -> {
            if (!m.can("embeddings")) {
                throw GatewayError.badRequest("model", "Model '" + name + "' does not create embeddings; models that do: "
                        + cat.models().stream().filter(x -> x.can("embeddings")).map(ModelSpec::id).toList());
            }
        });
        ctx.chainSpec = cat.implicitChain(name);
        ctx.chain = resolve(ctx.chainSpec.models(), cat);
        JsonNode input = exchange.getVariable("embeddingsBody", JsonNode.class).get("input");
        budget.reserve(ctx, cat, () -> BudgetGuard.embeddings(input));
    }

    /** The agent's context strategy "recent:N": its system prompt(s) and the last N other messages. */
    private static dev.switchboard.api.ChatRequest recent(dev.switchboard.api.ChatRequest request, int n) {
        var messages = request.messages();
        int others = 0;
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            others += role.equals("system") || role.equals("developer") ? 0 : 1;
        }
        if (others <= n) {
            return request;
        }
        var kept = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        int skip = others - n;
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            if (role.equals("system") || role.equals("developer")) {
                kept.add(m);
            } else if (skip > 0) {
                skip--;
            } else {
                kept.add(m);
            }
        }
        // A tool result whose call was cut away would be refused by providers: start after such orphans.
        int first = firstNonSystem(kept);
        while (first < kept.size() && kept.get(first).path("role").asText().equals("tool")) {
            kept.remove(first);
        }
        return request.withParam("messages", kept);
    }

    private static boolean isSystem(JsonNode m) {
        String role = m.path("role").asText();
        return role.equals("system") || role.equals("developer");
    }

    private static int firstNonSystem(com.fasterxml.jackson.databind.node.ArrayNode messages) {
        for (int i = 0; i < messages.size(); i++) {
            if (!isSystem(messages.get(i))) {
                return i;
            }
        }
        return messages.size();
    }

    /** {@code set("template", "precise")} in a rule, or {@code "template"} in an agent's parameters, names a parameter set. */
    private static final String TEMPLATE = "template";

    /** A rule's template overrides the caller's parameters; an agent's only fills what the caller left out. */
    private static void applyTemplate(RequestContext ctx, Catalog cat, String name, boolean override, String who) {
        var params = cat.template(name).orElseThrow(() -> new GatewayError(500, "server_error", "rules_error", null,
                "The " + who + " names unknown parameter template '" + name + "'; add it under templates: in the catalog"));
        params.fields().forEachRemaining(e -> {
            if (override || !ctx.request.body().has(e.getKey())) {
                ctx.request = ctx.request.withParam(e.getKey(), e.getValue());
            }
        });
        ctx.tags.add("template:" + name);
    }

    /** Every deployment of every model of the chain, each model's deployments in its balancer's order. */
    private List<Target> resolve(List<String> names, Catalog cat) {
        List<Target> targets = new ArrayList<>(names.size());
        for (String n : names) {
            var model = cat.model(n);
            if (model.isPresent()) {
                for (Deployment d : balancer.order(model.get())) {
                    targets.add(new Target(n, model.get(), cat.providerFor(d), d.upstreamId(), d.key()));
                }
            } else {
                targets.add(target(n, cat));
            }
        }
        return targets;
    }

    static Target target(String name, Catalog cat) {
        var model = cat.model(name);
        if (model.isPresent()) {
            ModelSpec m = model.get();
            Deployment d = m.deployments().get(0);
            return new Target(m.id(), m, cat.providerFor(d), d.upstreamId(), d.key());
        }
        int slash = name.indexOf('/');
        if (slash > 0) {
            ProviderSpec provider = cat.provider(name.substring(0, slash)).orElse(null);
            if (provider != null) {
                String upstreamId = name.substring(slash + 1);
                if (!AD_HOC_ID.matcher(upstreamId).matches()) {
                    throw GatewayError.badRequest("model", "'" + name + "' is not a model id this gateway calls: after '"
                            + provider.id() + "/' use letters, digits and . _ : @ - in segments separated by '/', each starting "
                            + "with a letter or digit");
                }
                ProviderSpec serving = !provider.enabled() && cat.simulatorMode() ? cat.provider(ProviderSpec.SIMULATOR).orElseThrow() : provider;
                if (!serving.enabled()) {
                    throw GatewayError.modelNotFound("Provider '" + provider.id() + "' is not enabled (" + provider.disabledReason()
                            + "), so '" + name + "' cannot be called");
                }
                return new Target(name, null, serving, upstreamId, PipelineRoutes.adHocModelKey(serving.id(), upstreamId));
            }
        }
        throw GatewayError.modelNotFound("The model '" + name + "' does not exist in the catalog. GET /v1/models lists the models "
                + "you can call; use 'provider/model-id' (e.g. 'openai/" + name + "') for a model the catalog does not list.");
    }

}

package dev.switchboard.recommend;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.recording.Jdbc;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.Price;
import dev.switchboard.recording.ModelTraffic;
import dev.switchboard.recording.ModelTraffic.Traffic;
import dev.switchboard.recording.UsageRollups;
import dev.switchboard.routing.LlmRequest;
import dev.switchboard.routing.ModelStats;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finds the recommendations in the data: the daily usage and failure rollups of the last {@link #WINDOW}, the quality
 * scores (the {@link ModelStats} rules see), the catalog's prices, chains and defaults, and the agents' budgets. Runs
 * on a timer and on demand, never on a request's path. No finding stands on less than the minimum samples below.
 */
public final class Advisor {
    /** The period read: the quality scores' own (from its first whole UTC day). */
    public static final Duration WINDOW = Duration.ofDays(30);
    /** A month, for the monthly estimates: the window's figures scaled to 30 days. */
    private static final double DAYS_PER_MONTH = 30;
    /**
     * Minimum requests a finding stands on: an agent's requests of the task type on the dear model (cheaper model);
     * attempts on each of the two models (chain order); answers of the model (max_tokens); the agent's requests this
     * month (budget).
     */
    public static final int MIN_REQUESTS = 100;
    /** Minimum scored answers of each of the two models on the task type (cheaper model). */
    public static final int MIN_QUALITY_SAMPLES = 50;
    /** The cheaper model's quality score may be at most this much below the dear one's (scores run 0..1). */
    public static final double QUALITY_MARGIN = 0.05;
    /** The cheaper model must cost at least this share less for the same tokens: smaller differences are noise. */
    public static final double MIN_SAVING_SHARE = 0.10;
    /** A chain's first model failing this share of its attempts or more is worth moving (0..1)... */
    public static final double FAILURE_RATE_LIMIT = 0.20;
    /** ...behind a model of the chain failing at most this fraction as often. */
    public static final double BETTER_FAILURE_FACTOR = 0.5;
    /** A first model this many times slower at p95 than another of its chain, failing no more often, is moved too. */
    public static final double LATENCY_FACTOR = 2.0;
    /** A default max_tokens at least this many times the suggested one is "far above" what answers use. */
    public static final double MAX_TOKENS_FACTOR = 2.0;
    /** The suggested max_tokens: the longer of the longest answer and this many times the 99th percentile answer... */
    public static final double MAX_TOKENS_HEADROOM = 2.0;
    /** ...rounded up to a multiple of this. */
    public static final int MAX_TOKENS_STEP = 64;
    private static final double ANSWER_PERCENTILE = 0.99;
    /** A month-end projection needs this share of the month gone (about three days): earlier, one busy day decides it. */
    public static final double MIN_MONTH_SHARE = 0.10;
    /** Where applied routing rules are written; created with a header on the first apply. */
    public static final String RULE_FILE = "recommendations.drl";
    /** What {@link #RULE_FILE} starts with: a file of its own, so its rules are told apart from hand-written ones. */
    public static final String RULE_FILE_HEADER = """
            // Rules written by applying optimisation recommendations (POST /admin/api/recommendations/{id}/apply).
            // Each rule's comment names its recommendation and the evidence it stood on; roll one back through
            // GET /admin/api/rules/versions?file=recommendations.drl and POST .../versions/{n}/rollback.

            package rules

            import dev.switchboard.routing.LlmRequest

            global dev.switchboard.routing.Decision decision
            """;
    /** Salience of the rules applied: above the hand-written ones of rules/routing.drl (100 at most). */
    public static final int RULE_PRIORITY = 1000;
    private static final double TOKENS_PER_PRICE_UNIT = 1_000_000d;

    private final Jdbc jdbc;
    private final ModelTraffic traffic;

    public Advisor(Jdbc jdbc, ModelTraffic traffic) {
        this.jdbc = jdbc;
        this.traffic = traffic;
    }

    /** What the advisor reads, taken at one moment. */
    record Inputs(Instant now, Catalog catalog, Collection<AgentSpec> agents, List<ModelStats> quality) {
        Instant since() {
            return now.minus(WINDOW).truncatedTo(ChronoUnit.DAYS);
        }

        /** Days the window covers, for scaling its figures to a month. */
        double days() {
            return Duration.between(since(), now).toSeconds() / (double) Duration.ofDays(1).toSeconds();
        }

        ObjectNode period() {
            return JsonNodeFactory.instance.objectNode().put("from", since().toString()).put("to", now.toString())
                    .put("days", Math.round(days() * 10) / 10.0);
        }

        double monthly(double inWindow) {
            return inWindow * DAYS_PER_MONTH / days();
        }
    }

    List<Recommendation> find(Inputs in) {
        Map<String, Traffic> perTask = traffic.since(in.since());
        List<Recommendation> all = new ArrayList<>();
        all.addAll(cheaperModels(in, perTask));
        all.addAll(chainOrders(in, ModelTraffic.byModel(perTask)));
        all.addAll(maxTokens(in));
        all.addAll(budgets(in));
        return all;
    }

    /** An agent's task type served by a dear model where a cheaper one scored as well: route it there. */
    private List<Recommendation> cheaperModels(Inputs in, Map<String, Traffic> perTask) {
        Map<String, ModelStats> quality = new HashMap<>();
        in.quality().forEach(q -> quality.put(ModelTraffic.key(q.getModel(), q.getTaskType()), q));
        List<Recommendation> out = new ArrayList<>();
        for (Map<String, Object> row : jdbc.select("SELECT agent, task_type, model, SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens, "
                + "SUM(completion_tokens) AS completion_tokens, SUM(cost_usd) AS cost_usd FROM " + UsageRollups.DAILY
                + " WHERE period_start >= :?since AND status < 400 AND model <> '' AND agent <> '' GROUP BY agent, task_type, model",
                Map.of("since", Timestamp.from(in.since())))) {
            String agent = row.get("agent").toString();
            String task = row.get("task_type").toString();
            String dear = row.get("model").toString();
            long requests = number(row.get("requests"));
            ModelStats dearQuality = quality.get(ModelTraffic.key(dear, task));
            if (requests < MIN_REQUESTS || dearQuality == null || dearQuality.getSamples() < MIN_QUALITY_SAMPLES || !LlmRequest.TASK_TYPES.contains(task)
                    || in.agents().stream().noneMatch(a -> a.id().equals(agent)) || in.catalog().model(dear).isEmpty()) {
                continue;
            }
            long prompt = number(row.get("prompt_tokens"));
            long completion = number(row.get("completion_tokens"));
            double dearCost = cost(in.catalog().model(dear).get().price(), prompt, completion);
            ModelSpec best = null;
            double bestCost = dearCost * (1 - MIN_SAVING_SHARE);
            for (ModelSpec m : in.catalog().callableModels()) {
                ModelStats q = quality.get(ModelTraffic.key(m.id(), task));
                double c = cost(m.price(), prompt, completion);
                if (!m.id().equals(dear) && q != null && q.getSamples() >= MIN_QUALITY_SAMPLES
                        && q.getQualityScore() >= dearQuality.getQualityScore() - QUALITY_MARGIN && c <= bestCost) {
                    best = m;
                    bestCost = c;
                }
            }
            if (best != null) {
                out.add(cheaperModel(in, agent, task, dear, best.id(), requests, prompt, completion, dearCost, bestCost, dearQuality,
                        quality.get(ModelTraffic.key(best.id(), task)), perTask));
            }
        }
        return out;
    }

    private static Recommendation cheaperModel(Inputs in, String agent, String task, String dear, String cheap, long requests, long prompt,
                                               long completion, double dearCost, double cheapCost, ModelStats dearQuality, ModelStats cheapQuality,
                                               Map<String, Traffic> perTask) {
        String id = Recommendation.id(Recommendation.Kind.CHEAPER_MODEL, List.of(agent, task, dear, cheap));
        double saving = in.monthly(dearCost - cheapCost);
        long dearP95 = p95(perTask.get(ModelTraffic.key(dear, task)));
        long cheapP95 = p95(perTask.get(ModelTraffic.key(cheap, task)));
        ObjectNode subject = JsonNodeFactory.instance.objectNode().put("agent", agent).put("taskType", task).put("model", dear).put("to", cheap);
        ObjectNode evidence = JsonNodeFactory.instance.objectNode();
        evidence.set("period", in.period());
        evidence.put("requests", requests).put("promptTokens", prompt).put("completionTokens", completion)
                .put("costAtCatalogPriceUsd", dearCost).put("costAtCheaperPriceUsd", cheapCost).put("qualityMargin", QUALITY_MARGIN);
        evidence.putObject("quality").<ObjectNode>set(dear, quality(dearQuality)).set(cheap, quality(cheapQuality));
        evidence.putObject("latencyP95Ms").put(dear, dearP95 < 0 ? null : dearP95).put(cheap, cheapP95 < 0 ? null : cheapP95);
        ObjectNode effect = JsonNodeFactory.instance.objectNode().put("monthlySavingsUsd", saving)
                .put("qualityChange", cheapQuality.getQualityScore() - dearQuality.getQualityScore());
        effect.put("latencyP95ChangeMs", dearP95 < 0 || cheapP95 < 0 ? null : cheapP95 - dearP95);
        String title = "Agent " + agent + "'s " + task + " requests go to " + cheap + " instead of " + dear;
        String comment = String.format(Locale.ROOT, "Recommendation %s: evidence from %s to %s.\nAgent %s sent %,d %s requests to %s; "
                        + "%s scored %.3f on %,d answers of that task type\nagainst %s's %.3f on %,d (margin %.2f) and costs less for the "
                        + "same tokens: about $%.2f a month saved.", id, in.since().toString().substring(0, 10), in.now().toString().substring(0, 10), agent,
                requests, task, dear, cheap, cheapQuality.getQualityScore(), cheapQuality.getSamples(), dear, dearQuality.getQualityScore(),
                dearQuality.getSamples(), QUALITY_MARGIN, saving);
        ObjectNode rule = JsonNodeFactory.instance.objectNode().put("name", title + " (" + id + ")").put("file", RULE_FILE)
                .put("model", cheap).put("priority", RULE_PRIORITY).put("comment", comment);
        rule.putArray("conditions").add(condition("agentId", agent)).add(condition("taskType", task));
        return new Recommendation(id, Recommendation.Kind.CHEAPER_MODEL, title, subject, evidence, effect,
                new Recommendation.Action(Recommendation.Action.Type.RULE, null, null, rule));
    }

    /** A chain whose first model fails (or lags) where another of its models does not: that one first. */
    private List<Recommendation> chainOrders(Inputs in, Map<String, Traffic> byModel) {
        List<Recommendation> out = new ArrayList<>();
        for (Map.Entry<String, ChainSpec> e : in.catalog().chains().entrySet()) {
            ChainSpec chain = e.getValue();
            if (!chain.active() || chain.models().size() < 2) {
                continue;
            }
            Traffic first = byModel.get(chain.models().get(0));
            if (first == null || first.attempts() < MIN_REQUESTS) {
                continue;
            }
            for (String other : chain.models().subList(1, chain.models().size())) {
                Traffic t = byModel.get(other);
                if (t != null && t.attempts() >= MIN_REQUESTS && better(first, t)) {
                    out.add(chainOrder(in, e.getKey(), chain, first, t));
                    break; // the first better model in the chain's own order: the chain's preferences otherwise stay
                }
            }
        }
        return out;
    }

    private static boolean better(Traffic first, Traffic other) {
        double firstRate = first.errorRatePercent() / 100;
        double otherRate = other.errorRatePercent() / 100;
        boolean fails = firstRate >= FAILURE_RATE_LIMIT && otherRate <= firstRate * BETTER_FAILURE_FACTOR;
        boolean lags = first.latencyP95Ms() > 0 && other.latencyP95Ms() > 0 && first.latencyP95Ms() >= LATENCY_FACTOR * other.latencyP95Ms()
                && otherRate <= firstRate;
        return fails || lags;
    }

    private static Recommendation chainOrder(Inputs in, String chainId, ChainSpec chain, Traffic first, Traffic other) {
        List<String> order = chain.startingWith(other.model()).models();
        String id = Recommendation.id(Recommendation.Kind.CHAIN_ORDER, List.of(chainId, String.join(",", order)));
        ObjectNode subject = JsonNodeFactory.instance.objectNode().put("chain", chainId).put("model", first.model()).put("to", other.model());
        ObjectNode evidence = JsonNodeFactory.instance.objectNode();
        evidence.set("period", in.period());
        evidence.set(first.model(), traffic(first));
        evidence.set(other.model(), traffic(other));
        evidence.put("failureRateLimitPercent", FAILURE_RATE_LIMIT * 100).put("latencyFactor", LATENCY_FACTOR);
        double rateGain = (first.errorRatePercent() - other.errorRatePercent()) / 100;
        Price firstPrice = in.catalog().model(first.model()).map(ModelSpec::price).orElse(Price.FREE);
        Price otherPrice = in.catalog().model(other.model()).map(ModelSpec::price).orElse(Price.FREE);
        double costChange = cost(otherPrice, first.promptTokens(), first.completionTokens()) - cost(firstPrice, first.promptTokens(), first.completionTokens());
        ObjectNode effect = JsonNodeFactory.instance.objectNode().put("monthlySavingsUsd", -in.monthly(costChange))
                .put("monthlyFailedAttemptsAvoided", Math.round(in.monthly(Math.max(0, rateGain) * first.attempts())))
                .put("latencyP95ChangeMs", first.latencyP95Ms() < 0 || other.latencyP95Ms() < 0 ? null : other.latencyP95Ms() - first.latencyP95Ms());
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        order.forEach(value.putArray("models")::add);
        return new Recommendation(id, Recommendation.Kind.CHAIN_ORDER, "Chain " + chainId + " tries " + other.model() + " before " + first.model(),
                subject, evidence, effect, new Recommendation.Action(Recommendation.Action.Type.CATALOG, "chains", chainId, value));
    }

    /** A model's default max_tokens far above what its answers use: lower it. */
    private List<Recommendation> maxTokens(Inputs in) {
        List<Recommendation> out = new ArrayList<>();
        for (ModelSpec m : in.catalog().models()) {
            long configured = m.defaults() == null ? 0 : m.defaults().path("max_tokens").asLong(0);
            if (configured <= 0) {
                continue;
            }
            List<long[]> lengths = new ArrayList<>();
            for (Map<String, Object> r : jdbc.select("SELECT completion_tokens AS t, COUNT(*) AS n FROM usage_record WHERE model = :?model "
                    + "AND created_at >= :?since AND status < 400 AND completion_tokens IS NOT NULL GROUP BY completion_tokens ORDER BY completion_tokens",
                    Map.of("model", m.id(), "since", Timestamp.from(in.since())))) {
                lengths.add(new long[] {number(r.get("t")), number(r.get("n"))});
            }
            long answers = lengths.stream().mapToLong(l -> l[1]).sum();
            if (answers < MIN_REQUESTS) {
                continue;
            }
            long p99 = nearestRank(lengths, ANSWER_PERCENTILE);
            long longest = lengths.get(lengths.size() - 1)[0];
            long suggested = roundUp(Math.max(longest, (long) Math.ceil(p99 * MAX_TOKENS_HEADROOM)), MAX_TOKENS_STEP);
            if (configured >= MAX_TOKENS_FACTOR * suggested) {
                out.add(maxTokens(in, m, configured, suggested, answers, p99, longest));
            }
        }
        return out;
    }

    private static Recommendation maxTokens(Inputs in, ModelSpec m, long configured, long suggested, long answers, long p99, long longest) {
        String id = Recommendation.id(Recommendation.Kind.MAX_TOKENS, List.of(m.id(), Long.toString(configured)));
        ObjectNode subject = JsonNodeFactory.instance.objectNode().put("model", m.id()).put("parameter", "max_tokens");
        ObjectNode evidence = JsonNodeFactory.instance.objectNode();
        evidence.set("period", in.period());
        evidence.put("answers", answers).put("configuredMaxTokens", configured).put("completionTokensP99", p99)
                .put("completionTokensMax", longest).put("suggestedMaxTokens", suggested);
        ObjectNode effect = JsonNodeFactory.instance.objectNode().put("monthlySavingsUsd", 0.0)
                .put("budgetReservedLessPerRequestUsd", (configured - suggested) * m.price().output() / TOKENS_PER_PRICE_UNIT)
                .put("note", "billing is per token used, so spend does not change; the budget guard reserves less per request, "
                        + "and a runaway answer is cut sooner");
        ObjectNode value = JsonNodeFactory.instance.objectNode();
        value.putObject("defaults").put("max_tokens", suggested);
        return new Recommendation(id, Recommendation.Kind.MAX_TOKENS, "Model " + m.id() + "'s default max_tokens goes from " + configured + " to " + suggested,
                subject, evidence, effect, new Recommendation.Action(Recommendation.Action.Type.CATALOG, "models", m.id(), value));
    }

    /** An agent whose month-end projection is over its monthly budget. */
    private List<Recommendation> budgets(Inputs in) {
        YearMonth month = YearMonth.from(in.now().atZone(ZoneOffset.UTC));
        Instant start = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        double gone = (double) Duration.between(start, in.now()).toSeconds() / Duration.between(start, end).toSeconds();
        List<Recommendation> out = new ArrayList<>();
        if (gone < MIN_MONTH_SHARE) {
            return out;
        }
        Map<String, Map<String, Object>> spend = new HashMap<>();
        jdbc.select("SELECT agent, SUM(requests) AS requests, SUM(cost_usd) AS cost_usd FROM " + UsageRollups.DAILY
                + " WHERE period_start >= :?start GROUP BY agent", Map.of("start", Timestamp.from(start))).forEach(r -> spend.put(r.get("agent").toString(), r));
        for (AgentSpec a : in.agents()) {
            Map<String, Object> s = spend.get(a.id());
            if (a.monthlyBudgetUsd() <= 0 || s == null || number(s.get("requests")) < MIN_REQUESTS) {
                continue;
            }
            double spent = ((Number) s.get("cost_usd")).doubleValue();
            double projected = spent / gone;
            if (projected > a.monthlyBudgetUsd()) {
                String id = Recommendation.id(Recommendation.Kind.BUDGET, List.of(a.id(), month.toString()));
                ObjectNode evidence = JsonNodeFactory.instance.objectNode().put("month", month.toString()).put("monthShareGone", gone)
                        .put("requests", number(s.get("requests"))).put("spentUsd", spent).put("monthlyBudgetUsd", a.monthlyBudgetUsd())
                        .put("monthEndProjectionUsd", projected);
                ObjectNode effect = JsonNodeFactory.instance.objectNode().put("projectedOverrunUsd", projected - a.monthlyBudgetUsd())
                        .put("note", "the budget refuses the agent's requests once spent; raise it, or apply this agent's cheaper_model recommendations");
                out.add(new Recommendation(id, Recommendation.Kind.BUDGET, "Agent " + a.id() + " is heading over its monthly budget",
                        JsonNodeFactory.instance.objectNode().put("agent", a.id()), evidence, effect, Recommendation.Action.NONE));
            }
        }
        return out;
    }

    /** The value at rank ⌈q·n⌉ of (value, count) pairs in ascending order; -1 when there are none. */
    static long nearestRank(List<long[]> valueCounts, double q) {
        long total = valueCounts.stream().mapToLong(vc -> vc[1]).sum();
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (long[] vc : valueCounts) {
            seen += vc[1];
            if (seen >= rank) {
                return vc[0];
            }
        }
        return -1;
    }

    private static long roundUp(long value, int step) {
        return (value + step - 1) / step * step;
    }

    /** What the tokens cost at a catalog price (cache discounts aside: the same for both sides of a comparison). */
    static double cost(Price price, long prompt, long completion) {
        return (prompt * price.input() + completion * price.output()) / TOKENS_PER_PRICE_UNIT;
    }

    private static long p95(Traffic t) {
        return t == null ? -1 : t.latencyP95Ms();
    }

    private static ObjectNode quality(ModelStats q) {
        return JsonNodeFactory.instance.objectNode().put("qualityScore", q.getQualityScore()).put("samples", q.getSamples());
    }

    private static ObjectNode traffic(Traffic t) {
        return JsonNodeFactory.instance.objectNode().put("attempts", t.attempts()).put("failedAttempts", t.failures())
                .put("failureRatePercent", t.errorRatePercent()).put("latencyP95Ms", t.latencyP95Ms() < 0 ? null : t.latencyP95Ms());
    }

    private static ObjectNode condition(String field, String value) {
        return JsonNodeFactory.instance.objectNode().put("fact", "LlmRequest").put("field", field).put("op", "==").put("value", value);
    }

    private static long number(Object v) {
        return v == null ? 0 : ((Number) v).longValue();
    }
}

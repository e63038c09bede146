package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.Price;
import dev.switchboard.routing.Decision;
import dev.switchboard.routing.LlmRequest;
import dev.switchboard.routing.RulesHolder;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Replays recorded requests through the serving rules and a draft's, and reports how many the draft would route
 * elsewhere, to which models, and what the recorded tokens would have cost at each model's catalog price. No provider
 * is called, no budget or rate limit is touched.
 *
 * <p>A usage row keeps the request's model, caller, tags, streaming flag and token counts, not its text, so the facts
 * are rebuilt from those: {@code estimatedTokens} is the recorded prompt tokens (and {@code contentLength} four times
 * that), the task type is the recorded one ({@code chat} for rows from before it was recorded), the tier is
 * {@code standard}, and {@code containsCode}, {@code containsMath}, {@code hasTools}, {@code hasImages} are false. Tags
 * are the recorded ones, rules' own labels included.
 */
final class RuleReplay implements BiFunction<List<Map<String, Object>>, RulesHolder, ObjectNode> {
    /** What a rejected request is counted as, in place of a model. */
    static final String REJECTED = "(rejected)";
    private static final double TOKENS_PER_PRICE_UNIT = 1_000_000d;
    private static final int CHARS_PER_TOKEN = 4;

    private final Supplier<Catalog> catalog;
    private final RouteStage live;

    RuleReplay(Supplier<Catalog> catalog, RouteStage live) {
        this.catalog = catalog;
        this.live = live;
    }

    /** {@code rows}: usage rows, newest first, with lower-case column names. */
    @Override
    public ObjectNode apply(List<Map<String, Object>> rows, RulesHolder draft) {
        Catalog cat = catalog.get();
        RouteStage drafted = live.with(draft);
        Map<String, Integer> liveModels = new TreeMap<>();
        Map<String, Integer> draftModels = new TreeMap<>();
        Map<String, Integer> moves = new TreeMap<>();
        double liveCost = 0;
        double draftCost = 0;
        int changed = 0;
        for (Map<String, Object> row : rows) {
            LlmRequest facts = facts(row);
            String before = model(live.servableDecision(facts, cat), facts, cat);
            String after = model(drafted.servableDecision(facts, cat), facts, cat);
            liveModels.merge(before, 1, Integer::sum);
            draftModels.merge(after, 1, Integer::sum);
            int prompt = number(row.get("prompt_tokens"));
            int completion = number(row.get("completion_tokens"));
            liveCost += cost(before, prompt, completion, cat);
            draftCost += cost(after, prompt, completion, cat);
            if (!before.equals(after)) {
                changed++;
                moves.merge(before + " -> " + after, 1, Integer::sum);
            }
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("replayed", rows.size()).put("changed", changed).put("unchanged", rows.size() - changed);
        answer.putObject("live").put("costUsd", liveCost).set("models", counts(liveModels));
        answer.putObject("draft").put("costUsd", draftCost).set("models", counts(draftModels));
        answer.set("moves", counts(moves));
        answer.put("costDifferenceUsd", draftCost - liveCost);
        return answer;
    }

    /** The model that would answer first, as the route stage picks it (an agent's primary model aside: rows keep no key). */
    private static String model(Decision decision, LlmRequest facts, Catalog cat) {
        if (decision.rejection() != null) {
            return REJECTED;
        }
        return decision.model() != null ? decision.model() : RouteStage.unroutedModel(facts.getModel(), null, cat);
    }

    /** The recorded tokens at the model's catalog price; 0 for a model without one (rejected, or unknown to the catalog). */
    private static double cost(String model, int prompt, int completion, Catalog cat) {
        Price price = cat.model(model).map(m -> m.price()).orElse(Price.FREE);
        return (prompt * price.input() + completion * price.output()) / TOKENS_PER_PRICE_UNIT;
    }

    private static LlmRequest facts(Map<String, Object> row) {
        int prompt = number(row.get("prompt_tokens"));
        String taskType = text(row.get("task_type"));
        Set<String> tags = new LinkedHashSet<>();
        Arrays.stream(text(row.get("tags")).split(",")).map(String::strip).filter(t -> !t.isEmpty()).forEach(tags::add);
        return new LlmRequest(text(row.get("requested_model")), text(row.get("caller")),
                LlmRequest.TASK_TYPES.contains(taskType) ? taskType : "chat", "standard", prompt * CHARS_PER_TOKEN, prompt,
                false, false, false, false, Boolean.TRUE.equals(row.get("stream")), tags, Map.of());
    }

    private static ObjectNode counts(Map<String, Integer> counts) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        counts.forEach(node::put);
        return node;
    }

    private static String text(Object v) {
        return v == null ? "" : v.toString();
    }

    private static int number(Object v) {
        return v instanceof Number n ? n.intValue() : 0;
    }
}

package dev.switchboard.recommend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.recording.Jdbc;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.Price;
import dev.switchboard.routing.ModelStats;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a recommendation would have changed among the last N recorded chat requests: each request it would route (or
 * cut) differently, with the model and cost before and after, and the totals with the quality and latency the two
 * models showed over the advisor's window. A usage row keeps no prompt, so a request's facts are its recorded agent,
 * task type, chain and token counts; costs after are the recorded tokens at the other model's catalog price.
 */
final class Preview {
    /** Requests looked at, at most: one bounded query and a few milliseconds of work. */
    static final int MAX_LAST = 10_000;

    private final Jdbc jdbc;

    Preview(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    ObjectNode of(Recommendation r, int last, Catalog catalog, List<ModelStats> quality) {
        if (last < 1 || last > MAX_LAST) {
            throw GatewayError.badRequest("last", "'last' is how many recorded requests to look at, 1 to " + MAX_LAST + ", got " + last);
        }
        if (r.action().type() == Recommendation.Action.Type.NONE) {
            throw new GatewayError(409, "invalid_request_error", "conflict", "id", "Recommendation " + r.id() + " is information only: nothing would change");
        }
        List<Map<String, Object>> rows = jdbc.select("SELECT request_id, created_at, caller, task_type, chain_id, model, prompt_tokens, "
                + "completion_tokens, cost_usd, latency_ms, fallback_count FROM usage_record WHERE operation = 'chat' "
                + "ORDER BY created_at DESC, request_id DESC LIMIT " + last, Map.of());
        JsonNode subject = r.subject();
        String to = subject.path("to").asText(null);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("id", r.id()).put("kind", r.kind().label).put("last", last)
                .put("lookedAt", rows.size());
        ArrayNode changed = body.putArray("requests");
        double before = 0;
        double after = 0;
        for (Map<String, Object> row : rows) {
            String model = Objects.toString(row.get("model"), null);
            long prompt = number(row.get("prompt_tokens"));
            long completion = number(row.get("completion_tokens"));
            ObjectNode change = switch (r.kind()) {
                case CHEAPER_MODEL -> subject.path("agent").asText().equals(row.get("caller")) && subject.path("taskType").asText().equals(row.get("task_type"))
                        && !to.equals(model) ? moved(row, model, to, cost(catalog, to, prompt, completion)) : null;
                case CHAIN_ORDER -> subject.path("chain").asText().equals(row.get("chain_id")) && !to.equals(model)
                        ? moved(row, model, to, cost(catalog, to, prompt, completion)) : null;
                case MAX_TOKENS -> cut(row, model, subject.path("model").asText(), r.evidence().path("suggestedMaxTokens").asLong(), catalog);
                case BUDGET -> null;
            };
            if (change != null) {
                changed.add(change);
                before += change.at("/before/costUsd").asDouble();
                after += change.at("/after/costUsd").asDouble();
            }
        }
        body.put("changed", changed.size()).put("unchanged", rows.size() - changed.size());
        body.put("costBeforeUsd", before).put("costAfterUsd", after).put("costDifferenceUsd", after - before);
        if (to != null && r.kind() == Recommendation.Kind.CHEAPER_MODEL) {
            String task = subject.path("taskType").asText();
            body.put("qualityBefore", score(quality, subject.path("model").asText(), task)).put("qualityAfter", score(quality, to, task));
        }
        body.set("latencyP95ChangeMs", r.effect().path("latencyP95ChangeMs"));
        return body;
    }

    private static ObjectNode moved(Map<String, Object> row, String model, String to, double costAfter) {
        ObjectNode change = request(row);
        change.putObject("before").put("model", model).put("costUsd", decimal(row.get("cost_usd"))).put("latencyMs", number(row.get("latency_ms")))
                .put("fallbacks", number(row.get("fallback_count")));
        change.putObject("after").put("model", to).put("costUsd", costAfter);
        return change;
    }

    /** An answer of the model longer than the suggested limit: it would have been cut there. */
    private static ObjectNode cut(Map<String, Object> row, String model, String subjectModel, long limit, Catalog catalog) {
        long completion = number(row.get("completion_tokens"));
        if (!subjectModel.equals(model) || completion <= limit) {
            return null;
        }
        ObjectNode change = request(row);
        change.putObject("before").put("model", model).put("completionTokens", completion).put("costUsd", decimal(row.get("cost_usd")));
        change.putObject("after").put("model", model).put("completionTokens", limit)
                .put("costUsd", cost(catalog, model, number(row.get("prompt_tokens")), limit));
        return change;
    }

    private static ObjectNode request(Map<String, Object> row) {
        Object at = row.get("created_at");
        return JsonNodeFactory.instance.objectNode().put("requestId", Objects.toString(row.get("request_id"), null))
                .put("createdAt", at instanceof Timestamp t ? t.toInstant().toString() : Objects.toString(at, null))
                .put("agent", Objects.toString(row.get("caller"), null)).put("taskType", Objects.toString(row.get("task_type"), null));
    }

    private static double cost(Catalog catalog, String model, long prompt, long completion) {
        return Advisor.cost(catalog.model(model).map(ModelSpec::price).orElse(Price.FREE), prompt, completion);
    }

    private static Double score(List<ModelStats> quality, String model, String task) {
        return quality.stream().filter(q -> q.getModel().equals(model) && q.getTaskType().equals(task)).findFirst()
                .map(ModelStats::getQualityScore).orElse(null);
    }

    private static long number(Object v) {
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static double decimal(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}

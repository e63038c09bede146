package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.pipeline.RequestContext.Target;
import dev.switchboard.providers.Json;
import dev.switchboard.routing.RulesHolder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * "Try a rule on a sample request": the format and route stages run on the sample exactly as on a real
 * request, and the decision comes back (model, chain, parameters, the rule that fired), no provider called. The
 * rules may be a draft's ({@link RulesHolder#candidate}), to compare with the serving ones.
 */
final class RuleTester implements BiFunction<JsonNode, RulesHolder, ObjectNode> {
    private final CamelContext camel;
    private final FormatStage format;
    private final RouteStage route;

    RuleTester(CamelContext camel, FormatStage format, RouteStage route) {
        this.camel = camel;
        this.format = format;
        this.route = route;
    }

    /** The decision on {@code sample} by {@code rules}: the serving ones, or a draft's. */
    @Override
    public ObjectNode apply(JsonNode sample, RulesHolder rules) {
        ObjectNode request = sample.deepCopy();
        Exchange exchange = new DefaultExchange(camel);
        exchange.setVariable("entry", "rule-test");
        JsonNode agent = request.remove("agent");
        header(exchange, request, "taskType", "x-switchboard-task-type");
        header(exchange, request, "userTier", "x-switchboard-user-tier");
        header(exchange, request, "tags", "x-switchboard-tags");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(Json.bytes(request));
        format.tryChat(exchange, agent == null || agent.isNull() ? null : agent.asText());
        route.with(rules).tryChat(exchange);
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("model", ctx.chain.isEmpty() ? null : ctx.chain.get(0).name());
        answer.put("rule", ctx.rule);
        answer.put("chain", ctx.chainSpec.id());
        ArrayNode models = answer.putArray("chainModels");
        ctx.chain.stream().map(Target::name).distinct().forEach(models::add);
        ObjectNode params = answer.putObject("parameters");
        ctx.request.body().fields().forEachRemaining(e -> {
            if (!e.getKey().equals("messages") && !e.getKey().equals("model")) {
                params.set(e.getKey(), e.getValue());
            }
        });
        ArrayNode tags = answer.putArray("tags");
        ctx.tags.forEach(tags::add);
        return answer;
    }

    /** The caller facts come as fields of the sample (they are headers on a real request). */
    private static void header(Exchange exchange, ObjectNode sample, String field, String header) {
        JsonNode v = sample.remove(field);
        if (v == null || v.isNull()) {
            return;
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : v.isArray() ? v : List.of(v)) {
            if (!item.isValueNode() || item.isNull()) {
                throw GatewayError.badRequest(field, "'" + field + "' must be a string (tags: or an array of strings), got " + v);
            }
            values.add(item.asText());
        }
        exchange.getMessage().setHeader(header, String.join(",", values));
    }

}

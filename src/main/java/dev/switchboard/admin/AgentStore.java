package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Agents;
import dev.switchboard.catalog.CachePolicy;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ContextPolicy;
import dev.switchboard.providers.Json;
import dev.switchboard.routing.LlmRequest;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.camel.ProducerTemplate;

/**
 * Agents in the database, each with its own key ({@code sk-sb-...}, shown once, stored as a hash). Every
 * change rewrites the in-memory {@link Agents} index the data plane reads, so requests never query it.
 */
final class AgentStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final ProducerTemplate producer;
    private final String jdbc;
    private final Agents agents;
    private final Supplier<Catalog> catalog;

    AgentStore(ProducerTemplate producer, String dataSourceName, Agents agents, Supplier<Catalog> catalog) {
        this.producer = producer;
        this.jdbc = "jdbc:" + dataSourceName;
        this.agents = agents;
        this.catalog = catalog;
    }

    /** Serialised: a reload for another instance's change never lands after (and undoes) one made for a write here. */
    synchronized void load() {
        List<AgentSpec> all = new ArrayList<>();
        for (Object o : producer.requestBody(jdbc + "?outputType=SelectList", "SELECT * FROM agent ORDER BY id", List.class)) {
            Map<?, ?> row = (Map<?, ?>) o;
            JsonNode params = Json.parseOrNull(Rows.text(row, "parameters") == null ? null : Rows.text(row, "parameters").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            all.add(new AgentSpec(Rows.text(row, "id"), Rows.text(row, "name"), Rows.text(row, "primary_model"), Rows.text(row, "chain"),
                    params instanceof ObjectNode p ? p : JsonNodeFactory.instance.objectNode(), Rows.text(row, "system_prompt"),
                    Boolean.parseBoolean(Rows.text(row, "active")), Rows.text(row, "key_hash"), Rows.text(row, "key_prefix"),
                    num(row, "daily_budget_usd"), num(row, "monthly_budget_usd"), Rows.text(row, "context_strategy"),
                    Rows.text(row, "capabilities") == null || Rows.text(row, "capabilities").isBlank() ? List.of() : List.of(Rows.text(row, "capabilities").split(",")),
                    Rows.text(row, "user_tier"), CachePolicy.parse(Json.parseOrNull(Rows.text(row, "cache_policy") == null ? null
                            : Rows.text(row, "cache_policy").getBytes(java.nio.charset.StandardCharsets.UTF_8)), CachePolicy.OFF),
                    ContextPolicy.parse(Json.parseOrNull(Rows.text(row, "context_policy") == null ? null
                            : Rows.text(row, "context_policy").getBytes(java.nio.charset.StandardCharsets.UTF_8)), null, "context")));
        }
        agents.replaceAll(all);
    }

    /** A new agent and its key (returned once). */
    ObjectNode create(JsonNode body) {
        String id = body.path("id").asText("");
        if (!ID.matcher(id).matches()) {
            throw GatewayError.badRequest("id", "'id' is required: letters, digits, '.', '_' or '-', e.g. \"support-bot\"");
        }
        if (agents.byId(id).isPresent()) {
            throw new GatewayError(409, "invalid_request_error", "agent_exists", "id", "Agent '" + id + "' already exists");
        }
        AgentSpec draft = validated(id, body, null);
        String key = newKey();
        AgentSpec agent = new AgentSpec(id, draft.name(), draft.primaryModel(), draft.chain(), draft.parameters(), draft.systemPrompt(),
                draft.active(), Agents.hash(key), key.substring(0, 10), draft.dailyBudgetUsd(), draft.monthlyBudgetUsd(),
                draft.contextStrategy(), draft.capabilities(), draft.userTier(), draft.cache(), draft.context());
        Map<String, Object> p = params(agent);
        p.put("created", Timestamp.from(Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "INSERT INTO agent (id, name, primary_model, chain, parameters, system_prompt, active, key_hash, key_prefix, "
                        + "daily_budget_usd, monthly_budget_usd, context_strategy, capabilities, user_tier, cache_policy, context_policy, created_at, "
                        + "updated_at) VALUES (:?id, :?name, :?model, :?chain, :?params, :?prompt, :?active, :?hash, :?prefix, :?daily, :?monthly, "
                        + ":?context, :?caps, :?tier, :?cache, :?contextPolicy, "
                        + ":?created, :?created)", p);
        load();
        ObjectNode answer = json(agent);
        answer.put("key", key).put("note", "shown once: only its hash is kept");
        return answer;
    }

    /** Changes the given fields; the key stays. */
    ObjectNode update(String id, JsonNode body) {
        AgentSpec current = agents.byId(id).orElseThrow(() -> notFound(id));
        AgentSpec agent = validated(id, body, current);
        Map<String, Object> p = params(agent);
        p.put("updated", Timestamp.from(Instant.now()));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "UPDATE agent SET name = :?name, primary_model = :?model, chain = :?chain, parameters = :?params, system_prompt = :?prompt, "
                        + "active = :?active, daily_budget_usd = :?daily, monthly_budget_usd = :?monthly, context_strategy = :?context, "
                        + "capabilities = :?caps, user_tier = :?tier, cache_policy = :?cache, context_policy = :?contextPolicy, updated_at = :?updated "
                        + "WHERE id = :?id", p);
        load();
        return json(agents.byId(id).orElseThrow());
    }

    /** A new key; the old one stops working at once. */
    ObjectNode rotateKey(String id) {
        agents.byId(id).orElseThrow(() -> notFound(id));
        String key = newKey();
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "UPDATE agent SET key_hash = :?hash, key_prefix = :?prefix WHERE id = :?id",
                Map.of("hash", Agents.hash(key), "prefix", key.substring(0, 10), "id", id));
        load();
        return json(agents.byId(id).orElseThrow()).put("key", key).put("note", "shown once; the previous key no longer works");
    }

    /** Revokes the key: the agent's requests are refused 401 until a new key is made. */
    ObjectNode revokeKey(String id) {
        agents.byId(id).orElseThrow(() -> notFound(id));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true",
                "UPDATE agent SET key_hash = NULL, key_prefix = NULL WHERE id = :?id", Map.of("id", id));
        load();
        return json(agents.byId(id).orElseThrow());
    }

    /** Removes the agent: its key stops working at once; its usage rows stay. */
    ObjectNode delete(String id) {
        AgentSpec agent = agents.byId(id).orElseThrow(() -> notFound(id));
        producer.sendBodyAndHeaders(jdbc + "?useHeadersAsParameters=true", "DELETE FROM agent WHERE id = :?id", Map.of("id", id));
        load();
        return json(agent).put("deleted", true);
    }

    ObjectNode get(String id) {
        return json(agents.byId(id).orElseThrow(() -> notFound(id)));
    }

    ObjectNode list(int limit, int offset) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list").put("limit", limit).put("offset", offset);
        ArrayNode data = body.putArray("data");
        agents.all().stream().skip(offset).limit(limit).forEach(a -> data.add(json(a)));
        body.put("total", agents.all().size());
        return body;
    }

    private AgentSpec validated(String id, JsonNode body, AgentSpec current) {
        Catalog cat = catalog.get();
        String model = text(body, "primaryModel", current == null ? null : current.primaryModel());
        if (model != null && cat.model(model).isEmpty() && !model.contains("/")) {
            throw GatewayError.badRequest("primaryModel", "primaryModel '" + model + "' is not in the catalog; GET /v1/models lists them");
        }
        String chain = text(body, "chain", current == null ? null : current.chain());
        if (chain != null && !cat.chains().containsKey(chain)) {
            throw GatewayError.badRequest("chain", "chain '" + chain + "' is not in the catalog; chains: " + cat.chains().keySet());
        }
        ObjectNode params = body.has("parameters") && body.get("parameters").isObject() ? (ObjectNode) body.get("parameters")
                : current == null ? JsonNodeFactory.instance.objectNode() : current.parameters();
        JsonNode template = params.get("template");
        if (template != null && cat.template(template.asText()).isEmpty()) {
            throw GatewayError.badRequest("parameters.template", "parameters.template '" + template.asText()
                    + "' is not a parameter template of the catalog");
        }
        JsonNode t = params.get("temperature");
        if (t != null && (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2)) {
            throw GatewayError.badRequest("parameters.temperature", "parameters.temperature must be a number from 0 to 2, got " + t);
        }
        boolean active = body.has("active") ? body.get("active").asBoolean(true) : current == null || current.active();
        double daily = money(body, "dailyBudgetUsd", current == null ? 0 : current.dailyBudgetUsd());
        double monthly = money(body, "monthlyBudgetUsd", current == null ? 0 : current.monthlyBudgetUsd());
        ContextPolicy context = ContextPolicy.parse(body.get("contextStrategy"), current == null ? ContextPolicy.FULL : current.context(),
                "contextStrategy");
        context = ContextPolicy.parse(body.get("context"), context, "context");
        if (context.summaryModel() != null && cat.model(context.summaryModel()).isEmpty() && !context.summaryModel().contains("/")) {
            throw GatewayError.badRequest("context.summaryModel", "context.summaryModel '" + context.summaryModel()
                    + "' is not in the catalog; GET /v1/models lists them");
        }
        List<String> caps = new ArrayList<>();
        if (body.has("capabilities")) {
            body.get("capabilities").forEach(c -> caps.add(c.asText()));
        } else if (current != null) {
            caps.addAll(current.capabilities());
        }
        String tier = text(body, "userTier", current == null ? AgentSpec.DEFAULT_USER_TIER : current.userTier());
        tier = tier == null ? null : tier.toLowerCase(java.util.Locale.ROOT);
        if (tier != null && !LlmRequest.USER_TIERS.contains(tier)) {
            throw GatewayError.badRequest("userTier", "userTier must be one of " + LlmRequest.USER_TIERS.stream().sorted().toList()
                    + " (what rules see as the agent's userTier), got '" + tier + "'");
        }
        return new AgentSpec(id, text(body, "name", current == null ? id : current.name()), model, chain, params,
                text(body, "systemPrompt", current == null ? null : current.systemPrompt()), active,
                current == null ? null : current.keyHash(), current == null ? null : current.keyPrefix(), daily, monthly, context.name(), caps,
                tier, CachePolicy.parse(body.get("cache"), current == null ? CachePolicy.OFF : current.cache()), context);
    }

    private static Map<String, Object> params(AgentSpec a) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", a.id());
        p.put("name", a.name());
        p.put("model", a.primaryModel());
        p.put("chain", a.chain());
        p.put("params", a.parameters().toString());
        p.put("prompt", a.systemPrompt());
        p.put("active", a.active());
        p.put("hash", a.keyHash());
        p.put("prefix", a.keyPrefix());
        p.put("daily", a.dailyBudgetUsd());
        p.put("monthly", a.monthlyBudgetUsd());
        p.put("context", a.contextStrategy());
        p.put("caps", String.join(",", a.capabilities()));
        p.put("tier", a.userTier());
        p.put("cache", a.cache().toJson().toString());
        p.put("contextPolicy", a.context().toJson().toString());
        return p;
    }

    private static ObjectNode json(AgentSpec a) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", a.id()).put("name", a.name()).put("primaryModel", a.primaryModel()).put("chain", a.chain());
        o.set("parameters", a.parameters());
        o.put("systemPrompt", a.systemPrompt()).put("active", a.active())
                .put("key", a.keyPrefix() == null ? null : a.keyPrefix() + "...").put("hasKey", a.keyHash() != null)
                .put("dailyBudgetUsd", a.dailyBudgetUsd()).put("monthlyBudgetUsd", a.monthlyBudgetUsd())
                .put("contextStrategy", a.contextStrategy()).put("userTier", a.userTier());
        o.set("cache", a.cache().toJson());
        o.set("context", a.context().toJson());
        ArrayNode caps = o.putArray("capabilities");
        a.capabilities().forEach(caps::add);
        return o;
    }

    private static String newKey() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Agents.KEY_PREFIX + HexFormat.of().formatHex(bytes);
    }

    private static GatewayError notFound(String id) {
        return new GatewayError(404, "invalid_request_error", "agent_not_found", "id", "No agent '" + id + "'; GET /admin/api/agents lists them");
    }

    private static String text(JsonNode body, String field, String fallback) {
        JsonNode v = body.get(field);
        if (v == null) {
            return fallback;
        }
        return v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    private static double money(JsonNode body, String field, double fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || v.asDouble() < 0) {
            throw GatewayError.badRequest(field, field + " must be a number of US dollars, 0 for none, got " + v);
        }
        return v.asDouble();
    }

    private static double num(Map<?, ?> row, String column) {
        String v = Rows.text(row, column);
        return v == null ? 0 : Double.parseDouble(v);
    }

}

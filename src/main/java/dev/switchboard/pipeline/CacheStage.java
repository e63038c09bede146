package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.switchboard.api.ChatResponse;
import dev.switchboard.catalog.CachePolicy;
import dev.switchboard.catalog.ModelSpec;
import dev.switchboard.catalog.Price;
import dev.switchboard.catalog.ProviderSpec;
import dev.switchboard.providers.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * The exact response cache, after the route (the routed model is known) and before the fallback: an agent that
 * opts in ({@link CachePolicy}) gets the stored answer of an identical request (same routed model, same request
 * as the provider would see it: messages, parameters, tools, response format) instead of a call. Every chat
 * answer says {@code x-switchboard-cache: hit|miss|bypass}. Memory is bounded by the answers' size.
 */
final class CacheStage {
    /** Exchange variable: the stored answer that serves this request. */
    static final String HIT = "sbCacheHit";
    /** Exchange variable: where this request's fresh answer is stored. */
    static final String PENDING = "sbCachePending";
    static final String HEADER = "x-switchboard-cache";
    /** Fields that change how the answer is delivered or attributed, not what it says. */
    private static final Set<String> DELIVERY_FIELDS = Set.of("stream", "stream_options", "model", "user");

    /** A stored answer and what it cost when it was made. */
    record Entry(ChatResponse response, String servedModelName, ModelSpec servedModel, ProviderSpec servedProvider,
                 double costUsd, Duration ttl, int weightBytes) {
    }

    /** The key a fresh answer goes under, for the model it was routed to. */
    record Pending(String key, String routedModel, Duration ttl) {
    }

    private final Cache<String, Entry> answers;

    CacheStage(long maxBytes) {
        this.answers = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, Entry e) -> e.weightBytes())
                .expireAfter(Expiry.creating((String key, Entry e) -> e.ttl()))
                .build();
    }

    void lookup(Exchange exchange) {
        RequestContext ctx = exchange.getVariable(RequestContext.VARIABLE, RequestContext.class);
        CachePolicy policy = ctx.agent == null ? CachePolicy.OFF : ctx.agent.cache();
        RequestContext.Target routed = ctx.chain.get(0);
        boolean modelAllows = routed.model() == null || routed.model().cacheable();
        if (!policy.exact() || !modelAllows || (!policy.nonDeterministic() && varies(ctx.request.body(), routed))) {
            ctx.extraHeaders.put(HEADER, "bypass");
            return;
        }
        String key = key(policy.shared() ? "shared" : "agent:" + ctx.agent.id(), routed.name(), ctx.request.body());
        exchange.setVariable(PENDING, new Pending(key, routed.name(), policy.ttl()));
        if (bypassed(exchange.getMessage())) {
            ctx.extraHeaders.put(HEADER, "bypass"); // not read, but the fresh answer refreshes the entry
            return;
        }
        Entry hit = answers.getIfPresent(key);
        ctx.extraHeaders.put(HEADER, hit == null ? "miss" : "hit");
        if (hit != null) {
            exchange.setVariable(HIT, hit);
        }
    }

    /**
     * Keeps a complete answer of the routed model for the next identical request. A fallback model's answer is
     * a stand-in for the one asked for, and a filtered one says nothing, so neither is kept.
     */
    void store(Exchange exchange, RequestContext ctx, ChatResponse response) {
        store(exchange.getVariable(PENDING, Pending.class), ctx, response);
    }

    private void store(Pending pending, RequestContext ctx, ChatResponse response) {
        if (pending == null || !pending.routedModel().equals(ctx.servedModelName) || "content_filter".equals(response.finishReason())) {
            return;
        }
        Price price = ctx.servedModel != null ? ctx.servedModel.price() : ctx.adHocPrices.get(ctx.servedModelName);
        boolean billed = price != null && ctx.servedProvider != null && !ProviderSpec.SIMULATOR.equals(ctx.servedProvider.id());
        int weight = Json.bytes(response.body()).length + pending.key().length();
        answers.put(pending.key(), new Entry(response, ctx.servedModelName, ctx.servedModel, ctx.servedProvider,
                billed ? price.cost(response.usage()) : 0, pending.ttl(), weight));
    }

    /** Where a streamed answer goes once whole: {@link #store}, or nowhere (null) when this request's answer is not kept. */
    java.util.function.Consumer<ChatResponse> keeper(Exchange exchange, RequestContext ctx) {
        Pending pending = exchange.getVariable(PENDING, Pending.class);
        return pending == null ? null : response -> store(pending, ctx, response);
    }

    /** The tag of a hit's usage row: what the call it replaced cost. */
    static String savingTag(Entry hit) {
        return dev.switchboard.recording.UsageRecord.CACHE_SAVED_TAG + String.format(Locale.ROOT, "%.8f", hit.costUsd());
    }

    private static boolean bypassed(Message m) {
        String control = m.getHeader("Cache-Control", String.class);
        String ours = m.getHeader(HEADER, String.class);
        return (control != null && control.toLowerCase(Locale.ROOT).contains("no-cache"))
                || (ours != null && ours.trim().equalsIgnoreCase("bypass"));
    }

    /** A temperature above 0 (the request's, else the model's default) asks for answers that differ. */
    private static boolean varies(JsonNode body, RequestContext.Target routed) {
        JsonNode t = body.get("temperature");
        if ((t == null || t.isNull()) && routed.model() != null && routed.model().defaults() != null) {
            t = routed.model().defaults().get("temperature");
        }
        return t != null && t.isNumber() && t.asDouble() > 0;
    }

    /** SHA-256 of the scope, the routed model and the request with its fields in a fixed order. */
    static String key(String scope, String routedModel, JsonNode body) {
        ObjectNode answerShaping = JsonNodeFactory.instance.objectNode();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!DELIVERY_FIELDS.contains(name)) {
                answerShaping.set(name, body.get(name));
            }
        }
        String text = scope + '\n' + routedModel + '\n' + sorted(answerShaping);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The same JSON with every object's fields sorted by name: {"a":1,"b":2} and {"b":2,"a":1} are one request. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            Set<String> names = new TreeSet<>();
            node.fieldNames().forEachRemaining(names::add);
            names.forEach(n -> out.set(n, sorted(node.get(n))));
            return out;
        }
        if (node.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            node.forEach(item -> out.add(sorted(item)));
            return out;
        }
        return node;
    }
}

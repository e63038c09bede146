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
import dev.switchboard.catalog.Catalog;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
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

    /**
     * The key a fresh answer goes under, for the model it was routed to; with the semantic cache, also the bucket of
     * requests like it and the unit embedding of its last user turn (else both null).
     */
    record Pending(String key, String scope, String routedModel, Duration ttl, String bucket, float[] meaning) {
    }

    /** The internal entry of the semantic cache's embedding requests; not a front door's. */
    static final String EMBEDDING_ENDPOINT = "direct:cache-embedding";
    /** The {@code entry} of an embedding request's usage row. */
    static final String EMBEDDING_ENTRY = "semantic_cache";

    private final Cache<String, Entry> answers;
    private final SemanticAnswers semantic;
    private final Supplier<Catalog> catalog;
    /** The database tier several instances share; null on a single instance. */
    private final SharedAnswers shared;
    /** Set once the routes exist (the embedding requests go through them). */
    private InternalRequests internal;

    CacheStage(long maxBytes, Supplier<Catalog> catalog, Clock clock, SharedAnswers shared) {
        this.catalog = catalog;
        this.shared = shared;
        this.semantic = new SemanticAnswers(clock);
        this.answers = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                // Expiry follows the injected clock (tests move it) rather than System.nanoTime.
                .ticker(() -> {
                    java.time.Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                .weigher((String key, Entry e) -> e.weightBytes())
                .expireAfter(Expiry.creating((String key, Entry e) -> e.ttl()))
                .build();
    }

    /** How the semantic cache asks for embeddings: through the pipeline, once its routes are built. */
    void embedThrough(InternalRequests requests) {
        this.internal = requests;
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
        String scope = policy.shared() ? "shared" : "agent:" + ctx.agent.id();
        String key = key(scope, routed.name(), ctx.request.body());
        exchange.setVariable(PENDING, new Pending(key, scope, routed.name(), policy.ttl(), null, null));
        if (bypassed(exchange.getMessage())) {
            ctx.extraHeaders.put(HEADER, "bypass"); // not read, but the fresh answer refreshes the entry
            return;
        }
        Entry hit = answers.getIfPresent(key);
        if (hit == null && shared != null) {
            hit = shared.find(key, scope);
            if (hit != null) {
                answers.put(key, hit); // for the time it has left in the shared tier
            }
        }
        if (hit == null && policy.semantic()) {
            hit = closest(exchange, ctx, policy, scope, routed.name());
        }
        ctx.extraHeaders.put(HEADER, hit == null ? "miss" : "hit");
        if (hit != null) {
            exchange.setVariable(HIT, hit);
        }
    }

    /**
     * The semantic cache: the stored answer whose last user turn is the most like this one's (at the agent's similarity
     * or above), among requests otherwise identical. The embedding is the agent's own request, recorded; when it
     * fails, the request is only looked up exactly.
     */
    private Entry closest(Exchange exchange, RequestContext ctx, CachePolicy policy, String scope, String routedModel) {
        ObjectNode body = ctx.request.body();
        int turn = lastUserTurn(body);
        String question = turn < 0 ? null : text(body.path("messages").get(turn).get("content"));
        if (question == null || question.isBlank() || internal == null) {
            return null;
        }
        ObjectNode rest = body.deepCopy();
        ((ObjectNode) rest.path("messages").get(turn)).put("content", "");
        String bucket = key(scope, routedModel, rest);
        ObjectNode request = JsonNodeFactory.instance.objectNode()
                .put("model", policy.embeddingModel() != null ? policy.embeddingModel() : catalog.get().defaultEmbeddingModel())
                .put("input", question);
        JsonNode answer = internal.send(EMBEDDING_ENDPOINT, ctx, EMBEDDING_ENTRY, request);
        float[] meaning = answer == null ? null : SemanticAnswers.unit(answer.at("/data/0/embedding"));
        if (meaning == null) {
            ctx.tags.add("semantic_cache_failed");
            return null;
        }
        Pending exact = exchange.getVariable(PENDING, Pending.class);
        exchange.setVariable(PENDING, new Pending(exact.key(), exact.scope(), exact.routedModel(), exact.ttl(), bucket, meaning));
        SemanticAnswers.Match match = semantic.closest(bucket, meaning, policy.similarity());
        if (match == null) {
            return null;
        }
        ctx.tags.add(String.format(Locale.ROOT, "semantic_similarity:%.4f", match.similarity()));
        return match.entry();
    }

    /** The index of the last message from the user, -1 when there is none. */
    private static int lastUserTurn(JsonNode body) {
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText())) {
                return i;
            }
        }
        return -1;
    }

    /** A message's text: its string content, or its text parts joined; null when it has none. */
    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(part.path("type").asText())) {
                out.append(part.path("text").asText()).append('\n');
            }
        }
        return out.length() == 0 ? null : out.toString();
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
        Entry entry = new Entry(response, ctx.servedModelName, ctx.servedModel, ctx.servedProvider,
                billed ? price.cost(response.usage()) : 0, pending.ttl(), weight);
        answers.put(pending.key(), entry);
        if (shared != null) {
            shared.put(pending.key(), pending.scope(), pending.routedModel(), entry);
        }
        if (pending.meaning() != null) {
            semantic.add(pending.bucket(), pending.meaning(), entry, pending.ttl());
        }
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

package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.GatewayError;
import java.time.Duration;

/**
 * An agent's response cache (its {@code cache} setting): {@code true} for exact caching with the defaults, or
 * {@code {"mode":"exact|semantic|off","ttlSeconds":3600,"scope":"agent|shared","nonDeterministic":false,
 * "similarity":0.95,"embeddingModel":"..."}}. {@code shared} lets agents with the same setting answer each other's
 * identical requests; {@code nonDeterministic} caches requests with a temperature above 0 too (by default their
 * answers are meant to vary). {@code semantic} also answers a request whose last user turn means the same as a stored
 * one's (the rest of the request identical): the cosine similarity of their embeddings, made by the embedding model
 * (else the catalog's default), at least {@code similarity}.
 */
public record CachePolicy(boolean exact, Duration ttl, boolean shared, boolean nonDeterministic, boolean semantic,
                          double similarity, String embeddingModel) {
    /** How alike two last user turns must be, by default, for one's answer to serve the other. */
    public static final double DEFAULT_SIMILARITY = 0.95;
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** The longest an answer may be reused: thirty days. */
    public static final long MAX_TTL_SECONDS = 30L * 24 * 3600;
    public static final CachePolicy OFF = new CachePolicy(false, DEFAULT_TTL, false, false);

    /** An exact cache, or none. */
    public CachePolicy(boolean exact, Duration ttl, boolean shared, boolean nonDeterministic) {
        this(exact, ttl, shared, nonDeterministic, false, DEFAULT_SIMILARITY, null);
    }

    /** The setting as the agents API takes it; null (absent) keeps {@code current}. Refused with 400 naming the field. */
    public static CachePolicy parse(JsonNode node, CachePolicy current) {
        if (node == null) {
            return current;
        }
        if (node.isNull() || node.isBoolean()) {
            return node.asBoolean(false) ? new CachePolicy(true, DEFAULT_TTL, false, false) : OFF;
        }
        if (!node.isObject()) {
            throw GatewayError.badRequest("cache", "cache is true, false or {\"mode\":\"exact|semantic|off\",\"ttlSeconds\":N,"
                    + "\"scope\":\"agent|shared\",\"nonDeterministic\":false,\"similarity\":0.95,\"embeddingModel\":\"...\"}, got " + node);
        }
        String mode = node.path("mode").asText("exact");
        if (!mode.equals("exact") && !mode.equals("semantic") && !mode.equals("off")) {
            throw GatewayError.badRequest("cache.mode", "cache.mode is \"exact\", \"semantic\" or \"off\", got " + node.get("mode"));
        }
        JsonNode similarity = node.get("similarity");
        if (similarity != null && (!similarity.isNumber() || similarity.asDouble() <= 0 || similarity.asDouble() > 1)) {
            throw GatewayError.badRequest("cache.similarity", "cache.similarity is a number above 0 and at most 1 (the cosine "
                    + "similarity two last user turns need), got " + similarity);
        }
        JsonNode embeddingModel = node.get("embeddingModel");
        if (embeddingModel != null && (!embeddingModel.isTextual() || embeddingModel.asText().isBlank() || embeddingModel.asText().length() > 256)) {
            throw GatewayError.badRequest("cache.embeddingModel", "cache.embeddingModel is a model id, got " + embeddingModel);
        }
        JsonNode ttl = node.get("ttlSeconds");
        if (ttl != null && (!ttl.isIntegralNumber() || ttl.asLong() < 1 || ttl.asLong() > MAX_TTL_SECONDS)) {
            throw GatewayError.badRequest("cache.ttlSeconds", "cache.ttlSeconds is a whole number of seconds from 1 to "
                    + MAX_TTL_SECONDS + ", got " + ttl);
        }
        String scope = node.path("scope").asText("agent");
        if (!scope.equals("agent") && !scope.equals("shared")) {
            throw GatewayError.badRequest("cache.scope", "cache.scope is \"agent\" or \"shared\", got " + node.get("scope"));
        }
        JsonNode varied = node.get("nonDeterministic");
        if (varied != null && !varied.isBoolean()) {
            throw GatewayError.badRequest("cache.nonDeterministic", "cache.nonDeterministic is true or false, got " + varied);
        }
        return new CachePolicy(!mode.equals("off"), ttl == null ? DEFAULT_TTL : Duration.ofSeconds(ttl.asLong()),
                scope.equals("shared"), varied != null && varied.asBoolean(), mode.equals("semantic"),
                similarity == null ? DEFAULT_SIMILARITY : similarity.asDouble(), embeddingModel == null ? null : embeddingModel.asText());
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("mode", semantic ? "semantic" : exact ? "exact" : "off").put("ttlSeconds", ttl.toSeconds())
                .put("scope", shared ? "shared" : "agent").put("nonDeterministic", nonDeterministic);
        if (semantic) {
            o.put("similarity", similarity);
            if (embeddingModel != null) {
                o.put("embeddingModel", embeddingModel);
            }
        }
        return o;
    }
}

package dev.switchboard.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.catalog.CatalogLoader.CatalogException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The keys a catalog document may use, section by section. A misspelt key ({@code contextWindw}, {@code fallback})
 * would otherwise be ignored and its value silently replaced by a default, so an unknown key is refused with its
 * path. Parameter maps ({@code templates.<id>}, a model's {@code defaults}) are free: they go to the provider as is.
 */
final class CatalogKeys {
    private static final Set<String> ROOT = Set.of("defaults", "providers", "models", "chains", "templates", "profiles", "agents",
            // Written by GET /admin/api/config/export for the providers added through the API; an import ignores it.
            "apiProviders");
    private static final Set<String> DEFAULTS = Set.of("chatModel", "embeddingModel");
    private static final Set<String> PROVIDER = Set.of("id", "type", "baseUrl", "keyEnv", "baseUrlEnv", "local", "rpm", "tpm");
    private static final Set<String> MODEL = Set.of("id", "provider", "upstreamId", "contextWindow", "price", "capabilities", "fallbacks",
            "defaults", "connectTimeoutMs", "firstByteTimeoutMs", "rpm", "tpm", "deployments", "balance", "baseModel", "fineTuneId",
            "trainingNotes", "tags", "profile", "template", "cache");
    private static final Set<String> PRICE = Set.of("input", "output", "cachedInput", "cacheWrite", "searchPer1k");
    private static final Set<String> DEPLOYMENT = Set.of("provider", "upstreamId", "weight");
    private static final Set<String> CHAIN = Set.of("name", "description", "models", "maxAttempts", "retryOn", "preserveContext", "active", "context",
            "deadlineMs");
    private static final Set<String> AGENT = Set.of("rpm", "tpm");

    private CatalogKeys() {
    }

    /** Refuses the first unknown key, with its path in {@code source} and the keys its section takes. */
    static void check(JsonNode root, String source) {
        keys(root, ROOT, source + ": ");
        keys(root.path("defaults"), DEFAULTS, source + ": defaults.");
        JsonNode providers = root.path("providers");
        for (int i = 0; i < providers.size(); i++) {
            keys(providers.get(i), PROVIDER, source + ": providers[" + i + "].");
        }
        JsonNode models = root.path("models");
        for (int i = 0; i < models.size(); i++) {
            String where = source + ": models[" + i + "].";
            keys(models.get(i), MODEL, where);
            keys(models.get(i).path("price"), PRICE, where + "price.");
            JsonNode deployments = models.get(i).path("deployments");
            for (int j = 0; j < deployments.size(); j++) {
                keys(deployments.get(j), DEPLOYMENT, where + "deployments[" + j + "].");
            }
        }
        eachEntry(root.path("chains"), CHAIN, source + ": chains.");
        eachEntry(root.path("agents"), AGENT, source + ": agents.");
    }

    /** The object entries of a map section (a chain may also be a plain list of models, which has no keys). */
    private static void eachEntry(JsonNode section, Set<String> allowed, String where) {
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            keys(e.getValue(), allowed, where + e.getKey() + ".");
        }
    }

    private static void keys(JsonNode node, Set<String> allowed, String where) {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new CatalogException(where + key + ": unknown key; expected one of " + allowed.stream().sorted().toList());
            }
        }
    }
}

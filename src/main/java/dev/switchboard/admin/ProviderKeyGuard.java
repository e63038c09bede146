package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.api.GatewayError;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What only an admin may change in the catalog document: which providers exist, where each one's key comes from
 * and where it is sent. An editor who could point {@code baseUrl} at their own host, or {@code keyEnv} at another
 * variable, would receive the key with the next call or health probe; everything else of a provider (type,
 * limits) and all models, chains, templates and prices stay the editor's.
 */
final class ProviderKeyGuard {
    /** The provider fields that decide which key is sent where. */
    static final List<String> KEY_FIELDS = List.of("keyEnv", "apiKey", "baseUrl", "baseUrlEnv");
    private static final YAMLMapper YAML = new YAMLMapper();

    private ProviderKeyGuard() {
    }

    /** Refuses (403, naming the field) a non-admin's document that changes what {@link #KEY_FIELDS} guard. */
    static void requireAdminFor(String before, String after) {
        Map<String, JsonNode> old = providers(before);
        Map<String, Integer> index = new LinkedHashMap<>();
        Map<String, JsonNode> next = providers(after, index);
        for (Map.Entry<String, JsonNode> p : next.entrySet()) {
            String path = "providers[" + index.get(p.getKey()) + "]";
            JsonNode was = old.get(p.getKey());
            if (was == null) {
                throw refused(path, "adding provider '" + p.getKey() + "'");
            }
            for (String field : KEY_FIELDS) {
                if (!Objects.equals(was.get(field), p.getValue().get(field))) {
                    throw refused(path + "." + field, "changing " + field + " of provider '" + p.getKey() + "'");
                }
            }
        }
        for (String id : old.keySet()) {
            if (!next.containsKey(id)) {
                throw refused("providers", "removing provider '" + id + "'");
            }
        }
    }

    private static GatewayError refused(String param, String what) {
        return new GatewayError(403, "permission_error", "admin_only", param, "Only an admin can make this change: " + what
                + " (" + param + "). A provider's key source and base URL decide where its key is sent; ask an admin, "
                + "or leave the providers as they are (models, chains, templates and prices are yours to change)");
    }

    private static Map<String, JsonNode> providers(String document) {
        return providers(document, new LinkedHashMap<>());
    }

    /** Providers by id; {@code index} gets each one's position (ids are unique: the catalog loader checked). */
    private static Map<String, JsonNode> providers(String document, Map<String, Integer> index) {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        if (document == null) {
            return byId;
        }
        JsonNode root;
        try {
            root = YAML.readTree(document);
        } catch (IOException e) {
            throw new IllegalStateException("a catalog that compiled is not YAML", e);
        }
        JsonNode list = root == null ? null : root.path("providers");
        for (int i = 0; list != null && i < list.size(); i++) {
            String id = list.get(i).path("id").asText("");
            byId.put(id, list.get(i));
            index.put(id, i);
        }
        return byId;
    }
}

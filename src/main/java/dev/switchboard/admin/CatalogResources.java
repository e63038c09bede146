package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.api.GatewayError;
import java.io.IOException;
import java.util.Set;

/**
 * Per-resource CRUD over the catalog document: providers, models, chains, templates and profiles. Each write
 * edits the latest document and goes through {@link ConfigStore#apply} like an import, so it is validated whole,
 * versioned with its diff and comment, and served at once.
 */
final class CatalogResources {
    /** Sections that are lists of objects with an {@code id}; the others are maps keyed by id. */
    private static final Set<String> LISTS = Set.of("providers", "models");
    static final Set<String> SECTIONS = Set.of("providers", "models", "chains", "templates", "profiles");
    private static final YAMLMapper YAML = new YAMLMapper();

    private final ConfigStore config;

    CatalogResources(ConfigStore config) {
        this.config = config;
    }

    ObjectNode list(String section, int limit, int offset) {
        JsonNode items = section(document(), section);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("object", "list").put("limit", limit).put("offset", offset);
        ArrayNode data = body.putArray("data");
        if (LISTS.contains(section)) {
            for (int i = offset; i < Math.min(items.size(), offset + limit); i++) {
                data.add(items.get(i));
            }
        } else {
            var names = new java.util.ArrayList<String>();
            items.fieldNames().forEachRemaining(names::add);
            names.stream().skip(offset).limit(limit).forEach(n -> data.addObject().put("id", n).set("value", items.get(n)));
        }
        body.put("total", items.size());
        return body;
    }

    JsonNode get(String section, String id) {
        JsonNode found = find(section(document(), section), section, id);
        if (found == null) {
            throw notFound(section, id);
        }
        return found;
    }

    ObjectNode put(String section, String id, JsonNode item, AccessControl.Principal author, String comment) {
        ObjectNode doc = document();
        JsonNode items = section(doc, section);
        if (LISTS.contains(section)) {
            if (!item.isObject()) {
                throw GatewayError.badRequest(section, "a " + section.substring(0, section.length() - 1) + " is a JSON object");
            }
            ObjectNode entry = ((ObjectNode) item).deepCopy().put("id", id);
            ArrayNode list = doc.get(section) instanceof ArrayNode existing ? existing : doc.putArray(section);
            int at = indexOf(list, id);
            if (at >= 0) {
                list.set(at, entry);
            } else {
                list.add(entry);
            }
        } else {
            ObjectNode map = doc.get(section) instanceof ObjectNode existing ? existing : doc.putObject(section);
            map.set(id, item);
        }
        return config.apply(yaml(doc), author, comment != null ? comment : "put " + section + "/" + id);
    }

    ObjectNode delete(String section, String id, AccessControl.Principal author, String comment) {
        ObjectNode doc = document();
        JsonNode items = section(doc, section);
        if (find(items, section, id) == null) {
            throw notFound(section, id);
        }
        if (LISTS.contains(section)) {
            ((ArrayNode) items).remove(indexOf((ArrayNode) items, id));
        } else {
            ((ObjectNode) items).remove(id);
        }
        return config.apply(yaml(doc), author, comment != null ? comment : "delete " + section + "/" + id);
    }

    private ObjectNode document() {
        try {
            return (ObjectNode) YAML.readTree(config.export());
        } catch (IOException e) {
            throw new IllegalStateException("the stored catalog is not YAML", e);
        }
    }

    private static JsonNode section(ObjectNode doc, String section) {
        if (!SECTIONS.contains(section)) {
            throw new GatewayError(404, "invalid_request_error", "not_found", "section",
                    "No catalog section '" + section + "'; sections: " + SECTIONS.stream().sorted().toList());
        }
        JsonNode items = doc.get(section);
        return items != null ? items : LISTS.contains(section) ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
    }

    private static JsonNode find(JsonNode items, String section, String id) {
        if (LISTS.contains(section)) {
            int at = items.isArray() ? indexOf((ArrayNode) items, id) : -1;
            return at < 0 ? null : items.get(at);
        }
        return items.get(id);
    }

    private static int indexOf(ArrayNode list, String id) {
        for (int i = 0; i < list.size(); i++) {
            if (id.equals(list.get(i).path("id").asText(null))) {
                return i;
            }
        }
        return -1;
    }

    private static String yaml(ObjectNode doc) {
        try {
            return YAML.writeValueAsString(doc);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GatewayError notFound(String section, String id) {
        return new GatewayError(404, "invalid_request_error", "not_found", "id", "No " + section + " entry '" + id + "' in the catalog");
    }
}

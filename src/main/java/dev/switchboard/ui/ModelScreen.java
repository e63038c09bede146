package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Model Configuration: the catalog's models with filters (provider, capability, tag), an editor of one model (saved as a
 * catalog version by {@code PUT /admin/api/catalog/models/{id}}, its refusal shown beside the field it names), and the
 * test panel ({@code POST /admin/api/models/{id}/test}).
 */
final class ModelScreen implements UiScreen {
    private static final String MODELS = "/admin/api/catalog/models/";
    /** Text fields of the editor that are the catalog's keys as they are. */
    private static final List<String> TEXT_KEYS = List.of("provider", "upstreamId", "profile", "template", "baseModel", "fineTuneId",
            "trainingNotes");
    /** Comma-separated list fields of the editor. */
    private static final List<String> LIST_KEYS = List.of("capabilities", "fallbacks", "tags");
    /** Fields of the editor that are not catalog keys as they are (price.input, price.output, defaults as JSON text). */
    private static final List<String> OTHER_FIELDS = List.of("contextWindow", "priceInput", "priceOutput", "defaults");

    @Override
    public void register(ManagementUi ui) {
        ui.get("models", this::list);
        ui.get("models/:id", call -> call.get(MODELS + UiCall.encode(call.pathParam("id"))).map(a -> a.ok()
                ? editor(call, 200, values(a.json()), null, null, null)
                : call.refused(a)));
        ui.put("models/:id", this::save);
        ui.post("models/:id/test", this::test);
    }

    private Future<Rendered> list(UiCall call) {
        return Future.all(call.get("/admin/api/catalog/models?limit=500"), call.get("/admin/api/catalog/profiles?limit=500")).map(all -> {
            ApiAnswer models = all.resultAt(0);
            ApiAnswer profiles = all.resultAt(1);
            if (!models.ok()) {
                return call.refused(models);
            }
            List<ModelRow> rows = rows(models.json().path("data"), profiles.ok() ? profiles.json().path("data") : JsonNodeFactory.instance.arrayNode());
            Map<String, Object> params = new HashMap<>();
            params.put("providers", new TreeSet<>(rows.stream().map(ModelRow::provider).toList()));
            params.put("capabilities", new TreeSet<>(rows.stream().flatMap(r -> r.capabilities().stream()).toList()));
            params.put("tags", new TreeSet<>(rows.stream().flatMap(r -> r.tags().stream()).toList()));
            String provider = call.query("provider");
            String capability = call.query("capability");
            String tag = call.query("tag");
            params.put("rows", rows.stream()
                    .filter(r -> blank(provider) || provider.equals(r.provider()))
                    .filter(r -> blank(capability) || r.capabilities().contains(capability))
                    .filter(r -> blank(tag) || r.tags().contains(tag)).toList());
            params.put("provider", provider == null ? "" : provider);
            params.put("capability", capability == null ? "" : capability);
            params.put("tag", tag == null ? "" : tag);
            return call.render("models/list.jte", params);
        });
    }

    /** The models as rows: capabilities of their profile included, a fine-tuned model's missing fields from its base. */
    private static List<ModelRow> rows(JsonNode models, JsonNode profiles) {
        Map<String, JsonNode> byId = new HashMap<>();
        models.forEach(m -> byId.put(m.path("id").asText(), m));
        Map<String, JsonNode> profileById = new HashMap<>();
        profiles.forEach(p -> profileById.put(p.path("id").asText(), p.path("value")));
        List<ModelRow> rows = new ArrayList<>();
        for (JsonNode m : models) {
            JsonNode base = byId.getOrDefault(m.path("baseModel").asText(""), JsonNodeFactory.instance.objectNode());
            JsonNode own = m.has("provider") ? m : base;
            TreeSet<String> caps = new TreeSet<>();
            (m.has("capabilities") || !m.has("baseModel") ? m : base).path("capabilities").forEach(c -> caps.add(c.asText()));
            String profile = m.path("profile").asText(base.path("profile").asText(""));
            profileById.getOrDefault(profile, JsonNodeFactory.instance.arrayNode()).forEach(c -> caps.add(c.asText()));
            List<String> tags = new ArrayList<>();
            m.path("tags").forEach(t -> tags.add(t.asText()));
            JsonNode price = m.has("price") ? m.path("price") : base.path("price");
            rows.add(new ModelRow(m.path("id").asText(), own.path("provider").asText(""),
                    (m.has("contextWindow") ? m : base).path("contextWindow").asLong(0),
                    price.path("input").asDouble(0), price.path("output").asDouble(0), List.copyOf(caps), tags,
                    m.path("baseModel").asText(null)));
        }
        return rows;
    }

    /** The editor's field values of a stored model. */
    private static Map<String, String> values(JsonNode model) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("id", model.path("id").asText());
        TEXT_KEYS.forEach(k -> v.put(k, model.path(k).asText("")));
        LIST_KEYS.forEach(k -> v.put(k, Forms.joined(model.path(k))));
        v.put("contextWindow", model.path("contextWindow").asText(""));
        v.put("priceInput", model.path("price").path("input").asText(""));
        v.put("priceOutput", model.path("price").path("output").asText(""));
        v.put("defaults", model.has("defaults") ? model.get("defaults").toPrettyString() : "");
        return v;
    }

    /** The editor's field values as submitted. */
    private static Map<String, String> values(String id, MultiMap form) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("id", id);
        for (List<String> keys : List.of(TEXT_KEYS, LIST_KEYS, OTHER_FIELDS)) {
            keys.forEach(k -> v.put(k, form.get(k) == null ? "" : form.get(k)));
        }
        return v;
    }

    /** Reads the stored model, lays the form over it (fields it does not show are kept) and saves it as a version. */
    private Future<Rendered> save(UiCall call) {
        String id = call.pathParam("id");
        String path = MODELS + UiCall.encode(id);
        MultiMap form = call.form();
        return call.get(path).compose(current -> {
            if (!current.ok()) {
                return Future.succeededFuture(call.refused(current));
            }
            ObjectNode model = edited((ObjectNode) current.json(), form);
            String comment = Forms.text(form, "comment");
            return call.put(path + (comment == null ? "" : "?comment=" + UiCall.encode(comment)), model).map(saved -> saved.ok()
                    ? editor(call, 200, values(id, form), null, null, "Saved: catalog version " + saved.json().path("version").asText())
                    : editor(call, saved.status(), values(id, form), Forms.field(saved), saved.errorMessage(), null));
        });
    }

    private static ObjectNode edited(ObjectNode model, MultiMap form) {
        for (String k : TEXT_KEYS) {
            set(model, k, Forms.text(form, k) == null ? null : JsonNodeFactory.instance.textNode(Forms.text(form, k)));
        }
        for (String k : LIST_KEYS) {
            set(model, k, Forms.list(Forms.text(form, k)));
        }
        model.remove("contextWindow");
        Forms.putNumber(model, "contextWindow", Forms.text(form, "contextWindow"));
        ObjectNode price = model.path("price").isObject() ? (ObjectNode) model.get("price") : JsonNodeFactory.instance.objectNode();
        price.remove(List.of("input", "output"));
        Forms.putNumber(price, "input", Forms.text(form, "priceInput"));
        Forms.putNumber(price, "output", Forms.text(form, "priceOutput"));
        set(model, "price", price.isEmpty() ? null : price);
        set(model, "defaults", Forms.json(Forms.text(form, "defaults")));
        return model;
    }

    private static void set(ObjectNode model, String key, JsonNode value) {
        if (value == null) {
            model.remove(key);
        } else {
            model.set(key, value);
        }
    }

    private static Rendered editor(UiCall call, int status, Map<String, String> values, String errorField, String error, String notice) {
        Map<String, Object> params = new HashMap<>();
        params.put("v", values);
        // A price refusal (models[i].price.input) names "price": shown under both price fields. A refusal of a field the
        // editor does not show (or of none) is shown above the form.
        boolean shown = errorField != null && (TEXT_KEYS.contains(errorField) || LIST_KEYS.contains(errorField)
                || List.of("contextWindow", "price", "defaults").contains(errorField));
        params.put("errorField", shown ? errorField : "");
        params.put("error", error == null ? "" : error);
        params.put("notice", notice == null ? "" : notice);
        return call.render(status, "models/editor.jte", params);
    }

    private Future<Rendered> test(UiCall call) {
        MultiMap form = call.form();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        String prompt = form.get("prompt");
        body.put("prompt", prompt == null ? "" : prompt);
        ObjectNode parameters = body.putObject("parameters");
        Forms.putNumber(parameters, "temperature", Forms.text(form, "temperature"));
        Forms.putNumber(parameters, "max_tokens", Forms.text(form, "max_tokens"));
        return call.post("/admin/api/models/" + UiCall.encode(call.pathParam("id")) + "/test", body).map(a -> a.ok()
                ? call.render("models/test-result.jte", Map.of("r", a.json()))
                : call.refused(a));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}

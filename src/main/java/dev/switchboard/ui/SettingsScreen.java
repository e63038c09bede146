package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings: global configuration, agents (key shown once), provider keys (masked), management tokens (shown once),
 * the audit log, catalog versions (diff, rollback) and export / import. Each section is a fragment that a write
 * re-renders with what the API answered; a section an admin alone may read is not even asked for by others.
 */
final class SettingsScreen implements UiScreen {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String AGENTS = "/admin/api/agents";
    private static final String VERSIONS = "/admin/api/config/versions";
    private static final String SETTINGS = "/admin/api/settings";
    /** The global settings' form fields, named as in the API; a role is offered (and so sends) only those it may change. */
    private static final List<String> SETTING_FIELDS = List.of("allowAnonymous", "budgetAlertPercents", "retentionDays", "responsesRetentionDays");
    /** Rows of the audit log and catalog versions shown. */
    private static final int PAGE = 50;

    @Override
    public void register(ManagementUi ui) {
        ui.get("settings/global", call -> global(call, null));
        ui.post("settings/default-model", this::setDefaultModel);
        ui.put("settings/global", this::saveSettings);
        ui.get("settings/agents", call -> agents(call, null, null));
        ui.post("settings/agents", call -> call.post(AGENTS, agent(call.form(), true)).compose(a -> a.ok()
                ? agents(call, "Agent " + a.json().path("id").asText() + " created. Its key, shown this once:", a.json().path("key").asText())
                : refused(call, a)));
        ui.get("settings/agents/:id/edit", call -> call.get(AGENTS + "/" + UiCall.encode(call.pathParam("id"))).map(a -> a.ok()
                ? call.render("settings/agent-edit.jte", Map.of("agent", a.json())) : call.refused(a)));
        ui.put("settings/agents/:id", this::updateAgent);
        ui.post("settings/agents/:id/key", call -> call.post(AGENTS + "/" + UiCall.encode(call.pathParam("id")) + "/key", JsonNodeFactory.instance.objectNode())
                .compose(a -> a.ok() ? agents(call, "New key for " + call.pathParam("id") + ", shown this once (the old one no longer works):",
                        a.json().path("key").asText()) : refused(call, a)));
        ui.delete("settings/agents/:id/key", call -> call.delete(AGENTS + "/" + UiCall.encode(call.pathParam("id")) + "/key")
                .compose(a -> a.ok() ? agents(call, "Key of " + call.pathParam("id") + " revoked.", null) : refused(call, a)));
        ui.delete("settings/agents/:id", call -> call.delete(AGENTS + "/" + UiCall.encode(call.pathParam("id")))
                .compose(a -> a.ok() ? agents(call, "Agent " + call.pathParam("id") + " deleted.", null) : refused(call, a)));
        ui.get("settings/provider-keys", call -> providerKeys(call, null));
        ui.put("settings/provider-keys/:id", call -> call.put("/admin/api/providers/" + UiCall.encode(call.pathParam("id")) + "/key",
                        JsonNodeFactory.instance.objectNode().put("apiKey", String.valueOf(Forms.text(call.form(), "apiKey"))))
                .compose(a -> providerKeys(call, a.ok() ? "Key of " + call.pathParam("id") + " rotated; now " + a.json().path("key").asText() + "."
                        : "Refused: " + a.errorMessage())));
        ui.get("settings/tokens", call -> tokens(call, null, null));
        ui.post("settings/tokens", call -> call.post("/admin/api/tokens", JsonNodeFactory.instance.objectNode()
                        .put("name", Forms.text(call.form(), "name")).put("role", Forms.text(call.form(), "role")))
                .compose(a -> a.ok() ? tokens(call, "Token " + a.json().path("name").asText() + " (" + a.json().path("role").asText()
                        + ") created. Shown this once:", a.json().path("token").asText()) : tokens(call, "Refused: " + a.errorMessage(), null)));
        ui.delete("settings/tokens/:name", call -> call.delete("/admin/api/tokens/" + UiCall.encode(call.pathParam("name")))
                .compose(a -> tokens(call, a.ok() ? "Token " + call.pathParam("name") + " revoked." : "Refused: " + a.errorMessage(), null)));
        ui.get("settings/audit", this::audit);
        ui.get("settings/versions", call -> versions(call, null));
        ui.get("settings/versions/:n/diff", call -> call.get(VERSIONS + "/" + UiCall.encode(call.pathParam("n")) + "/diff").map(a -> a.ok()
                ? call.render("settings/diff.jte", Map.of("version", call.pathParam("n"), "diff", a.text())) : call.refused(a)));
        ui.post("settings/versions/:n/rollback", call -> call.post(VERSIONS + "/" + UiCall.encode(call.pathParam("n")) + "/rollback",
                        JsonNodeFactory.instance.objectNode())
                .compose(a -> versions(call, a.ok() ? "Rolled back: version " + a.json().path("version").asText() + " restores version "
                        + call.pathParam("n") + "." : "Refused: " + a.errorMessage())));
        ui.get("settings/export", call -> call.get("/admin/api/config/export").map(a -> a.ok()
                ? call.render("settings/export.jte", Map.of("yaml", a.text(), "notice", "")) : call.refused(a)));
        ui.post("settings/import", this::importCatalog);
    }

    /** The edit form gives the parameters as JSON; one that is not a JSON object is refused here, naming the field. */
    private Future<Rendered> updateAgent(UiCall call) {
        String id = call.pathParam("id");
        ObjectNode body = agent(call.form(), false);
        String parameters = Forms.text(call.form(), "parameters");
        if (parameters != null) {
            JsonNode parsed = dev.switchboard.providers.Json.parseOrNull(parameters.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (parsed == null || !parsed.isObject()) {
                return agents(call, "parameters must be a JSON object, e.g. {\"temperature\": 0.2}", null, 400, "parameters");
            }
            body.set("parameters", parsed);
        }
        return call.put(AGENTS + "/" + UiCall.encode(id), body)
                .compose(a -> a.ok() ? agents(call, "Agent " + id + " saved.", null) : refused(call, a));
    }

    private Future<Rendered> global(UiCall call, String notice) {
        return global(call, notice, null);
    }

    /** The section; after a refused save, the API's error beside the field it names and the values as the user typed them. */
    private Future<Rendered> global(UiCall call, String notice, ApiAnswer refusal) {
        Future<ApiAnswer> export = call.get("/admin/api/config/export");
        Future<ApiAnswer> health = call.get(ApiClient.HEALTH);
        Future<ApiAnswer> providers = call.get("/admin/api/providers");
        Future<ApiAnswer> settings = call.get(SETTINGS);
        return Future.all(export, health, providers, settings).map(all -> {
            if (!export.result().ok()) {
                return call.refused(export.result());
            }
            if (!settings.result().ok()) {
                return call.refused(settings.result());
            }
            JsonNode defaults = yaml(export.result().text()).path("defaults");
            Map<String, Object> params = new HashMap<>();
            params.put("chatModel", defaults.path("chatModel").asText(""));
            params.put("embeddingModel", defaults.path("embeddingModel").asText(""));
            params.put("anonymous", health.result().json().path("anonymous"));
            params.put("models", providers.result().json().path("models"));
            params.put("notice", notice == null ? "" : notice);
            JsonNode current = settings.result().json().path("settings");
            params.put("settings", current);
            params.put("fields", refusal == null ? stored(current) : entered(call.form()));
            params.put("error", refusal == null ? "" : refusal.errorMessage());
            params.put("errorParam", refusal == null || refusal.errorParam() == null ? "" : refusal.errorParam());
            return call.render(refusal == null ? 200 : refusal.status(), "settings/global.jte", params);
        });
    }

    /** Saves the global settings the form offered; a blank field serves the environment's value again (null in the API). */
    private Future<Rendered> saveSettings(UiCall call) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        for (String field : SETTING_FIELDS) {
            if (!call.form().contains(field)) {
                continue;
            }
            String value = Forms.text(call.form(), field);
            if (value == null) {
                body.putNull(field);
            } else if (field.equals("allowAnonymous")) {
                if (value.equals("true") || value.equals("false")) {
                    body.put(field, Boolean.parseBoolean(value));
                } else {
                    body.put(field, value);
                }
            } else if (field.equals("budgetAlertPercents")) {
                body.set(field, percents(value));
            } else {
                Forms.putNumber(body, field, value);
            }
        }
        return call.put(SETTINGS, body).compose(a -> a.ok() ? global(call, "Global settings saved; in force now.") : global(call, null, a));
    }

    /** "50, 80, 100" as a JSON array of numbers; anything else as the text typed, for the API to refuse by name. */
    private static JsonNode percents(String text) {
        var array = JsonNodeFactory.instance.arrayNode();
        for (String part : text.split(",")) {
            try {
                array.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                return JsonNodeFactory.instance.textNode(text);
            }
        }
        return array;
    }

    /** The form's values: what the database holds (a blank field shows the environment's value as its placeholder). */
    private static Map<String, String> stored(JsonNode settings) {
        Map<String, String> fields = new HashMap<>();
        for (String field : SETTING_FIELDS) {
            JsonNode s = settings.path(field);
            JsonNode v = s.path("value");
            fields.put(field, !"database".equals(s.path("source").asText()) ? ""
                    : v.isArray() ? String.join(", ", java.util.stream.StreamSupport.stream(v.spliterator(), false).map(JsonNode::asText).toList())
                    : v.asText());
        }
        return fields;
    }

    private static Map<String, String> entered(MultiMap form) {
        Map<String, String> fields = new HashMap<>();
        SETTING_FIELDS.forEach(f -> fields.put(f, form.get(f) == null ? "" : form.get(f)));
        return fields;
    }

    /** The default chat model is a field of the catalog document: changed by importing the document with it changed. */
    private Future<Rendered> setDefaultModel(UiCall call) {
        String model = String.valueOf(Forms.text(call.form(), "chatModel"));
        return call.get("/admin/api/config/export").compose(export -> {
            if (!export.ok()) {
                return Future.succeededFuture(call.refused(export));
            }
            ObjectNode doc = (ObjectNode) yaml(export.text());
            doc.withObject("/defaults").put("chatModel", model);
            return call.send(HttpMethod.POST, "/admin/api/config/import?comment=" + UiCall.encode("default chat model: " + model),
                            Buffer.buffer(yamlText(doc)), "application/yaml")
                    .compose(a -> global(call, a.ok() ? "Default chat model is now " + model + " (catalog version " + a.json().path("version").asText() + ")."
                            : "Refused: " + a.errorMessage()));
        });
    }

    private Future<Rendered> importCatalog(UiCall call) {
        String yaml = call.form().get("yaml");
        String comment = Forms.text(call.form(), "comment");
        return call.send(HttpMethod.POST, "/admin/api/config/import" + (comment == null ? "" : "?comment=" + UiCall.encode(comment)),
                Buffer.buffer(yaml == null ? "" : yaml), "application/yaml").map(a -> call.render(a.ok() ? 200 : a.status(), "settings/export.jte",
                Map.of("yaml", yaml == null ? "" : yaml, "notice", a.ok() ? "Imported as catalog version " + a.json().path("version").asText() + "."
                        : "Refused: " + a.errorMessage())));
    }

    /** The agents section; {@code refusal} is the API's answer to a write it refused (shown beside the field it names). */
    private Future<Rendered> refused(UiCall call, ApiAnswer refusal) {
        return agents(call, refusal.errorMessage(), null, refusal.status(), refusal.errorParam());
    }

    private Future<Rendered> agents(UiCall call, String notice, String secret) {
        return agents(call, notice, secret, 200, null);
    }

    private Future<Rendered> agents(UiCall call, String notice, String secret, int status, String errorParam) {
        return call.get(AGENTS + "?limit=500").map(a -> {
            if (!a.ok()) {
                return call.refused(a);
            }
            Map<String, Object> params = new HashMap<>();
            params.put("agents", a.json().path("data"));
            params.put("notice", status == 200 && notice != null ? notice : "");
            params.put("error", status != 200 ? notice : "");
            params.put("errorParam", errorParam == null ? "" : errorParam);
            params.put("secret", secret == null ? "" : secret);
            return call.render(status, "settings/agents.jte", params);
        });
    }

    private Future<Rendered> providerKeys(UiCall call, String notice) {
        return call.get("/admin/api/providers").map(a -> a.ok()
                ? call.render("settings/provider-keys.jte", Map.of("providers", a.json().path("providers"), "notice", notice == null ? "" : notice))
                : call.refused(a));
    }

    /** Tokens are the admin's: other roles are not offered the section (the API would refuse them anyway). */
    private Future<Rendered> tokens(UiCall call, String notice, String secret) {
        if (!call.viewer().canAdmin()) {
            return Future.succeededFuture(call.render("settings/admin-only.jte", Map.of("what", "Management tokens")));
        }
        return call.get("/admin/api/tokens").map(a -> a.ok()
                ? call.render("settings/tokens.jte", Map.of("tokens", a.json().path("data"), "notice", notice == null ? "" : notice,
                        "secret", secret == null ? "" : secret))
                : call.refused(a));
    }

    private Future<Rendered> audit(UiCall call) {
        if (!call.viewer().canAdmin()) {
            return Future.succeededFuture(call.render("settings/admin-only.jte", Map.of("what", "The audit log")));
        }
        return call.get("/admin/api/audit?limit=" + PAGE).map(a -> a.ok()
                ? call.render("settings/audit.jte", Map.of("rows", a.json().path("data"))) : call.refused(a));
    }

    private Future<Rendered> versions(UiCall call, String notice) {
        return call.get(VERSIONS + "?limit=" + PAGE).map(a -> a.ok()
                ? call.render("settings/versions.jte", Map.of("versions", a.json(), "notice", notice == null ? "" : notice))
                : call.refused(a));
    }

    /** An agent from the form: on create its id too; blank fields are left out (the API keeps what is set). */
    private static ObjectNode agent(MultiMap form, boolean create) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        if (create) {
            Forms.putText(body, "id", form, "id");
        }
        Forms.putText(body, "name", form, "name");
        Forms.putText(body, "primaryModel", form, "primaryModel");
        Forms.putText(body, "contextStrategy", form, "contextStrategy");
        Forms.putNumber(body, "dailyBudgetUsd", form.get("dailyBudgetUsd"));
        Forms.putNumber(body, "monthlyBudgetUsd", form.get("monthlyBudgetUsd"));
        ObjectNode parameters = JsonNodeFactory.instance.objectNode();
        Forms.putNumber(parameters, "temperature", form.get("temperature"));
        Forms.putNumber(parameters, "max_tokens", form.get("maxTokens"));
        if (!parameters.isEmpty()) {
            body.set("parameters", parameters);
        }
        return body;
    }

    private static JsonNode yaml(String text) {
        try {
            JsonNode doc = YAML.readTree(text);
            return doc == null || !doc.isObject() ? JsonNodeFactory.instance.objectNode() : doc;
        } catch (IOException e) {
            return JsonNodeFactory.instance.objectNode();
        }
    }

    private static String yamlText(JsonNode doc) {
        try {
            return YAML.writeValueAsString(doc);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

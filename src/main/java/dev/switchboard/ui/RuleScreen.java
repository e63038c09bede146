package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Routing Rules: the rules in the order they are tried (decision tables' rows too) with enable/disable and reordering
 * (each an edit of the rule's file through the API, so a version); the condition builder, which writes DRL through
 * {@code /admin/api/rules/builder} and tries the draft on a sample ({@code rules/test}) or over recent traffic
 * ({@code rules/replay}); the DRL editor (refusals with file:line); versions with diff and rollback.
 */
final class RuleScreen implements UiScreen {
    private static final String RULES = "/admin/api/rules";
    private static final String BUILDER = RULES + "/builder";
    /** Recorded requests a replay from the builder goes over. */
    private static final int REPLAY_LAST = 100;
    private static final int VERSIONS_SHOWN = 30;

    @Override
    public void register(ManagementUi ui) {
        ui.get("rules", call -> list(call, null));
        ui.post("rules/enabled", call -> edit(call, "enabled", JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(call.form().get("value")))));
        ui.post("rules/salience", call -> {
            try {
                return edit(call, "salience", JsonNodeFactory.instance.numberNode(Integer.parseInt(call.form().get("value"))));
            } catch (NumberFormatException e) {
                return Future.succeededFuture(call.render(400, "partials/error.jte", Map.of("message", "A priority is a whole number")));
            }
        });
        ui.get("rules/builder", call -> call.get(BUILDER).map(vocabulary -> vocabulary.ok()
                ? builder(call, 200, vocabulary.json(), RuleBuilderForm.empty(), Map.of())
                : call.refused(vocabulary)));
        ui.post("rules/builder", this::builderAction);
        ui.get("rules/drl", this::drl);
        ui.post("rules/drl", this::saveDrl);
        ui.get("rules/versions", call -> call.get(RULES + "/versions?limit=" + VERSIONS_SHOWN).map(a -> a.ok()
                ? call.render("rules/versions.jte", Map.of("versions", a.json().path("data")))
                : call.refused(a)));
        ui.get("rules/versions/:n/diff", call -> call.get(RULES + "/versions/" + UiCall.encode(call.pathParam("n")) + "/diff").map(a -> a.ok()
                ? call.render("rules/diff.jte", Map.of("diff", a.text()))
                : call.refused(a)));
        ui.post("rules/versions/:n/rollback", call -> call.post(RULES + "/versions/" + UiCall.encode(call.pathParam("n")) + "/rollback",
                JsonNodeFactory.instance.objectNode()).compose(a -> list(call, a.ok()
                        ? "Rolled back: " + a.json().path("file").asText() + " is as in version " + call.pathParam("n") : a.errorMessage())));
    }

    /** The rule list, with a notice (or a refusal) of the change just made above it. */
    private Future<Rendered> list(UiCall call, String notice) {
        return call.get(RULES).map(a -> a.ok()
                ? call.render("rules/list.jte", Map.of("status", a.json(), "notice", notice == null ? "" : notice))
                : call.refused(a));
    }

    /** Enables, disables or re-prioritises one rule: an edit of its file, versioned and audited by the API. */
    private Future<Rendered> edit(UiCall call, String field, JsonNode value) {
        MultiMap form = call.form();
        String file = form.get("file");
        String rule = form.get("rule");
        ObjectNode body = JsonNodeFactory.instance.objectNode().set(field, value);
        return call.post(RULES + "/" + UiCall.encode(file) + "/" + UiCall.encode(rule) + "/" + field, body)
                .compose(a -> list(call, a.ok() ? "'" + rule + "': " + field + " = " + value : a.errorMessage()));
    }

    /** The builder's buttons: add or remove a condition row, preview the DRL, try the draft, replay it, or save it. */
    private Future<Rendered> builderAction(UiCall call) {
        MultiMap form = call.form();
        RuleBuilderForm state = RuleBuilderForm.of(form);
        String action = form.get("action") == null ? "" : form.get("action");
        return call.get(BUILDER).compose(vocabularyAnswer -> {
            if (!vocabularyAnswer.ok()) {
                return Future.succeededFuture(call.refused(vocabularyAnswer));
            }
            JsonNode vocabulary = vocabularyAnswer.json();
            if (action.equals("add")) {
                return Future.succeededFuture(builder(call, 200, vocabulary, state.withCondition(), Map.of()));
            }
            if (action.startsWith("remove:")) {
                return Future.succeededFuture(builder(call, 200, vocabulary, state.without(index(action)), Map.of()));
            }
            ObjectNode rule = state.rule(vocabulary);
            return switch (action) {
                case "preview" -> call.post(BUILDER + "?dryRun=true", rule).map(a -> a.ok()
                        ? builder(call, 200, vocabulary, state, Map.of("drl", a.json().path("drl").asText()))
                        : refusedBuilder(call, vocabulary, state, a));
                case "try" -> call.post(RULES + "/test", state.sample().set("draftRule", rule)).map(a -> a.ok()
                        ? builder(call, 200, vocabulary, state, Map.of("tried", a.json()))
                        : refusedBuilder(call, vocabulary, state, a));
                case "replay" -> call.post(RULES + "/replay", JsonNodeFactory.instance.objectNode().put("last", REPLAY_LAST).set("draftRule", rule))
                        .map(a -> a.ok() ? builder(call, 200, vocabulary, state, Map.of("replay", a.json()))
                                : refusedBuilder(call, vocabulary, state, a));
                case "save" -> call.post(BUILDER, rule).compose(a -> a.ok()
                        ? call.get(RULES).map(rules -> builder(call, 200, vocabulary, state, Map.of("saved",
                                "Saved '" + a.json().path("rule").asText() + "' in " + a.json().path("file").asText()
                                        + " (rules generation " + a.json().path("generation").asText() + ")", "rules", rules.json())))
                        : Future.succeededFuture(refusedBuilder(call, vocabulary, state, a)));
                default -> Future.succeededFuture(call.render(400, "partials/error.jte", Map.of("message", "Unknown action")));
            };
        });
    }

    private static int index(String action) {
        try {
            return Integer.parseInt(action.substring(action.indexOf(':') + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Rendered refusedBuilder(UiCall call, JsonNode vocabulary, RuleBuilderForm state, ApiAnswer refusal) {
        String field = Forms.field(refusal);
        return builder(call, refusal.status(), vocabulary, state, Map.of("errorField", field == null ? "" : field, "error", refusal.errorMessage()));
    }

    private static Rendered builder(UiCall call, int status, JsonNode vocabulary, RuleBuilderForm state, Map<String, Object> result) {
        Map<String, Object> params = new HashMap<>();
        params.put("vocabulary", vocabulary);
        params.put("f", state);
        params.put("drl", "");
        params.put("tried", JsonNodeFactory.instance.missingNode());
        params.put("replay", JsonNodeFactory.instance.missingNode());
        params.put("saved", "");
        params.put("rules", JsonNodeFactory.instance.missingNode());
        params.put("errorField", "");
        params.put("error", "");
        params.putAll(result);
        return call.render(status, "rules/builder.jte", params);
    }

    private Future<Rendered> drl(UiCall call) {
        String file = call.query("file") == null || call.query("file").isBlank() ? "routing.drl" : call.query("file");
        return Future.all(call.get(RULES), call.get(RULES + "/" + UiCall.encode(file))).map(all -> {
            ApiAnswer status = all.resultAt(0);
            ApiAnswer content = all.resultAt(1);
            return drlEditor(call, 200, status.json(), file, content.ok() ? content.json().path("content").asText() : "", "", JsonNodeFactory.instance.arrayNode());
        });
    }

    /** PUT of the file's text: compiled with the others first, so a mistake comes back with file:line and nothing is written. */
    private Future<Rendered> saveDrl(UiCall call) {
        MultiMap form = call.form();
        String file = form.get("file") == null ? "" : form.get("file").trim();
        String content = form.get("content") == null ? "" : form.get("content");
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("content", content);
        String comment = Forms.text(form, "comment");
        if (comment != null) {
            body.put("comment", comment);
        }
        return call.send(HttpMethod.PUT, RULES + "/" + UiCall.encode(file), Buffer.buffer(body.toString()), "application/json")
                .compose(saved -> call.get(RULES).map(status -> saved.ok()
                        ? drlEditor(call, 200, status.json(), file, content, "Saved " + file + " (rules generation "
                                + saved.json().path("generation").asText() + ")", JsonNodeFactory.instance.arrayNode())
                        : drlEditor(call, saved.status(), status.json(), file, content, saved.errorMessage(),
                                saved.json().path("errors").isArray() ? saved.json().path("errors") : JsonNodeFactory.instance.arrayNode())));
    }

    private static Rendered drlEditor(UiCall call, int status, JsonNode rules, String file, String content, String message, JsonNode errors) {
        List<String> files = new ArrayList<>();
        rules.path("files").forEach(f -> files.add(f.asText()));
        return call.render(status, "rules/drl.jte", Map.of("files", files, "file", file, "content", content, "message", message,
                "failed", status != 200, "errors", errors));
    }
}

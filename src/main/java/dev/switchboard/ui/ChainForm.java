package dev.switchboard.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The chain builder's form: the chain's models in order, each with the failures scripted for a simulation, and the
 * chain's settings. The page keeps no state: every button sends the whole form (public: templates read it).
 */
public record ChainForm(String id, List<String> models, List<String> failures, String maxAttempts, String deadlineMs,
                        Set<String> retryOn, boolean preserveContext, boolean active, String comment) {
    /** The catalog's retry conditions, in the order the form shows them. */
    public static final List<String> CONDITIONS = List.of("timeout", "rateLimit", "error", "contentFilter", "contextLength");
    /** What a chain retries on when the catalog says nothing (all but contentFilter). */
    private static final Set<String> DEFAULT_RETRY_ON = Set.of("timeout", "rateLimit", "error", "contextLength");

    static ChainForm empty() {
        return new ChainForm("", List.of(), List.of(), "", "", DEFAULT_RETRY_ON, true, true, "");
    }

    /** A catalog chain: a plain list of models, or {models, maxAttempts, retryOn, preserveContext, active, deadlineMs}. */
    static ChainForm of(String id, JsonNode chain) {
        JsonNode list = chain.isArray() ? chain : chain.path("models");
        List<String> models = new ArrayList<>();
        list.forEach(m -> models.add(m.asText()));
        Set<String> retryOn = new TreeSet<>();
        chain.path("retryOn").forEach(r -> retryOn.add(r.asText()));
        return new ChainForm(id, models, Collections.nCopies(models.size(), ""), chain.path("maxAttempts").asText(""),
                chain.path("deadlineMs").asText(""), chain.has("retryOn") ? retryOn : DEFAULT_RETRY_ON,
                chain.path("preserveContext").asBoolean(true), chain.path("active").asBoolean(true), "");
    }

    static ChainForm of(MultiMap form) {
        List<String> models = form.getAll("model");
        List<String> failures = new ArrayList<>(form.getAll("fail"));
        while (failures.size() < models.size()) {
            failures.add("");
        }
        Set<String> retryOn = new TreeSet<>(form.getAll("retryOn"));
        return new ChainForm(value(form, "id"), List.copyOf(models), List.copyOf(failures.subList(0, models.size())),
                value(form, "maxAttempts"), value(form, "deadlineMs"), retryOn, form.contains("preserveContext"), form.contains("active"),
                value(form, "comment"));
    }

    private static String value(MultiMap form, String name) {
        return form.get(name) == null ? "" : form.get(name).trim();
    }

    /** The form after a builder button: {@code up:i}, {@code down:i}, {@code remove:i} or {@code add} (of {@code added}). */
    ChainForm edited(String action, String added) {
        List<String> m = new ArrayList<>(models);
        List<String> f = new ArrayList<>(failures);
        int i = action.indexOf(':') < 0 ? -1 : index(action.substring(action.indexOf(':') + 1));
        if (action.startsWith("up:") && i > 0 && i < m.size()) {
            Collections.swap(m, i, i - 1);
            Collections.swap(f, i, i - 1);
        } else if (action.startsWith("down:") && i >= 0 && i + 1 < m.size()) {
            Collections.swap(m, i, i + 1);
            Collections.swap(f, i, i + 1);
        } else if (action.startsWith("remove:") && i >= 0 && i < m.size()) {
            m.remove(i);
            f.remove(i);
        } else if (action.equals("add") && added != null && !added.isBlank()) {
            m.add(added);
            f.add("");
        }
        return new ChainForm(id, m, f, maxAttempts, deadlineMs, retryOn, preserveContext, active, comment);
    }

    private static int index(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The chain as the catalog takes it. */
    ObjectNode chain() {
        ObjectNode chain = JsonNodeFactory.instance.objectNode();
        ArrayNode list = chain.putArray("models");
        models.forEach(list::add);
        Forms.putNumber(chain, "maxAttempts", maxAttempts.isEmpty() ? null : maxAttempts);
        ArrayNode conditions = chain.putArray("retryOn");
        CONDITIONS.stream().filter(retryOn::contains).forEach(conditions::add);
        chain.put("preserveContext", preserveContext).put("active", active);
        Forms.putNumber(chain, "deadlineMs", deadlineMs.isEmpty() ? null : deadlineMs);
        return chain;
    }

    /** The simulation request: this (unsaved) chain and the failures scripted per model. */
    ObjectNode simulation() {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("chain", chain().put("id", id));
        ObjectNode script = body.putObject("failures");
        for (int i = 0; i < models.size(); i++) {
            ArrayNode steps = Forms.list(failures.get(i).isBlank() ? null : failures.get(i));
            if (steps != null) {
                script.set(models.get(i), steps);
            }
        }
        return body;
    }
}

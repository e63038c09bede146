package dev.switchboard.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.AgentSpec;
import dev.switchboard.catalog.Agents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Who still names a model or a chain: the catalog's chains, fallbacks, fine-tunes and defaults, the agents, and the
 * rule files. A catalog change (a DELETE, a PUT, an import, a rollback) that drops a model or chain still named is
 * refused with the names of its users, instead of failing their requests later. Rule files are searched as text:
 * a DRL names a model or chain as a quoted literal ({@code "gpt-4o"}), a CSV decision table as a cell of its own;
 * a binary {@code .xlsx} table is not searched.
 */
final class CatalogUsers {
    private static final YAMLMapper YAML = new YAMLMapper();
    /** Rule files read as text; {@code .drl.csv} decision tables are {@code .csv}. */
    private static final Set<String> TEXT_RULE_FILES = Set.of(".drl", ".csv");

    private final Agents agents;
    private final Path rulesFolder;

    CatalogUsers(Agents agents, Path rulesFolder) {
        this.agents = agents;
        this.rulesFolder = rulesFolder;
    }

    /** Refuses {@code after} (400 in_use, nothing applied) when it drops a model or chain of {@code before} that something still names. */
    void requireUnused(String before, String after) {
        JsonNode was = tree(before);
        JsonNode next = tree(after);
        if (was == null || next == null) {
            return; // nothing to compare; the catalog compiler reports a document that is not YAML
        }
        Set<String> droppedModels = dropped(modelIds(was), modelIds(next));
        Set<String> droppedChains = dropped(chainIds(was), chainIds(next));
        if (droppedModels.isEmpty() && droppedChains.isEmpty()) {
            return;
        }
        List<String> refusals = new ArrayList<>();
        RuleTexts ruleTexts = new RuleTexts(readRules());
        for (String model : droppedModels) {
            List<String> users = new ArrayList<>(modelUsersInCatalog(next, model));
            agents.all().stream().filter(a -> model.equals(a.primaryModel())).forEach(a -> users.add("agent '" + a.id() + "'"));
            users.addAll(ruleTexts.naming(model));
            describe(refusals, "model", model, users);
        }
        for (String chain : droppedChains) {
            List<String> users = new ArrayList<>();
            agents.all().stream().filter(a -> chain.equals(a.chain())).map(AgentSpec::id).forEach(a -> users.add("agent '" + a + "'"));
            users.addAll(ruleTexts.naming(chain));
            describe(refusals, "chain", chain, users);
        }
        if (!refusals.isEmpty()) {
            throw new GatewayError(400, "invalid_request_error", "in_use", droppedModels.isEmpty() ? "chains" : "models",
                    "Catalog refused, nothing applied: " + String.join("; ", refusals) + "; change those first");
        }
    }

    private static void describe(List<String> refusals, String kind, String id, List<String> users) {
        if (!users.isEmpty()) {
            refusals.add(kind + " '" + id + "' is still used by " + String.join(", ", users));
        }
    }

    /** The catalog's own references to a model, by path: chains, fallbacks, fine-tunes and the defaults. */
    private static List<String> modelUsersInCatalog(JsonNode doc, String model) {
        List<String> users = new ArrayList<>();
        doc.path("chains").fields().forEachRemaining(e -> {
            JsonNode list = e.getValue().isArray() ? e.getValue() : e.getValue().path("models");
            if (contains(list, model)) {
                users.add("chains." + e.getKey());
            }
        });
        JsonNode models = doc.path("models");
        for (int i = 0; i < models.size(); i++) {
            String where = "models[" + i + "] ('" + models.get(i).path("id").asText() + "')";
            if (contains(models.get(i).path("fallbacks"), model)) {
                users.add(where + ".fallbacks");
            }
            if (model.equals(models.get(i).path("baseModel").asText(null))) {
                users.add(where + ".baseModel");
            }
        }
        for (String field : List.of("chatModel", "embeddingModel")) {
            if (model.equals(doc.path("defaults").path(field).asText(null))) {
                users.add("defaults." + field);
            }
        }
        return users;
    }

    private static boolean contains(JsonNode list, String value) {
        for (JsonNode n : list) {
            if (value.equals(n.asText(null))) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> dropped(Set<String> before, Set<String> after) {
        Set<String> gone = new LinkedHashSet<>(before);
        gone.removeAll(after);
        return gone;
    }

    private static Set<String> modelIds(JsonNode doc) {
        Set<String> ids = new LinkedHashSet<>();
        doc.path("models").forEach(m -> ids.add(m.path("id").asText("")));
        return ids;
    }

    private static Set<String> chainIds(JsonNode doc) {
        Set<String> ids = new LinkedHashSet<>();
        doc.path("chains").fieldNames().forEachRemaining(ids::add);
        return ids;
    }

    private static JsonNode tree(String document) {
        try {
            return document == null ? null : YAML.readTree(document);
        } catch (IOException e) {
            return null;
        }
    }

    /** The text rule files by name; a folder that cannot be read names no one (the rules watcher reports it). */
    private Map<String, String> readRules() {
        Map<String, String> texts = new TreeMap<>();
        if (!Files.isDirectory(rulesFolder)) {
            return texts;
        }
        try (Stream<Path> list = Files.list(rulesFolder)) {
            for (Path p : list.filter(p -> TEXT_RULE_FILES.stream().anyMatch(p.toString()::endsWith)).toList()) {
                texts.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return texts;
        }
        return texts;
    }

    /** Rule files' text, searched for a name as a DRL string literal or a CSV cell of its own. */
    private record RuleTexts(Map<String, String> byFile) {
        List<String> naming(String id) {
            Pattern cell = Pattern.compile("(^|[,;])\\s*\"?" + Pattern.quote(id) + "\"?\\s*([,;]|$)", Pattern.MULTILINE);
            List<String> files = new ArrayList<>();
            byFile.forEach((file, text) -> {
                if (file.endsWith(".csv") ? cell.matcher(text).find() : text.contains("\"" + id + "\"")) {
                    files.add("rule file '" + file + "'");
                }
            });
            return files;
        }
    }
}

package dev.switchboard.routing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A rule given as data (by {@link RuleBuilder}, already validated) and its DRL, written the way a person writes
 * {@code rules/routing.drl}: one pattern per fact, the routing rule in {@code activation-group "route"}.
 */
public record RuleDraft(String name, String file, List<Condition> conditions, String model, String chain,
                        Map<String, JsonNode> parameters, List<String> tags, int priority, boolean active, String comment) {

    /** One condition: {@code fact(field op value)}. */
    public record Condition(String fact, String field, String op, JsonNode value) {
    }

    private static final String INDENT = "    ";
    private static final String IMPORT = "import dev.switchboard.routing.";
    /** The start of a file the builder creates. */
    private static final String HEADER = """
            // Rules written by the rule builder (POST /admin/api/rules/builder); they may be edited by hand as well.
            // Posting a rule with the name of one below replaces it.

            package rules

            import dev.switchboard.routing.LlmRequest

            global dev.switchboard.routing.Decision decision
            """;

    /** The rule's DRL: comment, attributes, one pattern per fact, then its actions. */
    public String drl() {
        StringBuilder drl = new StringBuilder();
        if (comment != null && !comment.isBlank()) {
            comment.strip().lines().forEach(line -> drl.append("// ").append(line.strip()).append('\n'));
        }
        drl.append("rule ").append(quote(name)).append('\n');
        drl.append(INDENT).append("salience ").append(priority).append('\n');
        drl.append(INDENT).append("activation-group \"route\"\n");
        if (!active) {
            drl.append(INDENT).append("enabled false\n");
        }
        drl.append("when\n");
        patterns().forEach((fact, constraints) -> drl.append(INDENT).append(fact).append('(').append(constraints).append(")\n"));
        drl.append("then\n");
        drl.append(INDENT).append("decision.route(").append(quote(model)).append(chain == null ? "" : ", " + quote(chain)).append(");\n");
        parameters.forEach((param, value) -> drl.append(INDENT).append("decision.set(").append(quote(param)).append(", ")
                .append(literal(value)).append(");\n"));
        tags.forEach(tag -> drl.append(INDENT).append("decision.tag(").append(quote(tag)).append(");\n"));
        drl.append("end\n");
        return drl.toString();
    }

    /**
     * The rule file with this rule in it: {@code existing} (null for a new file) with the rule of the same name
     * replaced, or the rule appended; imports of the facts it matches are added when missing.
     */
    public String into(String existing) {
        List<String> lines = new ArrayList<>((existing == null ? HEADER : existing).lines().toList());
        addImports(lines);
        String start = "rule " + quote(name);
        int at = indexOf(lines, start, 0);
        List<String> rule = drl().lines().toList();
        if (at < 0) {
            lines.add("");
            lines.addAll(rule);
        } else {
            int end = indexOf(lines, "end", at);
            int from = at;
            while (from > 0 && lines.get(from - 1).strip().startsWith("//")) {
                from--; // the rule's own comment goes with it
            }
            List<String> kept = new ArrayList<>(lines.subList(0, from));
            kept.addAll(rule);
            kept.addAll(lines.subList(end < 0 ? lines.size() : end + 1, lines.size()));
            lines = kept;
        }
        return String.join("\n", lines) + "\n";
    }

    /** The first line from {@code from} that reads {@code text} (surrounding blanks aside), or -1. */
    private static int indexOf(List<String> lines, String text, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(text)) {
                return i;
            }
        }
        return -1;
    }

    private void addImports(List<String> lines) {
        for (String fact : patterns().keySet()) {
            String line = IMPORT + fact;
            if (indexOf(lines, line, 0) < 0) {
                int after = lastStartingWith(lines, "import ");
                lines.add((after < 0 ? lastStartingWith(lines, "package ") : after) + 1, line);
            }
        }
    }

    private static int lastStartingWith(List<String> lines, String prefix) {
        int last = -1;
        for (int i = 0; i < lines.size(); i++) {
            last = lines.get(i).startsWith(prefix) ? i : last;
        }
        return last;
    }

    /** Constraints per fact, facts in order of first mention; a rule without conditions matches every request. */
    private Map<String, String> patterns() {
        Map<String, StringJoiner> byFact = new LinkedHashMap<>();
        byFact.put("LlmRequest", new StringJoiner(", "));
        for (Condition c : conditions) {
            byFact.computeIfAbsent(c.fact(), f -> new StringJoiner(", ")).add(c.field() + " " + c.op() + " " + literal(c.value()));
        }
        Map<String, String> out = new LinkedHashMap<>();
        byFact.forEach((fact, constraints) -> out.put(fact, constraints.toString()));
        return out;
    }

    /** A validated value as DRL: a quoted string, a number, true/false, or a list {@code ("a", "b")}. */
    private static String literal(JsonNode value) {
        if (value.isArray()) {
            StringJoiner list = new StringJoiner(", ", "(", ")");
            value.forEach(v -> list.add(literal(v)));
            return list.toString();
        }
        return value.isTextual() ? quote(value.asText()) : value.asText();
    }

    /**
     * A DRL string literal. {@link RuleBuilder} has refused what cannot be written safely (line breaks and other
     * control characters, {@code \\u}); quotes and backslashes are escaped, so a value never ends its string.
     */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}

package dev.switchboard.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.api.GatewayError;
import dev.switchboard.catalog.Catalog;
import dev.switchboard.routing.RuleFacts.Type;
import dev.switchboard.routing.RuleTargets.Kind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a rule given as data ({@code POST /admin/api/rules/builder}) into a {@link RuleDraft}, refusing with a 400
 * that names the part ({@code conditions[1].field}, {@code model}...) whatever would not compile, could never
 * match, or names what the catalog lacks. The JSON shape is in rules/README.md.
 */
public final class RuleBuilder {
    /** The file a rule goes to when the caller names none. */
    public static final String DEFAULT_FILE = "builder.drl";
    private static final Set<String> KEYS = Set.of("name", "file", "conditions", "model", "chain", "parameters", "tags", "priority",
            "active", "comment");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\\.drl");
    private static final Pattern PARAM = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    /** Parameters a rule may not set: they are the request itself, not a setting of it. */
    private static final Set<String> RESERVED_PARAMS = Set.of("model", "messages", "stream");
    private static final Set<String> ORDERING = Set.of("<", "<=", ">", ">=");
    private static final Set<String> EQUALITY = Set.of("==", "!=");
    /** Fields whose values are a closed set: a value outside it would never match, so it is a typo. */
    private static final Map<String, Set<String>> CLOSED_VALUES = Map.of(
            "LlmRequest.taskType", LlmRequest.TASK_TYPES, "LlmRequest.userTier", LlmRequest.USER_TIERS);
    private static final String PROVIDER_FIELD = "ProviderStatus.provider";
    /** Sizes a readable rule stays within. */
    private static final int MAX_CONDITIONS = 20;
    private static final int MAX_LIST = 100;
    private static final int MAX_TEXT_CHARS = 200;
    private static final int MAX_COMMENT_CHARS = 2000;
    /** Salience is an int; this keeps it to numbers a person compares at a glance. */
    private static final int MAX_PRIORITY = 1_000_000;

    private RuleBuilder() {
    }

    /** The rule in {@code body}, validated against the fact classes and {@code catalog}. */
    public static RuleDraft read(JsonNode body, Catalog catalog) {
        if (body == null || !body.isObject()) {
            throw GatewayError.badRequest(null, "Send a rule as a JSON object: {\"name\", \"conditions\": [...], \"model\", ...}");
        }
        for (Iterator<String> keys = body.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!KEYS.contains(key)) {
                throw GatewayError.badRequest(key, "Unknown key '" + key + "'; a rule has " + new java.util.TreeSet<>(KEYS));
            }
        }
        String name = text(body.get("name"), "name", MAX_TEXT_CHARS);
        if (name.contains("\"") || name.contains("\\")) {
            throw GatewayError.badRequest("name", "A rule name may not contain '\"' or '\\'");
        }
        String model = text(body.get("model"), "model", MAX_TEXT_CHARS);
        inCatalog(Kind.MODEL, model, "model", catalog);
        String chain = optional(body, "chain") ? null : text(body.get("chain"), "chain", MAX_TEXT_CHARS);
        if (chain != null) {
            inCatalog(Kind.CHAIN, chain, "chain", catalog);
        }
        return new RuleDraft(name, file(body), conditions(body.get("conditions"), catalog), model, chain, parameters(body.get("parameters"), catalog),
                tags(body.get("tags")), priority(body.get("priority")), active(body.get("active")),
                optional(body, "comment") ? null : comment(body.get("comment")));
    }

    private static boolean optional(JsonNode body, String key) {
        return body.get(key) == null || body.get(key).isNull();
    }

    private static String file(JsonNode body) {
        if (optional(body, "file")) {
            return DEFAULT_FILE;
        }
        String file = text(body.get("file"), "file", MAX_TEXT_CHARS);
        file = file.endsWith(".drl") ? file : file + ".drl";
        if (!FILE.matcher(file).matches()) {
            throw GatewayError.badRequest("file", "A rule file name is letters, digits, '-', '_' or '.' (it ends in .drl), got '" + file + "'");
        }
        return file;
    }

    private static List<RuleDraft.Condition> conditions(JsonNode list, Catalog catalog) {
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray() || list.size() > MAX_CONDITIONS) {
            throw GatewayError.badRequest("conditions", "'conditions' is a list of at most " + MAX_CONDITIONS + " {\"fact\", \"field\", \"op\", \"value\"}");
        }
        List<RuleDraft.Condition> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(condition(list.get(i), "conditions[" + i + "]", catalog));
        }
        return out;
    }

    private static RuleDraft.Condition condition(JsonNode c, String at, Catalog catalog) {
        if (!c.isObject()) {
            throw GatewayError.badRequest(at, "A condition is {\"fact\", \"field\", \"op\", \"value\"}");
        }
        String fact = c.path("fact").isMissingNode() ? "LlmRequest" : text(c.get("fact"), at + ".fact", MAX_TEXT_CHARS);
        Class<?> type = RuleFacts.fact(fact).orElseThrow(() -> GatewayError.badRequest(at + ".fact",
                "Unknown fact '" + fact + "'; rules match on " + RuleFacts.facts()));
        Map<String, Type> fields = RuleFacts.fields(type);
        String field = text(c.get("field"), at + ".field", MAX_TEXT_CHARS);
        Type fieldType = fields.get(field);
        if (fieldType == null) {
            throw GatewayError.badRequest(at + ".field", "Unknown field '" + field + "' of " + fact + "; its fields: " + fields.keySet());
        }
        String op = text(c.get("op"), at + ".op", MAX_TEXT_CHARS);
        Set<String> ops = operators(fieldType);
        if (!ops.contains(op)) {
            throw GatewayError.badRequest(at + ".op", "Operator '" + op + "' does not apply to " + fact + "." + field + "; use one of "
                    + new java.util.TreeSet<>(ops));
        }
        JsonNode value = c.get("value");
        Set<String> closed = closedValues(fact + "." + field, catalog);
        if (op.equals("in")) {
            if (value == null || !value.isArray() || value.isEmpty() || value.size() > MAX_LIST) {
                throw GatewayError.badRequest(at + ".value", "'in' takes a list of 1 to " + MAX_LIST + " values");
            }
            for (int i = 0; i < value.size(); i++) {
                checkValue(value.get(i), fieldType, closed, at + ".value[" + i + "]");
            }
        } else {
            checkValue(value, fieldType == Type.TEXT_SET ? Type.TEXT : fieldType, closed, at + ".value");
        }
        return new RuleDraft.Condition(fact, field, op, value);
    }

    /** The values a field can take, when they are a closed set: a provider is one of the catalog's. */
    private static Set<String> closedValues(String field, Catalog catalog) {
        return field.equals(PROVIDER_FIELD) ? catalog.providers().stream().map(p -> p.id()).collect(java.util.stream.Collectors.toSet())
                : CLOSED_VALUES.get(field);
    }

    /**
     * What the builder takes, for a condition builder to offer: per fact its fields with their type, operators and (for
     * closed sets) values; the catalog's models, chains and templates a rule may name.
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode vocabulary(Catalog catalog) {
        var out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        var facts = out.putObject("facts");
        for (String fact : RuleFacts.facts()) {
            var fields = facts.putObject(fact);
            RuleFacts.fields(RuleFacts.fact(fact).orElseThrow()).forEach((field, type) -> {
                var f = fields.putObject(field).put("type", type.name().toLowerCase(java.util.Locale.ROOT));
                operators(type).stream().sorted().forEach(f.putArray("operators")::add);
                Set<String> closed = closedValues(fact + "." + field, catalog);
                if (closed != null) {
                    closed.stream().sorted().forEach(f.putArray("values")::add);
                }
            });
        }
        catalog.models().forEach(m -> out.withArray("models").add(m.id()));
        catalog.chains().keySet().stream().sorted().forEach(out.putArray("chains")::add);
        catalog.templateNames().stream().sorted().forEach(out.putArray("templates")::add);
        return out;
    }

    private static Set<String> operators(Type type) {
        return switch (type) {
            case TEXT -> Set.of("==", "!=", "in", "contains");
            case WHOLE_NUMBER, NUMBER -> union(union(EQUALITY, ORDERING), Set.of("in"));
            case BOOLEAN -> EQUALITY;
            case TEXT_SET -> Set.of("contains");
        };
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private static void checkValue(JsonNode v, Type type, Set<String> closed, String at) {
        boolean fits = v != null && switch (type) {
            case TEXT, TEXT_SET -> v.isTextual();
            case WHOLE_NUMBER -> v.isIntegralNumber() && v.canConvertToInt();
            case NUMBER -> v.isNumber();
            case BOOLEAN -> v.isBoolean();
        };
        if (!fits) {
            throw GatewayError.badRequest(at, "Expected " + describe(type) + ", got " + (v == null ? "nothing" : v.toString()));
        }
        if (v.isTextual()) {
            text(v, at, MAX_TEXT_CHARS);
            if (closed != null && !closed.contains(v.asText())) {
                throw GatewayError.badRequest(at, "'" + v.asText() + "' never occurs; the values are " + new java.util.TreeSet<>(closed));
            }
        }
    }

    private static String describe(Type type) {
        return switch (type) {
            case TEXT, TEXT_SET -> "a string";
            case WHOLE_NUMBER -> "a whole number";
            case NUMBER -> "a number";
            case BOOLEAN -> "true or false";
        };
    }

    private static Map<String, JsonNode> parameters(JsonNode params, Catalog catalog) {
        if (params == null || params.isNull()) {
            return Map.of();
        }
        if (!params.isObject() || params.size() > MAX_CONDITIONS) {
            throw GatewayError.badRequest("parameters", "'parameters' is an object of at most " + MAX_CONDITIONS + " settings, e.g. {\"temperature\": 0.2}");
        }
        Map<String, JsonNode> out = new LinkedHashMap<>();
        params.fields().forEachRemaining(e -> {
            String at = "parameters." + e.getKey();
            if (!PARAM.matcher(e.getKey()).matches() || RESERVED_PARAMS.contains(e.getKey())) {
                throw GatewayError.badRequest(at, "'" + e.getKey() + "' cannot be set by a rule: a parameter is lower-case letters, digits "
                        + "and '_', and not one of " + new java.util.TreeSet<>(RESERVED_PARAMS));
            }
            JsonNode v = e.getValue();
            if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
                throw GatewayError.badRequest(at, "A parameter set by a rule is a string, a number or true/false, got " + v);
            }
            if (v.isTextual()) {
                text(v, at, MAX_TEXT_CHARS);
            }
            if (e.getKey().equals(RuleTargets.TEMPLATE_PARAM)) {
                inCatalog(Kind.TEMPLATE, v.asText(), at, catalog);
            }
            out.put(e.getKey(), v);
        });
        return out;
    }

    private static List<String> tags(JsonNode tags) {
        if (tags == null || tags.isNull()) {
            return List.of();
        }
        if (!tags.isArray() || tags.size() > MAX_CONDITIONS) {
            throw GatewayError.badRequest("tags", "'tags' is a list of at most " + MAX_CONDITIONS + " labels");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < tags.size(); i++) {
            out.add(text(tags.get(i), "tags[" + i + "]", MAX_TEXT_CHARS));
        }
        return out;
    }

    private static int priority(JsonNode v) {
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || Math.abs(v.asLong()) > MAX_PRIORITY) {
            throw GatewayError.badRequest("priority", "'priority' is a whole number from -" + MAX_PRIORITY + " to " + MAX_PRIORITY
                    + " (higher is tried first), got " + v);
        }
        return v.asInt();
    }

    private static boolean active(JsonNode v) {
        if (v == null || v.isNull()) {
            return true;
        }
        if (!v.isBoolean()) {
            throw GatewayError.badRequest("active", "'active' is true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static String comment(JsonNode v) {
        if (!v.isTextual() || v.asText().length() > MAX_COMMENT_CHARS) {
            throw GatewayError.badRequest("comment", "'comment' is text of at most " + MAX_COMMENT_CHARS + " characters");
        }
        for (String line : v.asText().split("\n", -1)) {
            safe(line.replace("\r", ""), "comment");
        }
        return v.asText();
    }

    private static void inCatalog(Kind kind, String name, String at, Catalog catalog) {
        RuleTargets.problem(kind, name, catalog).ifPresent(p -> {
            throw GatewayError.badRequest(at, Character.toUpperCase(p.charAt(0)) + p.substring(1));
        });
    }

    /** A non-empty string of at most {@code max} characters that can be written into DRL safely. */
    private static String text(JsonNode v, String at, int max) {
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > max) {
            throw GatewayError.badRequest(at, "'" + at + "' is a non-empty string of at most " + max + " characters");
        }
        return safe(v.asText(), at);
    }

    /**
     * Refuses what a DRL string or comment cannot hold as written: line breaks and other control or invisible
     * formatting characters (they can make the text read differently than it runs), and {@code \\u}, which Java
     * decodes anywhere and the rule sandbox therefore refuses. Quotes and backslashes are fine: they are escaped.
     */
    private static String safe(String s, String at) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                throw GatewayError.badRequest(at, String.format("'%s' may not contain the character U+%04X (line breaks, control "
                        + "or invisible characters)", at, (int) c));
            }
        }
        if (s.contains("\\u")) {
            throw GatewayError.badRequest(at, "'" + at + "' may not contain '\\u': write the character itself");
        }
        return s;
    }
}

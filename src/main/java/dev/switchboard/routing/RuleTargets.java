package dev.switchboard.routing;

import dev.switchboard.catalog.Catalog;
import dev.switchboard.catalog.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The catalog names a rule file spells out: {@code decision.route("gpt-4o", "quality")} names a model and a chain,
 * {@code decision.set("template", "precise")} a parameter template. Checked against the catalog when a file is
 * compiled, so a typo is refused with file:line instead of failing every request it matches; and checked again on
 * each decision, because the catalog can lose a model after the rules were compiled. Names computed at run time
 * ({@code decision.route($m)}) are only checked on the decision.
 *
 * <p>The text pass reads the DRL the way {@link RuleSandbox} does (comments set aside, strings on one line), and
 * runs after it, so {@code \\u} escapes are already refused.
 */
public final class RuleTargets {
    /** The parameter of {@code decision.set} that names a catalog template. */
    public static final String TEMPLATE_PARAM = "template";
    /** Known names listed in an error, at most: enough to spot the typo. */
    private static final int MAX_KNOWN_LISTED = 40;

    private RuleTargets() {
    }

    /** What a literal names. */
    public enum Kind { MODEL, CHAIN, TEMPLATE }

    /** One literal name, the rule it is in and its line. */
    public record Named(Kind kind, String value, String rule, int line) {
    }

    /** Every model, chain and template the text names as a literal, in order. */
    public static List<Named> in(String drl) {
        List<Token> tokens = tokens(drl);
        List<Named> out = new ArrayList<>();
        String rule = null;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.is("rule") && i + 1 < tokens.size() && !tokens.get(i + 1).is(".")) {
                rule = tokens.get(i + 1).text();
            } else if (t.is("decision") && at(tokens, i + 1, ".") && at(tokens, i + 3, "(") && i + 4 < tokens.size()) {
                Token call = tokens.get(i + 2);
                // An argument is a name only when it is one whole literal ("a" + b is computed: checked per decision).
                boolean firstWhole = tokens.get(i + 4).string() && (at(tokens, i + 5, ",") || at(tokens, i + 5, ")"));
                Token first = tokens.get(i + 4);
                Token second = at(tokens, i + 5, ",") && i + 6 < tokens.size() && at(tokens, i + 7, ")") ? tokens.get(i + 6) : null;
                if (call.is("route") && firstWhole) {
                    out.add(new Named(Kind.MODEL, first.text(), rule, first.line()));
                    if (second != null && second.string()) {
                        out.add(new Named(Kind.CHAIN, second.text(), rule, second.line()));
                    }
                } else if (call.is("set") && firstWhole && first.text().equals(TEMPLATE_PARAM) && second != null && second.string()) {
                    out.add(new Named(Kind.TEMPLATE, second.text(), rule, second.line()));
                }
            }
        }
        return out;
    }

    /** The file's literal names that the catalog lacks, each with file:line and what the catalog has. */
    public static List<RuleError> check(String file, String drl, Catalog catalog) {
        List<RuleError> errors = new ArrayList<>();
        for (Named n : in(drl)) {
            problem(n.kind(), n.value(), catalog).ifPresent(p ->
                    errors.add(new RuleError(file, n.line(), (n.rule() == null ? "" : "rule \"" + n.rule() + "\": ") + p)));
        }
        return errors;
    }

    /** Why the catalog cannot serve this name, if it cannot. */
    public static Optional<String> problem(Kind kind, String name, Catalog catalog) {
        return switch (kind) {
            case MODEL -> modelExists(name, catalog) ? Optional.empty() : Optional.of("model '" + name + "' is not in the catalog; known: "
                    + known(catalog.models().stream().map(ModelSpec::id).toList()) + " (or provider/model-id)");
            case CHAIN -> catalog.chain(name).isPresent() ? Optional.empty()
                    : Optional.of("chain '" + name + "' is not in the catalog (or not active); known: " + known(catalog.chains().keySet()));
            case TEMPLATE -> catalog.template(name).isPresent() ? Optional.empty()
                    : Optional.of("template '" + name + "' is not in the catalog; known: " + known(catalog.templateNames()));
        };
    }

    /** A rule whose decision the catalog cannot serve, and why. */
    public record Unusable(String rule, String why) {
    }

    /**
     * The rule whose decision this catalog cannot serve, if any: the model, chain or template it names is gone. The
     * request is then routed as if that rule had not matched.
     */
    public static Optional<Unusable> unusable(Decision decision, Catalog catalog) {
        Optional<String> why = decision.model() == null ? Optional.empty() : problem(Kind.MODEL, decision.model(), catalog);
        if (why.isEmpty() && decision.chain() != null) {
            why = problem(Kind.CHAIN, decision.chain(), catalog);
        }
        if (why.isPresent()) {
            return Optional.of(new Unusable(decision.rule(), why.get()));
        }
        Object template = decision.params().get(TEMPLATE_PARAM);
        String setBy = decision.paramRule(TEMPLATE_PARAM);
        return template == null || setBy == null ? Optional.empty()
                : problem(Kind.TEMPLATE, String.valueOf(template), catalog).map(p -> new Unusable(setBy, p));
    }

    /** A catalog model, or {@code provider/model-id} on a provider the catalog has (the caller may ask for those too). */
    static boolean modelExists(String name, Catalog catalog) {
        int slash = name.indexOf('/');
        return catalog.model(name).isPresent() || slash > 0 && catalog.provider(name.substring(0, slash)).isPresent();
    }

    private static String known(java.util.Collection<String> names) {
        List<String> sorted = List.copyOf(new TreeSet<>(names));
        return sorted.size() <= MAX_KNOWN_LISTED ? sorted.toString()
                : sorted.subList(0, MAX_KNOWN_LISTED) + " and " + (sorted.size() - MAX_KNOWN_LISTED) + " more";
    }

    private static boolean at(List<Token> tokens, int i, String symbol) {
        return i < tokens.size() && tokens.get(i).is(symbol);
    }

    /** An identifier, a symbol, or a double-quoted string (its value, unescaped). */
    private record Token(String text, boolean string, int line) {
        boolean is(String s) {
            return !string && text.equals(s);
        }
    }

    private static List<Token> tokens(String s) {
        List<Token> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (s.startsWith("//", i)) {
                int end = s.indexOf('\n', i);
                i = end < 0 ? s.length() : end;
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                int stop = end < 0 ? s.length() : end + 2;
                line += (int) s.substring(i, stop).chars().filter(ch -> ch == '\n').count();
                i = stop;
            } else if (c == '"' || c == '\'') {
                StringBuilder value = new StringBuilder();
                i = string(s, i, value);
                out.add(new Token(value.toString(), c == '"', line));
            } else if (Character.isJavaIdentifierStart(c)) {
                int start = i;
                while (i < s.length() && Character.isJavaIdentifierPart(s.charAt(i))) {
                    i++;
                }
                out.add(new Token(s.substring(start, i), false, line));
            } else {
                if (!Character.isWhitespace(c)) {
                    out.add(new Token(String.valueOf(c), false, line));
                }
                i++;
            }
        }
        return out;
    }

    /** Reads the string opened at {@code start} into {@code value}; returns the index after it (strings end on their line). */
    private static int string(String s, int start, StringBuilder value) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != quote && s.charAt(i) != '\n') {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(++i);
                value.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> e;
                });
            } else {
                value.append(c);
            }
            i++;
        }
        return i < s.length() && s.charAt(i) == quote ? i + 1 : i;
    }
}

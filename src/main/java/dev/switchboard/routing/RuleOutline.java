package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.drl.ast.descr.AttributeDescr;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;

/**
 * One rule as data, so a UI can list, reorder, enable and disable rules without reading DRL: name, file, salience,
 * activation group and enabled flag from the compiled knowledge base; conditions and actions as the text of the
 * rule's source (for a decision table, of the DRL generated from its row). Also edits one rule's attribute in the
 * DRL text, so a change of priority or of the enabled flag is an ordinary edit with a version.
 */
public record RuleOutline(String name, String file, int salience, String activationGroup, boolean enabled,
                          List<String> conditions, List<String> actions, Map<String, Object> metadata) {

    /** Every rule of a generation, highest salience first (the order they are tried in). */
    static List<RuleOutline> of(RulesHolder.Generation generation, Function<String, String> displayPath) {
        Map<String, Map<String, RuleDescr>> descriptors = new HashMap<>();
        generation.drl().forEach((file, drl) -> descriptors.put(file, descriptors(drl)));
        List<RuleOutline> all = new ArrayList<>();
        for (KiePackage pkg : generation.kieBase().getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                RuleImpl impl = (RuleImpl) rule;
                String file = RulesHolder.sourceName(impl.getResource() == null ? null : impl.getResource().getSourcePath());
                String drl = generation.drl().get(file);
                RuleDescr descr = descriptors.getOrDefault(file, Map.of()).get(rule.getName());
                all.add(new RuleOutline(rule.getName(), displayPath.apply(file), impl.getSalienceValue(), impl.getActivationGroup(),
                        enabled(descr), descr == null ? List.of() : conditions(descr, drl), descr == null ? List.of() : actions(descr),
                        java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rule.getMetaData())))); // values may be null
            }
        }
        all.sort(Comparator.comparingInt(RuleOutline::salience).reversed().thenComparing(RuleOutline::name));
        return all;
    }

    /** A rule is disabled by its {@code enabled false} attribute (a dynamic one counts as enabled). */
    private static boolean enabled(RuleDescr descr) {
        AttributeDescr attr = descr == null ? null : descr.getAttributes().get(ENABLED);
        return attr == null || attr.getValue() == null || !"false".equals(attr.getValue().strip());
    }

    private static List<String> conditions(RuleDescr descr, String drl) {
        List<String> out = new ArrayList<>();
        for (BaseDescr d : descr.getLhs().getDescrs()) {
            out.add(d.getStartCharacter() >= 0 && d.getEndCharacter() <= drl.length()
                    ? drl.substring(d.getStartCharacter(), d.getEndCharacter()).strip() : String.valueOf(d.getText()));
        }
        return out;
    }

    private static List<String> actions(RuleDescr descr) {
        return String.valueOf(descr.getConsequence()).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static Map<String, RuleDescr> descriptors(String drl) {
        Map<String, RuleDescr> byName = new HashMap<>();
        try {
            PackageDescr pkg = new DrlParser().parse(false, drl);
            if (pkg != null) {
                pkg.getRules().forEach(r -> byName.put(r.getName(), r));
            }
        } catch (DroolsParserException e) {
            // compiled a moment ago, so it parses; without descriptors the rule is listed with no conditions
        }
        return byName;
    }

    static final String ENABLED = "enabled";
    static final String SALIENCE = "salience";

    /**
     * The DRL text with one attribute of one rule set to {@code value}: replaced where the rule has it, else added on
     * the line after the rule's name. Empty when the file has no such rule.
     */
    static java.util.Optional<String> withAttribute(String drl, String ruleName, String attribute, String value) {
        PackageDescr pkg;
        try {
            pkg = new DrlParser().parse(false, drl);
        } catch (DroolsParserException e) {
            return java.util.Optional.empty();
        }
        RuleDescr rule = pkg == null ? null : pkg.getRules().stream().filter(r -> r.getName().equals(ruleName)).findFirst().orElse(null);
        if (rule == null) {
            return java.util.Optional.empty();
        }
        AttributeDescr existing = rule.getAttributes().get(attribute);
        if (existing != null && existing.getStartCharacter() >= 0) {
            return java.util.Optional.of(drl.substring(0, existing.getStartCharacter()) + value + drl.substring(existing.getEndCharacter()));
        }
        int lineEnd = drl.indexOf('\n', rule.getStartCharacter());
        int at = lineEnd < 0 ? drl.length() : lineEnd + 1;
        return java.util.Optional.of(drl.substring(0, at) + "    " + attribute + " " + value + "\n" + drl.substring(at));
    }
}

package dev.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.routing.RuleTargets.Kind;
import dev.switchboard.routing.RuleTargets.Named;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The catalog names a rule file spells out, and the DRL the builder writes into an existing file. */
class RuleTargetsTest {

    @Test
    void should_find_the_names_in_route_and_template_calls_with_their_rule_and_line() {
        String drl = """
                package rules
                // decision.route("in-a-comment")
                rule "First"
                when
                    LlmRequest(model == "decision.route(\\"in-a-condition\\")")
                then
                    /* decision.route("in-a-block-comment") */
                    decision.route(
                        "gpt-4o", "quality");
                    decision.set("template", "precise");
                    decision.set("temperature", 0.2);
                end
                rule "Second"
                when
                    LlmRequest($m : model)
                then
                    decision.route($m);
                    decision.route("gpt-" + "5x", "a" + "b");
                    decision.route("o4-mini");
                end
                """;
        assertEquals(List.of(new Named(Kind.MODEL, "gpt-4o", "First", 9), new Named(Kind.CHAIN, "quality", "First", 9),
                new Named(Kind.TEMPLATE, "precise", "First", 10), new Named(Kind.MODEL, "o4-mini", "Second", 19)), RuleTargets.in(drl));
    }

    @Test
    void should_add_a_missing_import_and_replace_only_the_rule_of_the_same_name() {
        String existing = """
                package rules

                import dev.switchboard.routing.LlmRequest

                global dev.switchboard.routing.Decision decision

                // kept
                rule "Other"
                when
                    LlmRequest()
                then
                    decision.tag("other");
                end

                // old comment
                rule "Mine"
                when
                    LlmRequest()
                then
                    decision.route("gpt-4o-mini");
                end
                """;
        RuleDraft draft = new RuleDraft("Mine", "x.drl", List.of(new RuleDraft.Condition("ProviderStatus", "healthy", "==",
                JsonNodeFactory.instance.booleanNode(false))), "gpt-4o", null, Map.of(), List.of(), 10, true, "new comment");
        String merged = draft.into(existing);
        assertTrue(merged.contains("import dev.switchboard.routing.LlmRequest\nimport dev.switchboard.routing.ProviderStatus\n"), merged);
        assertTrue(merged.contains("// kept\nrule \"Other\""), merged);
        assertTrue(!merged.contains("old comment") && !merged.contains("gpt-4o-mini"), merged);
        assertTrue(merged.contains("""
                // new comment
                rule "Mine"
                    salience 10
                    activation-group "route"
                when
                    LlmRequest()
                    ProviderStatus(healthy == false)
                then
                    decision.route("gpt-4o");
                end
                """), merged);
        assertEquals(List.of(), RuleSandbox.check("x.drl", merged), "what the builder writes passes the sandbox");
    }
}

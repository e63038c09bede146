package dev.switchboard.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** What a rule file may contain: refused with file:line before Drools compiles (or runs) any of it. */
class RuleSandboxTest {
    private static final String HEADER = """
            package rules
            import dev.switchboard.routing.LlmRequest
            global dev.switchboard.routing.Decision decision
            rule "r"
            when
                $r : LlmRequest(agentId == "x")
            then
            """;
    /** The action's first line in {@link #HEADER}-based files. */
    private static final int ACTION_LINE = 8;

    @Test
    void should_accept_the_shipped_rules() throws Exception {
        assertEquals(List.of(), RuleSandbox.check("routing.drl", Files.readString(Path.of("rules/routing.drl"))));
    }

    @Test
    void should_accept_plain_values_math_facts_and_exceptions() {
        String drl = """
                package rules
                import dev.switchboard.routing.LlmRequest
                import dev.switchboard.routing.ProviderStatus
                import java.util.List
                global dev.switchboard.routing.Decision decision
                // Runtime.getRuntime().exec("in a comment") is fine
                rule "Everything allowed" salience 10 activation-group "route" dialect "mvel"
                when
                    $r : LlmRequest(model in ("a", "b"), estimatedTokens > 8000 || tags contains "x", metadata["team"] == "y")
                    ProviderStatus(provider == "openai", errorRate < 50.0, provider not in ("a"))
                    not (ProviderStatus(provider == "x") or ProviderStatus(provider == "y"))
                then
                    decision.route("gpt-4o", "quality");
                    decision.set("max_tokens", Math.min(Integer.MAX_VALUE, $r.getEstimatedTokens()));
                    decision.set("stop", List.of("a", "b"));
                    decision.tag("System.exit " + $r.getModel().toUpperCase());
                    if ($r.getTags().isEmpty()) { throw new IllegalStateException("no tags"); } else if (true) { return; }
                end
                """;
        assertEquals(List.of(), RuleSandbox.check("ok.drl", drl));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Runtime.getRuntime().exec(\"id\");                    | 'Runtime' is not allowed",
            "System.getenv(\"SWITCHBOARD_ADMIN_TOKEN\");          | 'System' is not allowed",
            "decision.tag(String.valueOf(decision.getClass()));   | 'getClass' is not allowed",
            "decision.tag(java.nio.file.Files.readString(null));  | 'java' is part of a fully-qualified class name",
            "decision.tag(\"\" + Class.forName(\"x\"));           | 'Class' is not allowed",
            "Thread.sleep(100000);                                | 'Thread' is not allowed",
            "new ProcessBuilder(\"id\").start();                  | 'new ProcessBuilder' is not allowed",
            "while (true) { }                                     | 'while' is not allowed",
            "for (;;) { }                                         | 'for' is not allowed",
            "decision.tag(\"x\".repeat(1000000000));              | 'repeat' is not allowed",
            "insert(new LlmRequest(null, null, null, null, 0, 0, false, false, false, false, false, null, null)); | 'insert' is not allowed",
            "drools.halt();                                       | 'drools' is not allowed",
            "java.util.List.of().forEach(x -> { });               | '->' (a lambda or method reference)",
            "decision.tag(new IllegalStateException() { public String toString() { return \"\"; } }.toString()); | an anonymous class",
            "decision.tag(ab.cd.Evil.run());                      | 'ab' is part of a fully-qualified class name",
            "decision.tag(KieServices.Factory.get().toString());  | 'KieServices.' is not allowed",
            "defaultConsequence(null, $r); defaultConsequence(null, $r); | 'defaultConsequence(...)' is not allowed",
            "decision.tag(\"\" + $r__Handle__.getObject());      | '$r__Handle__' is not allowed",
            "if ($r.getModel() ~= \"(a+)+b\") { decision.tag(\"x\"); } | '~' (MVEL's ~= regular expression match)",
            "decision.tag(\"a\\u0022 + Runtime.getRuntime() + \\u0022\"); | '\\u' escapes are not allowed",
    })
    void should_refuse_an_action_that_reaches_beyond_the_rules_with_file_and_line(String action, String expected) {
        List<RuleError> errors = RuleSandbox.check("/rules/bad.drl", HEADER + "    " + action + "\nend\n");
        assertFalse(errors.isEmpty(), action);
        assertTrue(errors.stream().anyMatch(e -> e.message().contains(expected) && e.line() == ACTION_LINE), errors.toString());
        assertEquals("/rules/bad.drl", errors.get(0).file());
        assertTrue(errors.get(0).message().contains("rules may use only the facts"), "says what is allowed: " + errors.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "import java.io.File", "import java.lang.Runtime", "import static java.lang.Runtime.getRuntime", "import java.util.*",
            "import function java.lang.System.exit", "global java.lang.Runtime decision", "global dev.switchboard.routing.Decision other",
            "function int f(int n) { return n; }", "declare Evil end", "query endless(int n) endless(n + 1;) end",
    })
    void should_refuse_imports_globals_and_declarations_outside_the_allow_list(String line) {
        String drl = "package rules\n" + line + "\n";
        List<RuleError> errors = RuleSandbox.check("bad.drl", drl);
        assertFalse(errors.isEmpty(), line);
        assertEquals(2, errors.get(0).line(), errors.toString());
    }

    @Test
    void should_refuse_code_hidden_where_another_reader_sees_it_differently() {
        assertFalse(RuleSandbox.check("a.drl", HEADER + "    // comment\r Runtime.getRuntime();\nend\n").isEmpty(), "a CR ends a comment");
        assertFalse(RuleSandbox.check("a.drl", HEADER + "    decision.tag(\"\"\"\n  text block\"\"\");\nend\n").isEmpty(), "text blocks");
        assertFalse(RuleSandbox.check("a.drl", HEADER + "    Run\u200Btime.getRuntime();\nend\n").isEmpty(), "invisible characters");
        assertFalse(RuleSandbox.check("a.drl", HEADER + "    /* never closed\nend\n").isEmpty(), "unterminated comment");
    }
}

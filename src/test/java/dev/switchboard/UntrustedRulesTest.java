package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rules written by business users are not trusted code: a rule that reaches the operating system is refused at
 * PUT with file:line and never written; a rule that throws, or fires without end, is cut off and reported while
 * requests go on as if it had not matched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UntrustedRulesTest {
    private static final String HEADER = """
            package rules
            import dev.switchboard.routing.LlmRequest
            import java.util.List
            global dev.switchboard.routing.Decision decision
            """;
    /** Line 10 is the action: 4 header lines, then rule, salience, when, pattern, then. */
    private static final int ACTION_LINE = 10;
    private static final String EXEC_RULE = HEADER + """
            rule "Run a command"
                salience 1000
            when
                LlmRequest(agentId == "attacker")
            then
                decision.tag(new String(Runtime.getRuntime().exec("id").getInputStream().readAllBytes()));
            end
            """;
    private static final String THROWING_RULE_NAME = "Throwers go to gpt-4o, then fail";
    private static final String THROWING_RULE = HEADER + """
            rule "%s"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "thrower")
            then
                decision.route("gpt-4o");
                throw new RuntimeException("boom from a rule");
            end
            """.formatted(THROWING_RULE_NAME);
    private static final String JOIN_RULE_NAME = "Joins a list with itself";
    /** 11 x 11 x 11 = 1331 matches: past the guard's 1000 firings per request. */
    private static final String ELEVEN = IntStream.rangeClosed(1, 11).mapToObj(Integer::toString).collect(Collectors.joining(", "));
    private static final String JOIN_RULE = HEADER + """
            rule "%s"
            when
                LlmRequest(agentId == "joiner")
                $a : Integer() from List.of(%s)
                $b : Integer() from List.of(%s)
                $c : Integer() from List.of(%s)
            then
                decision.route("gpt-4o");
            end
            """.formatted(JOIN_RULE_NAME, ELEVEN, ELEVEN, ELEVEN);

    private static final String GROWING_RULE_NAME = "Grows a string past what Java can hold";
    /** 16 characters, then 256, then 65,536, then 2^32: past a string's limit, an OutOfMemoryError at once (no memory taken). */
    private static final String GROWING_RULE = HEADER + """
            rule "%s"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "grower")
            then
                decision.route("gpt-4o");
                String s = "aaaaaaaaaaaaaaaa";
                s = s.replace("a", s);
                s = s.replace("a", s);
                s = s.replace("a", s);
                decision.tag(s);
            end
            """.formatted(GROWING_RULE_NAME);

    private static final String SETTER_RULE_NAME = "Sets a parameter to the decision itself";
    private static final String SETTER_RULE = HEADER + """
            rule "%s"
                salience 1000
            when
                LlmRequest(agentId == "setter")
            then
                decision.set("temperature", decision);
            end
            rule "Tags with nothing"
            when
                LlmRequest(agentId == "tagger")
            then
                decision.tag(null);
            end
            """.formatted(SETTER_RULE_NAME);

    /** A line break in the rule's name (DRL unescapes it), and a non-ASCII letter. */
    private static final String BREAKING_RULE = HEADER + """
            rule "Breaks\\nthe héader"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "breaker")
            then
                decision.route("gpt-4o");
            end
            """;

    private static final String MISROUTING_RULE_NAME = "Routes to a model the catalog lacks";
    private static final String MISCHAINING_RULE_NAME = "Routes along a chain the catalog lacks";
    /** Computed names: literal ones are refused when the file compiles (RuleAuthoringTest), these only on the decision. */
    private static final String MISROUTING_RULES = HEADER + """
            rule "%s"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "misrouter")
            then
                decision.route("no-such-" + "model");
            end
            rule "%s"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "mischainer")
            then
                decision.route("gpt-4o", "no-such-" + "chain");
            end
            """.formatted(MISROUTING_RULE_NAME, MISCHAINING_RULE_NAME);

    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_refuse_a_rule_that_runs_a_command_with_file_and_line_and_write_nothing() throws Exception {
        HttpResponse<String> put = putRule("exec.drl", EXEC_RULE);
        assertEquals(400, put.statusCode(), put.body());
        JsonNode body = Gateway.MAPPER.readTree(put.body());
        assertEquals("rules_invalid", body.at("/error/code").asText(), put.body());
        JsonNode runtime = null;
        for (JsonNode e : body.path("errors")) {
            assertEquals(gw.rulesDir.resolve("exec.drl").toString(), e.path("file").asText(), put.body());
            assertTrue(e.path("message").asText().contains("rules may use only"), "tells what is allowed: " + put.body());
            runtime = e.path("message").asText().contains("'Runtime' is not allowed") ? e : runtime;
        }
        assertTrue(runtime != null, "names Runtime: " + put.body());
        assertEquals(ACTION_LINE, runtime.path("line").asInt(), put.body());

        assertFalse(Files.exists(gw.rulesDir.resolve("exec.drl")), "nothing written");
        assertEquals(404, gw.get(gw.managementUrl() + "/admin/api/rules/exec.drl").statusCode());
        assertFalse(rules().path("files").toString().contains("exec.drl"), "not among the serving rules: " + rules());
        HttpResponse<String> chat = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "attacker");
        assertEquals(200, chat.statusCode(), chat.body());
    }

    @Test
    void should_route_as_if_unmatched_when_a_rule_throws_and_report_it() throws Exception {
        assertEquals(200, putRule("thrower.drl", THROWING_RULE).statusCode());
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "thrower");
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("gpt-4o-mini", r.headers().firstValue("x-switchboard-model").orElse(""),
                        "the caller's model, as if no rule had matched (the rule's route before the throw is dropped)");
            }
            assertEquals(200, gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "someone-else").statusCode());
            JsonNode failure = failureOf(THROWING_RULE_NAME);
            assertTrue(failure.path("error").asText().contains("boom from a rule"), failure.toString());
            assertEquals(2, failure.path("count").asInt(), failure.toString());
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("thrower.drl"));
        }
    }

    @Test
    void should_cut_off_a_rule_that_fires_without_end() throws Exception {
        assertEquals(200, putRule("joiner.drl", JOIN_RULE).statusCode());
        try {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "joiner");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("gpt-4o-mini", r.headers().firstValue("x-switchboard-model").orElse(""));
            JsonNode failure = failureOf(JOIN_RULE_NAME);
            assertTrue(failure.path("error").asText().contains("cut off"), failure.toString());
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("joiner.drl"));
        }
    }

    @Test
    void should_route_as_if_unmatched_when_a_rule_runs_out_of_memory() throws Exception {
        assertEquals(200, putRule("grower.drl", GROWING_RULE).statusCode());
        try {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "grower");
            assertEquals(200, r.statusCode(), "once a 500 for every request the rule matched: " + r.body());
            assertEquals("gpt-4o-mini", r.headers().firstValue("x-switchboard-model").orElse(""));
            JsonNode failure = failureOf(GROWING_RULE_NAME);
            assertTrue(failure.path("error").asText().contains("OutOfMemoryError"), failure.toString());
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("grower.drl"));
        }
    }

    @Test
    void should_route_as_if_unmatched_when_a_rule_sets_a_parameter_or_tag_no_request_can_hold() throws Exception {
        assertEquals(200, putRule("setter.drl", SETTER_RULE).statusCode());
        try {
            for (String agent : new String[] {"setter", "tagger"}) {
                HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", agent);
                assertEquals(200, r.statusCode(), "once a 500 for every request the rule matched: " + r.body());
            }
            HttpResponse<String> tried = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/test"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"agent\":\"setter\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build());
            assertEquals(200, tried.statusCode(), "trying the rule on a sample was a 500 too: " + tried.body());
            JsonNode failure = failureOf(SETTER_RULE_NAME);
            assertTrue(failure.path("error").asText().contains("plain value"), failure.toString());
            assertTrue(failureOf("Tags with nothing").path("error").asText().contains("got null"), rules().toString());
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("setter.drl"));
        }
    }

    @Test
    void should_name_any_rule_in_a_header_that_http_can_carry() throws Exception {
        assertEquals(200, putRule("breaker.drl", BREAKING_RULE).statusCode());
        try {
            HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "breaker");
            assertEquals(200, r.statusCode(), "once a 500 for every request the rule routed: " + r.body());
            assertEquals("gpt-4o", r.headers().firstValue("x-switchboard-model").orElse(""));
            assertEquals("Breaks%0Athe h%C3%A9ader", r.headers().firstValue("x-switchboard-rule").orElse(""));
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("breaker.drl"));
        }
    }

    @Test
    void should_route_as_if_unmatched_when_a_rule_names_a_model_or_chain_the_catalog_lacks() throws Exception {
        // The bundled rules under one's own catalog: a caller's x-switchboard-task-type: math once gave a 500.
        assertEquals(200, putRule("misrouter.drl", MISROUTING_RULES).statusCode());
        try {
            for (String agent : new String[] {"misrouter", "mischainer"}) {
                HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", agent);
                assertEquals(200, r.statusCode(), agent + ": once a 500 for every request the rule matched: " + r.body());
                assertEquals("gpt-4o-mini", r.headers().firstValue("x-switchboard-model").orElse(""), agent);
            }
            assertTrue(failureOf(MISROUTING_RULE_NAME).path("error").asText().contains("no-such-model"), rules().toString());
            assertTrue(failureOf(MISCHAINING_RULE_NAME).path("error").asText().contains("no-such-chain"), rules().toString());
        } finally {
            Files.deleteIfExists(gw.rulesDir.resolve("misrouter.drl"));
        }
    }

    private JsonNode failureOf(String rule) throws Exception {
        for (JsonNode f : rules().path("evaluationErrors")) {
            if (f.path("rule").asText().equals(rule)) {
                return f;
            }
        }
        throw new AssertionError("no evaluation error for '" + rule + "' at /admin/api/rules: " + rules());
    }

    private HttpResponse<String> putRule(String file, String drl) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/" + file))
                .PUT(HttpRequest.BodyPublishers.ofString(drl)).build());
    }

    private JsonNode rules() throws Exception {
        HttpResponse<String> r = gw.get(gw.managementUrl() + "/admin/api/rules");
        assertEquals(200, r.statusCode(), r.body());
        return Gateway.MAPPER.readTree(r.body());
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rule list as data (name, file, salience, activation group, enabled, conditions, actions, from the compiled
 * rules), and enabling, disabling and reprioritising one rule through the API: edits of its file that route the next
 * requests and leave a version.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleListTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FILE = "toggles.drl";
    private static final String FIRST = "Toggle agent goes to gpt-4o";
    private static final String SECOND = "Toggle agent may go to gpt-4o-mini";
    private static final String AGENT = "toggle-agent";
    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        gw = Gateway.start();
        Files.writeString(gw.rulesDir.resolve(FILE), """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision

                rule "%s"
                    salience 900
                    activation-group "route"
                when
                    LlmRequest(agentId == "%s")
                then
                    decision.route("gpt-4o");
                end

                rule "%s"
                    salience 800
                    activation-group "route"
                when
                    LlmRequest(agentId == "%s")
                then
                    decision.route("gpt-4o-mini");
                end
                """.formatted(FIRST, AGENT, SECOND, AGENT));
        awaitRoutedBy(FIRST);
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    @Test
    void should_list_each_rule_with_its_structured_fields() {
        JsonNode code = rule("Code questions go to the coding chain");
        assertTrue(code.path("file").asText().endsWith("routing.drl"), code.toString());
        assertEquals(80, code.path("salience").asInt(), code.toString());
        assertEquals("route", code.path("activationGroup").asText(), code.toString());
        assertTrue(code.path("enabled").asBoolean(), code.toString());
        assertEquals("LlmRequest(taskType == \"code\" || containsCode == true, model == \"\")", code.path("conditions").path(0).asText(), code.toString());
        assertEquals("decision.route(\"gpt-4.1\", \"coding\");", code.path("actions").path(0).asText(), code.toString());

        JsonNode summaries = rule("Summaries are kept factual");
        assertTrue(summaries.path("activationGroup").isNull(), "a rule that only sets and tags is in no group: " + summaries);
        assertEquals(2, summaries.path("actions").size(), summaries.toString());

        JsonNode list = rules().path("rules");
        for (int i = 1; i < list.size(); i++) {
            assertTrue(list.path(i - 1).path("salience").asInt() >= list.path(i).path("salience").asInt(), "highest salience first: " + list);
        }
    }

    @Test
    void should_disable_and_enable_a_rule_as_a_versioned_edit_that_changes_routing() throws IOException {
        HttpResponse<String> off = post(FILE, FIRST, "enabled", "{\"enabled\":false,\"comment\":\"try the small model\"}", Gateway.ADMIN_TOKEN);
        assertEquals(200, off.statusCode(), off.body());
        assertTrue(Files.readString(gw.rulesDir.resolve(FILE)).contains("enabled false"), "the edit is in the file");
        awaitRoutedBy(SECOND);
        assertFalse(rule(FIRST).path("enabled").asBoolean(), rule(FIRST).toString());
        JsonNode version = json(gw.admin("GET", "/admin/api/rules/versions?file=" + FILE, null).body()).path("data").path(0);
        assertEquals("env-admin", version.path("author").asText(), version.toString());
        assertEquals("try the small model", version.path("comment").asText(), version.toString());
        String diff = gw.admin("GET", "/admin/api/rules/versions/" + version.path("version").asInt() + "/diff", null).body();
        assertTrue(diff.contains("+    enabled false"), diff);

        assertEquals(200, post(FILE, FIRST, "enabled", "{\"enabled\":true}", Gateway.ADMIN_TOKEN).statusCode());
        awaitRoutedBy(FIRST);
        assertTrue(rule(FIRST).path("enabled").asBoolean());
    }

    @Test
    void should_reprioritise_a_rule() {
        assertEquals(200, post(FILE, SECOND, "salience", "{\"salience\":950}", Gateway.ADMIN_TOKEN).statusCode());
        awaitRoutedBy(SECOND);
        assertEquals(950, rule(SECOND).path("salience").asInt());
        assertEquals(200, post(FILE, SECOND, "salience", "{\"salience\":800}", Gateway.ADMIN_TOKEN).statusCode());
        awaitRoutedBy(FIRST);
    }

    @Test
    void should_refuse_bad_edits_with_the_param_named() throws IOException {
        HttpResponse<String> noRule = post(FILE, "No such rule", "enabled", "{\"enabled\":false}", Gateway.ADMIN_TOKEN);
        assertEquals(404, noRule.statusCode(), noRule.body());
        assertEquals("rule", json(noRule.body()).at("/error/param").asText());
        HttpResponse<String> notBoolean = post(FILE, FIRST, "enabled", "{\"enabled\":\"no\"}", Gateway.ADMIN_TOKEN);
        assertEquals(400, notBoolean.statusCode(), notBoolean.body());
        assertEquals("enabled", json(notBoolean.body()).at("/error/param").asText());
        HttpResponse<String> notNumber = post(FILE, FIRST, "salience", "{\"salience\":\"high\"}", Gateway.ADMIN_TOKEN);
        assertEquals("salience", json(notNumber.body()).at("/error/param").asText(), notNumber.body());

        HttpResponse<String> viewer = post(FILE, FIRST, "enabled", "{\"enabled\":false}", gw.createToken("viewer-lister", "viewer"));
        assertEquals(403, viewer.statusCode(), viewer.body());
        assertTrue(rule(FIRST).path("enabled").asBoolean(), "refused edits change nothing");
    }

    private HttpResponse<String> post(String file, String rule, String what, String body, String token) {
        String path = "/admin/api/rules/" + file + "/" + URLEncoder.encode(rule, StandardCharsets.UTF_8).replace("+", "%20") + "/" + what;
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private void awaitRoutedBy(String rule) {
        Await.until("routed by " + rule, WAIT, () -> gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", AGENT),
                r -> rule.equals(r.headers().firstValue("x-switchboard-rule").orElse("")));
    }

    private JsonNode rules() {
        return json(gw.admin("GET", "/admin/api/rules", null).body());
    }

    private JsonNode rule(String name) {
        for (JsonNode r : rules().path("rules")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        throw new AssertionError("no rule " + name + " in " + rules());
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

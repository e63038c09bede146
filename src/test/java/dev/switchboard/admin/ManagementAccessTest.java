package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Roles on the management API, the audit trail, and rules changed and tried through the API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementAccessTest {
    private static final String RULE = """
            package rules
            import dev.switchboard.routing.LlmRequest
            global dev.switchboard.routing.Decision decision
            rule "Testers get gpt-4o"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "tester")
            then
                decision.route("gpt-4o");
                decision.set("temperature", 0.1);
            end
            """;
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> call(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.managementUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        // No token at all is sent as a non-bearer header (the test gateway adds its admin token otherwise).
        b.header("Authorization", token == null ? "None" : "Bearer " + token);
        return gw.send(b.build());
    }

    private String token(String role) {
        return gw.createToken(role + "-user", role);
    }

    @Test
    void should_refuse_calls_without_a_known_token_and_audit_them() throws Exception {
        assertEquals(401, call("GET", "/admin/api/usage", "not-a-token", null).statusCode());
        assertEquals(200, call("GET", "/health", null, null).statusCode(), "health and metrics stay open for probes and scrapers");
        JsonNode audit = Gateway.MAPPER.readTree(call("GET", "/admin/api/audit", Gateway.ADMIN_TOKEN, null).body());
        assertTrue(audit.path("data").toString().contains("\"denied\""), audit.toString());
    }

    @Test
    void should_let_a_viewer_read_but_not_write() throws Exception {
        String viewer = token("viewer");
        assertEquals(200, call("GET", "/admin/api/usage", viewer, null).statusCode());
        HttpResponse<String> put = call("PUT", "/admin/api/rules/viewer.drl", viewer, RULE);
        assertEquals(403, put.statusCode(), put.body());
        assertEquals(403, call("POST", "/admin/api/tokens", viewer, "{\"name\":\"x\",\"role\":\"admin\"}").statusCode());
        assertEquals(403, call("GET", "/admin/api/audit", viewer, null).statusCode());
    }

    @Test
    void should_answer_404_for_a_rule_file_name_that_is_not_a_rule_file() throws Exception {
        // Once a 500 with a stack trace: NUL reached the file system, and "rules/../x" has no parent folder.
        String viewer = token("viewer");
        for (String file : new String[] {"x%00.drl", "..%2Fpom.xml", "%2e%2e%2f%2e%2e%2fpom.xml", ".%2Frouting.drl"}) {
            HttpResponse<String> r = call("GET", "/admin/api/rules/" + file, viewer, null);
            assertEquals(404, r.statusCode(), file + ": " + r.body());
            assertEquals("file", Gateway.MAPPER.readTree(r.body()).at("/error/param").asText(), file + ": " + r.body());
        }
        assertEquals(200, call("GET", "/admin/api/rules/routing.drl", viewer, null).statusCode());
    }

    @Test
    void should_answer_400_for_a_sample_whose_tags_are_not_strings() throws Exception {
        String viewer = token("viewer");
        HttpResponse<String> r = call("POST", "/admin/api/rules/test", viewer,
                "{\"tags\":[1,{\"a\":1},null],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(400, r.statusCode(), "once a 500: " + r.body());
        assertEquals("tags", Gateway.MAPPER.readTree(r.body()).at("/error/param").asText(), r.body());
        HttpResponse<String> fine = call("POST", "/admin/api/rules/test", viewer,
                "{\"tags\":[\"a\",\"b\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, fine.statusCode(), fine.body());
    }

    @Test
    void should_let_an_editor_change_rules_compiled_first_versioned_and_audited() throws Exception {
        String editor = token("editor");
        int before = Gateway.MAPPER.readTree(call("GET", "/admin/api/rules", editor, null).body()).path("generation").asInt();
        HttpResponse<String> ok = call("PUT", "/admin/api/rules/testers.drl", editor, RULE);
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(Gateway.MAPPER.readTree(ok.body()).path("generation").asInt() > before);
        assertEquals(RULE, Gateway.MAPPER.readTree(call("GET", "/admin/api/rules/testers.drl", editor, null).body()).path("content").asText());

        HttpResponse<String> broken = call("PUT", "/admin/api/rules/testers.drl", editor, RULE.replace("decision.route(\"gpt-4o\");", "decision.route(\"gpt-4o\""));
        assertEquals(400, broken.statusCode(), broken.body());
        JsonNode error = Gateway.MAPPER.readTree(broken.body());
        assertEquals("rules_invalid", error.at("/error/code").asText());
        assertTrue(error.at("/errors/0/line").asInt() > 0, "file:line of the mistake: " + broken.body());
        assertEquals(RULE, Gateway.MAPPER.readTree(call("GET", "/admin/api/rules/testers.drl", editor, null).body()).path("content").asText(),
                "a refused file is not written");

        HttpResponse<String> tried = call("POST", "/admin/api/rules/test", editor,
                "{\"agent\":\"tester\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, tried.statusCode(), tried.body());
        JsonNode decision = Gateway.MAPPER.readTree(tried.body());
        assertEquals("gpt-4o", decision.path("model").asText());
        assertEquals("Testers get gpt-4o", decision.path("rule").asText());
        assertEquals(0.1, decision.at("/parameters/temperature").asDouble(), 1e-9);
        assertEquals(0, gw.fake.countFor("gpt-4o"), "trying a rule calls no provider");

        String versions = call("GET", "/admin/api/rules-versions", editor, null).body();
        assertTrue(versions.contains("testers.drl"), versions);
        String audit = call("GET", "/admin/api/audit", Gateway.ADMIN_TOKEN, null).body();
        assertTrue(audit.contains("rules.put") && audit.contains("\"refused\"") && audit.contains("editor-user"), audit);
    }

    @Test
    void should_enforce_roles_on_every_management_endpoint() throws Exception {
        String viewer = token("viewer");
        String[][] reads = {{"GET", "/admin/api/usage"}, {"GET", "/admin/api/rules"}, {"GET", "/admin/api/rules/routing.drl"},
                {"GET", "/admin/api/providers"}, {"GET", "/admin/api/providers/status"}, {"GET", "/admin/api/agents"},
                {"GET", "/admin/api/config/export"}, {"GET", "/admin/api/config/versions"}, {"GET", "/admin/api/alerts"},
                {"GET", "/admin/api/rules-versions"}, {"GET", "/admin/api/rules/versions"}};
        String[][] writes = {{"PUT", "/admin/api/rules/x.drl"}, {"POST", "/admin/api/rules/builder"}, {"POST", "/admin/api/rules/replay"}, {"POST", "/admin/api/providers"}, {"PUT", "/admin/api/providers/openai/key"},
                {"POST", "/admin/api/agents"}, {"PUT", "/admin/api/agents/a"}, {"POST", "/admin/api/agents/a/key"},
                {"DELETE", "/admin/api/agents/a/key"}, {"POST", "/admin/api/config/import"}, {"POST", "/admin/api/config/versions/1/rollback"},
                {"POST", "/admin/api/tokens"}, {"GET", "/admin/api/audit"}, {"POST", "/admin/api/rules/versions/1/rollback"},
                {"POST", "/admin/api/rules/routing.drl/Summaries%20are%20kept%20factual/enabled"},
                {"POST", "/admin/api/rules/routing.drl/Summaries%20are%20kept%20factual/salience"}};
        for (String[] e : reads) {
            assertEquals(401, call(e[0], e[1], null, null).statusCode(), "no token: " + e[1]);
            assertEquals(200, call(e[0], e[1], viewer, null).statusCode(), "viewer reads " + e[1]);
        }
        for (String[] e : writes) {
            assertEquals(401, call(e[0], e[1], null, "{}").statusCode(), "no token: " + e[0] + " " + e[1]);
            assertEquals(403, call(e[0], e[1], viewer, "{}").statusCode(), "viewer may not " + e[0] + " " + e[1]);
        }
        String sample = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertEquals(200, call("POST", "/admin/api/rules/test", viewer, sample + "}").statusCode(), "a viewer tries the live rules");
        assertEquals(403, call("POST", "/admin/api/rules/test", viewer, sample + ",\"draft\":{\"file\":\"x.drl\",\"text\":\"\"}}").statusCode(),
                "running a draft's rule code is an editor's");
    }

    @Test
    void should_never_show_a_token_or_key_again() throws Exception {
        String created = call("POST", "/admin/api/tokens", Gateway.ADMIN_TOKEN, "{\"name\":\"ci\",\"role\":\"viewer\"}").body();
        String token = Gateway.MAPPER.readTree(created).path("token").asText();
        assertTrue(token.startsWith("sb-viewer-"));
        String audit = call("GET", "/admin/api/audit?limit=500", Gateway.ADMIN_TOKEN, null).body();
        assertFalse(audit.contains(token), "tokens are stored as hashes only");
        assertFalse(audit.contains(Gateway.PROVIDER_KEY));
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rules as data with history: an edit saved on disk and an edit through the API each become a version with who,
 * when, why and a diff; disk edits are audited; a version rolls back through the API and routes again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleHistoryTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String FILE = "history.drl";
    private static final String AGENT = "history-agent";
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private static String rule(String name, String model) {
        return rule(name, AGENT, model);
    }

    private static String rule(String name, String agent, String model) {
        return """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision
                rule "%s"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "%s")
                then
                    decision.route("%s");
                end
                """.formatted(name, agent, model);
    }

    @Test
    void should_version_audit_and_roll_back_an_edit_made_on_disk() throws Exception {
        writeOnDisk(FILE, rule("History v1", "gpt-4o"));
        JsonNode first = awaitVersion(FILE, v -> v.path("author").asText().equals("file on disk"));
        int v1 = first.path("version").asInt();
        awaitRule("History v1");

        writeOnDisk(FILE, rule("History v2", "gpt-4o-mini"));
        JsonNode second = awaitVersion(FILE, v -> v.path("version").asInt() > v1);
        int v2 = second.path("version").asInt();
        assertEquals("file on disk", second.path("author").asText(), second.toString());
        assertTrue(second.path("createdAt").isTextual(), second.toString());
        awaitRule("History v2");

        String diff = gw.admin("GET", "/admin/api/rules/versions/" + v2 + "/diff", null).body();
        assertTrue(diff.contains("-rule \"History v1\"") && diff.contains("+rule \"History v2\"")
                && diff.contains("+    decision.route(\"gpt-4o-mini\");"), diff);

        String audit = gw.admin("GET", "/admin/api/audit?limit=500", null).body();
        assertTrue(audit.contains("rules.disk-change") && audit.contains(FILE) && audit.contains("History v2"), audit);

        String viewer = gw.createToken("viewer-user", "viewer");
        assertEquals(403, call("POST", "/admin/api/rules/versions/" + v1 + "/rollback", viewer).statusCode(), "a viewer cannot roll back");
        HttpResponse<String> rolled = call("POST", "/admin/api/rules/versions/" + v1 + "/rollback?comment=v2%20was%20wrong", Gateway.ADMIN_TOKEN);
        assertEquals(200, rolled.statusCode(), rolled.body());
        assertEquals(rule("History v1", "gpt-4o"), Files.readString(gw.rulesDir.resolve(FILE)), "the old text is back on disk");
        HttpResponse<String> routed = awaitRule("History v1");
        assertEquals("gpt-4o", routed.headers().firstValue("x-switchboard-model").orElse(""));

        JsonNode rollback = awaitVersion(FILE, v -> v.path("version").asInt() > v2);
        assertEquals("env-admin", rollback.path("author").asText(), rollback.toString());
        assertEquals("rollback to version " + v1 + ": v2 was wrong", rollback.path("comment").asText(), rollback.toString());
        assertTrue(gw.admin("GET", "/admin/api/audit?limit=500", null).body().contains("rules.rollback"));
    }

    @Test
    void should_version_an_api_edit_with_its_author_and_comment() throws Exception {
        String editor = gw.createToken("editor-user", "editor");
        HttpResponse<String> put = gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/admin/api/rules/api-history.drl?comment=first%20cut"))
                .header("Authorization", "Bearer " + editor).PUT(HttpRequest.BodyPublishers.ofString(rule("API history", "api-history-agent", "gpt-4o"))).build());
        assertEquals(200, put.statusCode(), put.body());
        JsonNode version = awaitVersion("api-history.drl", v -> true);
        assertEquals("editor-user", version.path("author").asText(), version.toString());
        assertEquals("first cut", version.path("comment").asText(), version.toString());
        String diff = call("GET", "/admin/api/rules/versions/" + version.path("version").asInt() + "/diff", editor).body();
        assertTrue(diff.contains("+rule \"API history\""), diff);

        JsonNode old = json(call("GET", "/admin/api/rules-versions", editor).body());
        assertTrue(old.path("data").toString().contains("api-history.drl"), "the older path still lists versions: " + old);
        assertEquals(404, call("GET", "/admin/api/rules/versions/999999/diff", editor).statusCode());
        assertEquals(400, call("GET", "/admin/api/rules/versions/x/diff", editor).statusCode());

        Files.delete(gw.rulesDir.resolve("api-history.drl"));
        JsonNode removed = awaitVersion("api-history.drl", v -> v.path("version").asInt() > version.path("version").asInt());
        assertEquals("file on disk", removed.path("author").asText(), removed.toString());
        assertEquals("file removed", removed.path("comment").asText(), removed.toString());
        assertEquals(400, call("POST", "/admin/api/rules/versions/" + removed.path("version").asInt() + "/rollback", editor).statusCode(),
                "a removal has no text to put back");
    }

    private JsonNode awaitVersion(String file, java.util.function.Predicate<JsonNode> which) {
        return Await.until("a version of " + file, WAIT, () -> {
            for (JsonNode v : json(gw.admin("GET", "/admin/api/rules/versions?file=" + file, null).body()).path("data")) {
                return which.test(v) ? v : null; // newest first
            }
            return null;
        }, java.util.Objects::nonNull);
    }

    private HttpResponse<String> awaitRule(String name) {
        return Await.until("routed by " + name, WAIT, () -> gw.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", AGENT),
                r -> name.equals(r.headers().firstValue("x-switchboard-rule").orElse("")));
    }

    private HttpResponse<String> call(String method, String path, String token) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeOnDisk(String name, String text) throws IOException {
        Path tmp = gw.rulesDir.resolve(name + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, gw.rulesDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

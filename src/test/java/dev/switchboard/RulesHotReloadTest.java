package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rules edited on disk while the gateway serves: a file that compiles routes the next requests; a file that
 * does not is refused with file and line at the admin API while the previous rules keep serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RulesHotReloadTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String AGENT = "reload-agent";
    private static final String RULE_NAME = "Reload agent goes to gpt-4o";
    private static final String HEADER = """
            package rules

            import dev.switchboard.routing.LlmRequest

            global dev.switchboard.routing.Decision decision

            """;
    private static final String RELOAD_RULE = HEADER + """
            rule "%s"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "%s")
            then
                decision.route("gpt-4o");
            end
            """.formatted(RULE_NAME, AGENT);
    /** Line 9 is the broken constraint (lines 1-6 are the header). */
    private static final int BROKEN_LINE = 9;
    private static final String BROKEN_RULE = HEADER + """
            rule "Broken on purpose"
            when
                LlmRequest(agentId == )
            then
                decision.route("gpt-4o");
            end
            """;

    private Gateway gateway;

    @BeforeAll
    void start() {
        gateway = Gateway.start();
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void should_route_the_next_request_by_a_rule_written_to_disk() {
        if (!Files.exists(gateway.rulesDir.resolve("reload.drl"))) {
            HttpResponse<String> before = chatAsAgent();
            assertEquals(200, before.statusCode(), before.body());
            assertEquals("gpt-4o-mini", header(before, "x-switchboard-model"),
                    "without the new rule the caller's model answers");
        }

        write("reload.drl", RELOAD_RULE);

        HttpResponse<String> routed = awaitRoutedByReloadRule();
        assertEquals(200, routed.statusCode(), routed.body());
        assertEquals(RULE_NAME, header(routed, "x-switchboard-rule"));
        assertEquals("Hello from gpt-4o", content(routed), routed.body());

        HttpResponse<String> other = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "someone-else");
        assertEquals("gpt-4o-mini", header(other, "x-switchboard-model"), "the new rule routes only its own agent");
    }

    @Test
    void should_refuse_a_broken_file_and_keep_serving_the_previous_rules() {
        write("reload.drl", RELOAD_RULE);
        awaitRoutedByReloadRule();
        awaitNoRuleErrors();
        int generation = rules().path("generation").asInt();

        write("broken.drl", BROKEN_RULE);
        JsonNode refused;
        try {
            refused = Await.until("broken.drl refused at /admin/api/rules", WAIT, this::rules,
                    r -> errorsFor(r, "broken.drl").size() > 0);
            List<JsonNode> errors = errorsFor(refused, "broken.drl");
            JsonNode first = errors.get(0);
            assertTrue(first.path("line").asInt() > 0, "the error names a line: " + refused);
            assertTrue(errors.stream().anyMatch(e -> e.path("line").asInt() == BROKEN_LINE),
                    "an error points at line " + BROKEN_LINE + " of broken.drl: " + refused);
            assertTrue(first.path("message").asText().length() > 0, "the error says what is wrong: " + refused);
            assertEquals(generation, refused.path("generation").asInt(), "the refused file must not replace the serving rules");
            assertTrue(fileNames(refused).stream().noneMatch(f -> f.endsWith("broken.drl")),
                    "the serving generation does not contain the refused file: " + refused);

            JsonNode health = json(gateway.get(gateway.managementUrl() + "/health").body());
            assertEquals("UP", health.path("checks").path("rules").path("status").asText(), health.toString());
            assertTrue(health.path("checks").path("rules").path("errors").asInt() > 0, "health counts the rule errors: " + health);

            HttpResponse<String> still = chatAsAgent();
            assertEquals(200, still.statusCode(), still.body());
            assertEquals("gpt-4o", header(still, "x-switchboard-model"), "the previous rules keep routing");
            assertEquals(RULE_NAME, header(still, "x-switchboard-rule"));
        } finally {
            delete("broken.drl");
        }

        JsonNode fixed = awaitNoRuleErrors();
        assertTrue(fixed.path("generation").asInt() >= generation, fixed.toString());
        assertEquals("gpt-4o", header(chatAsAgent(), "x-switchboard-model"));

        // Last, so that everything above is checked even while this fails: the reported file is the one on disk.
        String brokenFile = gateway.rulesDir.resolve("broken.drl").toString();
        assertTrue(errorsFor(refused, "broken.drl").stream().allMatch(e -> e.path("file").asText().equals(brokenFile)),
                "the error names the file as it is on disk (" + brokenFile + "), so the user can open it: " + refused);
    }

    @Test
    void should_show_generation_and_files_at_the_admin_api() {
        JsonNode before = awaitNoRuleErrors();
        assertEquals(gateway.rulesDir.toString(), before.path("folder").asText(), before.toString());
        int generation = before.path("generation").asInt();
        assertTrue(generation >= 1, "rules are serving from the start: " + before);
        assertTrue(fileNames(before).stream().anyMatch(f -> f.endsWith("routing.drl")), before.toString());
        assertTrue(before.path("builtAt").isTextual(), before.toString());

        String extra = HEADER + """
                rule "Tag everything for the admin test"
                when
                    LlmRequest()
                then
                    decision.tag("admin-test");
                end
                """;
        write("extra.drl", extra);
        try {
            JsonNode after = Await.until("a new generation with extra.drl", WAIT, this::rules,
                    r -> fileNames(r).stream().anyMatch(f -> f.endsWith("extra.drl")));
            assertTrue(after.path("generation").asInt() > generation, "a reload is a new generation: " + after);
            assertTrue(fileNames(after).stream().anyMatch(f -> f.endsWith("routing.drl")), after.toString());
            assertEquals(0, after.path("lastErrors").size(), after.toString());
        } finally {
            delete("extra.drl");
        }
        Await.until("extra.drl gone from the serving files", WAIT, this::rules,
                r -> fileNames(r).stream().noneMatch(f -> f.endsWith("extra.drl")));
    }

    private HttpResponse<String> awaitRoutedByReloadRule() {
        return Await.until("requests of " + AGENT + " routed to gpt-4o by the reloaded rule", WAIT, this::chatAsAgent,
                r -> r.statusCode() == 200 && "gpt-4o".equals(header(r, "x-switchboard-model"))
                        && RULE_NAME.equals(header(r, "x-switchboard-rule")));
    }

    private JsonNode awaitNoRuleErrors() {
        return Await.until("no rule errors at /admin/api/rules", WAIT, this::rules, r -> r.path("lastErrors").isEmpty());
    }

    private HttpResponse<String> chatAsAgent() {
        return gateway.postChat(Gateway.chatBody("gpt-4o-mini", "which model answers me?"), "x-switchboard-agent", AGENT);
    }

    private JsonNode rules() {
        HttpResponse<String> r = gateway.get(gateway.managementUrl() + "/admin/api/rules");
        assertEquals(200, r.statusCode(), r.body());
        return json(r.body());
    }

    private static List<JsonNode> errorsFor(JsonNode rules, String fileName) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode e : rules.path("lastErrors")) {
            if (e.path("file").asText().endsWith(fileName)) {
                found.add(e);
            }
        }
        return found;
    }

    private static List<String> fileNames(JsonNode rules) {
        List<String> names = new ArrayList<>();
        rules.path("files").forEach(f -> names.add(f.asText()));
        return names;
    }

    private static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse("");
    }

    private static String content(HttpResponse<String> r) {
        return json(r.body()).path("choices").path(0).path("message").path("content").asText();
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** Writes a rule file whole (write aside, then rename), as an editor's atomic save does. */
    private void write(String name, String drl) {
        try {
            Path tmp = gateway.rulesDir.resolve(name + ".tmp");
            Files.writeString(tmp, drl, StandardCharsets.UTF_8);
            Files.move(tmp, gateway.rulesDir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void delete(String name) {
        try {
            Files.deleteIfExists(gateway.rulesDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

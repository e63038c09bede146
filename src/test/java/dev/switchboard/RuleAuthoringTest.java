package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Authoring rules as data and checking them against the catalog: the builder writes DRL that compiles and routes,
 * refuses what it cannot write with the part named; a hand-written rule naming a model the catalog lacks is refused
 * at PUT with file:line; and a decision naming a model that does not exist routes as if its rule had not matched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleAuthoringTest {
    private static final String HEADER = """
            package rules

            import dev.switchboard.routing.LlmRequest

            global dev.switchboard.routing.Decision decision

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
    void should_write_a_builder_rule_as_drl_that_compiles_and_routes() {
        String name = "Builder: VIP premium callers get gpt-4o";
        HttpResponse<String> built = admin("POST", "/admin/api/rules/builder", """
                {"name": "%s", "file": "vip",
                 "conditions": [{"fact": "LlmRequest", "field": "tags", "op": "contains", "value": "vip"},
                                {"fact": "LlmRequest", "field": "userTier", "op": "in", "value": ["premium", "enterprise"]}],
                 "model": "gpt-4o", "parameters": {"temperature": 0.3}, "tags": ["builder-vip"],
                 "priority": 900, "active": true, "comment": "VIP callers get the strong model"}""".formatted(name));
        assertEquals(200, built.statusCode(), built.body());
        JsonNode answer = json(built.body());
        assertEquals("vip.drl", answer.path("file").asText(), built.body());
        assertTrue(answer.path("generation").asInt() > 0, built.body());

        String drl = json(admin("GET", "/admin/api/rules/vip.drl", null).body()).path("content").asText();
        assertTrue(drl.contains("""
                // VIP callers get the strong model
                rule "%s"
                    salience 900
                    activation-group "route"
                when
                    LlmRequest(tags contains "vip", userTier in ("premium", "enterprise"))
                then
                    decision.route("gpt-4o");
                    decision.set("temperature", 0.3);
                    decision.tag("builder-vip");
                end
                """.formatted(name)), drl);

        HttpResponse<String> routed = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hello"),
                "x-switchboard-tags", "vip", "x-switchboard-user-tier", "premium");
        assertEquals(200, routed.statusCode(), routed.body());
        assertEquals(name, routed.headers().firstValue("x-switchboard-rule").orElse(null));
        assertEquals("gpt-4o", routed.headers().firstValue("x-switchboard-model").orElse(null));
        HttpResponse<String> other = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hello"), "x-switchboard-tags", "vip");
        assertEquals("gpt-4o-mini", other.headers().firstValue("x-switchboard-model").orElse(null), "a standard-tier caller is not matched");

        // Posting a rule of the same name replaces it in its file.
        HttpResponse<String> again = admin("POST", "/admin/api/rules/builder", """
                {"name": "%s", "file": "vip.drl", "conditions": [{"fact": "LlmRequest", "field": "tags", "op": "contains", "value": "vip"}],
                 "model": "gpt-4o", "priority": 900, "active": false}""".formatted(name));
        assertEquals(200, again.statusCode(), again.body());
        String replaced = json(again.body()).path("content").asText();
        String start = "rule \"" + name + "\"";
        assertEquals(replaced.indexOf(start), replaced.lastIndexOf(start), "the rule is there once: " + replaced);
        assertTrue(replaced.contains("enabled false"), replaced);
        HttpResponse<String> inactive = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hello"),
                "x-switchboard-tags", "vip", "x-switchboard-user-tier", "premium");
        assertEquals("gpt-4o-mini", inactive.headers().firstValue("x-switchboard-model").orElse(null), "an inactive rule does not route");
    }

    @Test
    void should_refuse_a_builder_rule_naming_the_part_that_is_wrong() {
        String[][] cases = {
                {"model", "{\"name\": \"r\", \"model\": \"gpt-5x\"}", "gpt-5x"},
                {"chain", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"chain\": \"no-such-chain\"}", "no-such-chain"},
                {"parameters.template", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"parameters\": {\"template\": \"nope\"}}", "nope"},
                {"conditions[1].field", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", "
                        + "\"field\": \"taskType\", \"op\": \"==\", \"value\": \"code\"}, {\"fact\": \"LlmRequest\", \"field\": \"colour\", "
                        + "\"op\": \"==\", \"value\": \"red\"}]}", "colour"},
                {"conditions[0].fact", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"System\", \"field\": \"x\", "
                        + "\"op\": \"==\", \"value\": 1}]}", "System"},
                {"conditions[0].op", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", \"field\": "
                        + "\"stream\", \"op\": \">\", \"value\": true}]}", ">"},
                {"conditions[0].value", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", \"field\": "
                        + "\"estimatedTokens\", \"op\": \">\", \"value\": \"lots\"}]}", "whole number"},
                {"conditions[0].value[1]", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", \"field\": "
                        + "\"taskType\", \"op\": \"in\", \"value\": [\"code\", \"cooking\"]}]}", "cooking"},
                {"conditions[0].value", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", \"field\": "
                        + "\"agentId\", \"op\": \"==\", \"value\": \"a\\\"); System.exit(1); (\\\"\\n\"}]}", "U+000A"},
                {"conditions[0].value", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"LlmRequest\", \"field\": "
                        + "\"agentId\", \"op\": \"==\", \"value\": \"a\\\\u0022\"}]}", "\\u"},
                {"conditions[0].value", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"fact\": \"ProviderStatus\", \"field\": "
                        + "\"provider\", \"op\": \"==\", \"value\": \"opnai\"}]}", "opnai"},
                {"name", "{\"name\": \"say \\\"hi\\\"\", \"model\": \"gpt-4o\"}", "name"},
                {"priority", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"priority\": \"high\"}", "priority"},
                {"salience", "{\"name\": \"r\", \"model\": \"gpt-4o\", \"salience\": 5}", "salience"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = admin("POST", "/admin/api/rules/builder", c[1]);
            assertEquals(400, r.statusCode(), c[1] + " -> " + r.body());
            JsonNode error = json(r.body()).path("error");
            assertEquals(c[0], error.path("param").asText(), r.body());
            assertTrue(error.path("message").asText().contains(c[2]), "the message says what is wrong: " + r.body());
        }
        assertFalse(admin("GET", "/admin/api/rules/builder.drl", null).body().contains("rule \\\"r\\\""), "nothing refused is written");
    }

    @Test
    void should_escape_quotes_and_backslashes_in_values_so_they_match_exactly() {
        String agent = "qa \"quoted\" \\ agent";
        ObjectNode rule = Gateway.MAPPER.createObjectNode().put("name", "Builder: the quoted agent").put("model", "gpt-4o").put("priority", 800);
        rule.putArray("conditions").addObject().put("fact", "LlmRequest").put("field", "agentId").put("op", "==").put("value", agent);
        HttpResponse<String> dry = admin("POST", "/admin/api/rules/builder?dryRun=true", rule.toString());
        assertEquals(200, dry.statusCode(), dry.body());
        assertTrue(json(dry.body()).path("drl").asText().contains("LlmRequest(agentId == \"qa \\\"quoted\\\" \\\\ agent\")"), dry.body());
        assertFalse(Files.exists(gateway.rulesDir.resolve("builder.drl")), "a dry run writes nothing");

        assertEquals(200, admin("POST", "/admin/api/rules/builder", rule.toString()).statusCode());
        ObjectNode sample = Gateway.MAPPER.createObjectNode().put("agent", agent);
        sample.putArray("messages").addObject().put("role", "user").put("content", "hi");
        JsonNode decision = json(admin("POST", "/admin/api/rules/test", sample.toString()).body());
        assertEquals("Builder: the quoted agent", decision.path("rule").asText(), decision.toString());
        assertEquals("gpt-4o", decision.path("model").asText(), decision.toString());

        HttpResponse<String> piece = admin("POST", "/admin/api/rules/builder", """
                {"name": "Builder: agents with a piece of text", "file": "pieces", "model": "gpt-4o", "priority": 790,
                 "conditions": [{"fact": "LlmRequest", "field": "agentId", "op": "contains", "value": "piece-of"}]}""");
        assertEquals(200, piece.statusCode(), "'contains' on a text field compiles: " + piece.body());
        JsonNode byPiece = json(admin("POST", "/admin/api/rules/test", sample("a-piece-of-agent").toString()).body());
        assertEquals("Builder: agents with a piece of text", byPiece.path("rule").asText(), byPiece.toString());

        HttpResponse<String> status = admin("POST", "/admin/api/rules/builder", """
                {"name": "Builder: status agents while openai is healthy", "file": "status", "model": "gpt-4o", "priority": 780,
                 "conditions": [{"fact": "LlmRequest", "field": "agentId", "op": "==", "value": "status-agent"},
                                {"fact": "ProviderStatus", "field": "provider", "op": "==", "value": "openai"},
                                {"fact": "ProviderStatus", "field": "healthy", "op": "==", "value": true}]}""");
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(json(status.body()).path("content").asText().contains("import dev.switchboard.routing.ProviderStatus"), status.body());
        JsonNode byStatus = json(admin("POST", "/admin/api/rules/test", sample("status-agent").toString()).body());
        assertEquals("Builder: status agents while openai is healthy", byStatus.path("rule").asText(), byStatus.toString());
    }

    @Test
    void should_write_a_builder_rule_over_model_stats() {
        HttpResponse<String> built = admin("POST", "/admin/api/rules/builder", """
                {"name": "Builder: code goes to gpt-4o while it scores well", "file": "stats", "model": "gpt-4o", "priority": 770,
                 "conditions": [{"fact": "LlmRequest", "field": "taskType", "op": "==", "value": "code"},
                                {"fact": "ModelStats", "field": "model", "op": "==", "value": "gpt-4o"},
                                {"fact": "ModelStats", "field": "samples", "op": ">=", "value": 50},
                                {"fact": "ModelStats", "field": "qualityScore", "op": ">=", "value": 0.8}]}""");

        assertEquals(200, built.statusCode(), built.body());
        String drl = json(built.body()).path("content").asText();
        assertTrue(drl.contains("import dev.switchboard.routing.ModelStats"), drl);
        assertTrue(drl.contains("qualityScore >= 0.8"), drl);
        HttpResponse<String> unknownField = admin("POST", "/admin/api/rules/builder?dryRun=true", """
                {"name": "r", "model": "gpt-4o", "conditions": [{"fact": "ModelStats", "field": "qualitty", "op": ">=", "value": 1}]}""");
        assertEquals(400, unknownField.statusCode(), unknownField.body());
        assertEquals("conditions[0].field", json(unknownField.body()).path("error").path("param").asText(), unknownField.body());
    }

    @Test
    void should_refuse_a_hand_written_rule_naming_an_unknown_model_with_file_and_line() throws IOException {
        String typo = HEADER + """
                rule "Typo in the model"
                    activation-group "route"
                when
                    LlmRequest(agentId == "typo-agent")
                then
                    decision.route("gpt-5x", "rescue");
                end
                """;
        HttpResponse<String> put = admin("PUT", "/admin/api/rules/typo.drl", typo);
        assertEquals(400, put.statusCode(), put.body());
        String message = json(put.body()).path("error").path("message").asText();
        assertTrue(message.contains("typo.drl:12"), "file:line of the route call: " + message);
        assertTrue(message.contains("model 'gpt-5x' is not in the catalog; known: ["), message);
        assertTrue(message.contains("gpt-4o-mini"), "the known models are listed: " + message);
        assertFalse(Files.exists(gateway.rulesDir.resolve("typo.drl")), "a refused file is not written");

        HttpResponse<String> badChain = admin("PUT", "/admin/api/rules/typo.drl", typo.replace("gpt-5x", "gpt-4o").replace("rescue", "resuce"));
        assertEquals(400, badChain.statusCode(), badChain.body());
        assertTrue(badChain.body().contains("chain 'resuce' is not in the catalog"), badChain.body());

        // The same file saved on disk is refused by the hot reload, with file and line at GET /admin/api/rules.
        Path onDisk = gateway.rulesDir.resolve("typo.drl");
        try {
            Files.writeString(onDisk, typo);
            JsonNode refused = Await.until("typo.drl refused", Gateway.TIMEOUT, () -> json(admin("GET", "/admin/api/rules", null).body()),
                    r -> r.path("lastErrors").toString().contains("typo.drl"));
            JsonNode error = refused.path("lastErrors").get(0);
            assertEquals(onDisk.toString(), error.path("file").asText(), refused.toString());
            assertEquals(12, error.path("line").asInt(), refused.toString());
            assertTrue(error.path("message").asText().contains("model 'gpt-5x' is not in the catalog"), refused.toString());
        } finally {
            Files.deleteIfExists(onDisk);
        }
        Await.until("typo.drl gone", Gateway.TIMEOUT, () -> json(admin("GET", "/admin/api/rules", null).body()),
                r -> r.path("lastErrors").isEmpty());
    }

    @Test
    void should_route_as_if_a_rule_had_not_matched_when_its_model_does_not_exist() {
        // The model is computed, so only the decision can be checked: the rule below it in the group routes instead.
        String computed = HEADER + """
                rule "Routes to a model named after the agent"
                    salience 500
                    activation-group "route"
                when
                    LlmRequest(agentId == "ghost-model", $agent : agentId)
                then
                    decision.route($agent);
                end

                rule "Ghost agents otherwise go to gpt-4o"
                    salience 400
                    activation-group "route"
                when
                    LlmRequest(agentId == "ghost-model")
                then
                    decision.route("gpt-4o");
                end
                """;
        HttpResponse<String> put = admin("PUT", "/admin/api/rules/ghost.drl", computed);
        assertEquals(200, put.statusCode(), put.body());

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "ghost-model");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Ghost agents otherwise go to gpt-4o", r.headers().firstValue("x-switchboard-rule").orElse(null));
            assertEquals("gpt-4o", r.headers().firstValue("x-switchboard-model").orElse(null));
        }
        JsonNode rules = json(admin("GET", "/admin/api/rules", null).body());
        JsonNode failed = null;
        for (JsonNode f : rules.path("evaluationErrors")) {
            failed = f.path("rule").asText().equals("Routes to a model named after the agent") ? f : failed;
        }
        assertTrue(failed != null && failed.path("count").asInt() >= 2, "the rule is reported with a count: " + rules);
        assertTrue(failed.path("error").asText().contains("model 'ghost-model' is not in the catalog"), rules.toString());
    }

    @Test
    void should_answer_the_live_and_the_draft_decision_side_by_side() {
        String ruleText = HEADER + """
                rule "Draft: the draft agent goes to gpt-4o"
                    salience 700
                    activation-group "route"
                when
                    LlmRequest(agentId == "draft-agent")
                then
                    decision.route("gpt-4o");
                end
                """;
        ObjectNode byFile = sample("draft-agent");
        byFile.putObject("draft").put("file", "draft.drl").put("text", ruleText);
        ObjectNode byRule = sample("draft-agent");
        byRule.set("draftRule", json("""
                {"name": "Draft: the draft agent goes to gpt-4o", "file": "draft", "priority": 700, "model": "gpt-4o",
                 "conditions": [{"fact": "LlmRequest", "field": "agentId", "op": "==", "value": "draft-agent"}]}"""));
        for (ObjectNode body : new ObjectNode[] {byFile, byRule}) {
            HttpResponse<String> r = admin("POST", "/admin/api/rules/test", body.toString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode both = json(r.body());
            assertEquals("gpt-4o-mini", both.path("live").path("model").asText(), r.body());
            assertTrue(both.path("live").path("rule").isNull(), r.body());
            assertEquals("gpt-4o", both.path("draft").path("model").asText(), r.body());
            assertEquals("Draft: the draft agent goes to gpt-4o", both.path("draft").path("rule").asText(), r.body());
            assertTrue(both.path("changed").asBoolean(), r.body());
        }
        assertEquals(404, admin("GET", "/admin/api/rules/draft.drl", null).statusCode(), "a draft is never saved");
        HttpResponse<String> served = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", "draft-agent");
        assertEquals("gpt-4o-mini", served.headers().firstValue("x-switchboard-model").orElse(null), "nor served");

        ObjectNode broken = sample("draft-agent");
        broken.putObject("draft").put("file", "draft.drl").put("text", ruleText.replace("decision.route(\"gpt-4o\");", "decision.route(\"gpt-5x\");"));
        HttpResponse<String> refused = admin("POST", "/admin/api/rules/test", broken.toString());
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(json(refused.body()).path("error").path("message").asText().contains("draft.drl:13"), refused.body());
        ObjectNode badRule = sample("draft-agent");
        badRule.set("draftRule", json("{\"name\": \"r\", \"model\": \"gpt-4o\", \"conditions\": [{\"field\": \"nope\", \"op\": \"==\", \"value\": 1}]}"));
        HttpResponse<String> badPart = admin("POST", "/admin/api/rules/test", badRule.toString());
        assertEquals(400, badPart.statusCode(), badPart.body());
        assertEquals("draftRule.conditions[0].field", json(badPart.body()).path("error").path("param").asText(), badPart.body());
    }

    @Test
    void should_replay_recorded_requests_through_a_draft_and_count_what_changes() {
        java.util.List<String> ids = new java.util.ArrayList<>();
        String[] agents = {"replay-agent", "replay-other", "replay-agent", "replay-other", "replay-agent"};
        for (String agent : agents) {
            // The agent's requests are translations: the usage row keeps the task type, and the draft routes by it.
            HttpResponse<String> r = gateway.postChat(Gateway.chatBody("gpt-4o-mini", "hi"), "x-switchboard-agent", agent,
                    "x-switchboard-task-type", agent.equals("replay-agent") ? "translation" : "chat");
            assertEquals(200, r.statusCode(), r.body());
            ids.add(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        }
        double expectedDifference = 0;
        for (int i = 0; i < ids.size(); i++) {
            JsonNode row = gateway.usageRow(ids.get(i));
            if (agents[i].equals("replay-agent")) {
                // gpt-4o costs 2.50 / 10.00 per million tokens, gpt-4o-mini 0.15 / 0.60 (test catalog)
                expectedDifference += (row.path("prompt_tokens").asInt() * (2.50 - 0.15) + row.path("completion_tokens").asInt() * (10.00 - 0.60)) / 1e6;
            }
        }
        assertTrue(expectedDifference > 0, "the rows carry tokens");

        HttpResponse<String> r = admin("POST", "/admin/api/rules/replay", """
                {"last": 5, "draftRule": {"name": "Replayed translations go to gpt-4o", "file": "replay-draft", "model": "gpt-4o", "priority": 700,
                 "conditions": [{"fact": "LlmRequest", "field": "taskType", "op": "==", "value": "translation"}]}}""");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode replay = json(r.body());
        assertEquals(5, replay.path("replayed").asInt(), r.body());
        assertEquals(3, replay.path("changed").asInt(), r.body());
        assertEquals(json("{\"gpt-4o-mini -> gpt-4o\": 3}"), replay.path("moves"), r.body());
        assertEquals(json("{\"gpt-4o-mini\": 5}"), replay.path("live").path("models"), r.body());
        assertEquals(json("{\"gpt-4o\": 3, \"gpt-4o-mini\": 2}"), replay.path("draft").path("models"), r.body());
        assertEquals(expectedDifference, replay.path("costDifferenceUsd").asDouble(), 1e-12, r.body());
        assertEquals(404, admin("GET", "/admin/api/rules/replay-draft.drl", null).statusCode(), "a replayed draft is never saved");

        HttpResponse<String> tooMany = admin("POST", "/admin/api/rules/replay", "{\"last\": 10001, \"draft\": {\"file\": \"x.drl\", \"text\": \"\"}}");
        assertEquals(400, tooMany.statusCode(), tooMany.body());
        assertEquals("last", json(tooMany.body()).path("error").path("param").asText(), tooMany.body());
    }

    @Test
    void should_build_and_try_the_worked_example_of_the_rules_readme() throws IOException {
        String readme = Files.readString(Path.of("rules/README.md"));
        int example = readme.indexOf("<!-- worked example: checked by RuleAuthoringTest -->");
        assertTrue(example >= 0, "the README has its worked example");
        String rule = block(readme, readme.indexOf("```json", example));
        String drl = block(readme, readme.indexOf("```\n", readme.indexOf("```\n", readme.indexOf("```json", example)) + 4));

        HttpResponse<String> dry = admin("POST", "/admin/api/rules/builder?dryRun=true", rule);
        assertEquals(200, dry.statusCode(), dry.body());
        assertEquals(drl, json(dry.body()).path("drl").asText(), "the README shows the DRL the builder writes");
        assertEquals("translations.drl", json(dry.body()).path("file").asText(), dry.body());

        ObjectNode tried = Gateway.MAPPER.createObjectNode().put("taskType", "translation");
        tried.putArray("messages").addObject().put("role", "user").put("content", "Bonjour");
        tried.set("draftRule", json(rule));
        JsonNode both = json(admin("POST", "/admin/api/rules/test", tried.toString()).body());
        assertEquals("gpt-4o-mini", both.path("live").path("model").asText(), both.toString());
        assertEquals("gpt-4o", both.path("draft").path("model").asText(), both.toString());
        assertEquals("Translations go to gpt-4o", both.path("draft").path("rule").asText(), both.toString());
        assertEquals(0.1, both.path("draft").path("parameters").path("temperature").asDouble(), both.toString());
    }

    /** The text of the fenced block opening at {@code fence}. */
    private static String block(String text, int fence) {
        int start = text.indexOf('\n', fence) + 1;
        return text.substring(start, text.indexOf("```", start));
    }

    private static ObjectNode sample(String agent) {
        ObjectNode sample = Gateway.MAPPER.createObjectNode().put("agent", agent);
        sample.putArray("messages").addObject().put("role", "user").put("content", "hi");
        return sample;
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return gateway.send(HttpRequest.newBuilder(URI.create(gateway.managementUrl() + path)).timeout(Gateway.TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

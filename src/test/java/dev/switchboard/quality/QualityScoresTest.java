package dev.switchboard.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.recording.LatencyBuckets;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Quality scores from feedback and checks, per model and task type: the figures of GET /admin/api/analytics/quality
 * over a small known history, and a rule that routes by them (ModelStats facts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the routing test adds to the history the others check: it goes last
class QualityScoresTest {
    private static final double EPSILON = 1e-9;
    private static final String RULE = """
            package rules
            import dev.switchboard.routing.LlmRequest
            import dev.switchboard.routing.ModelStats
            global dev.switchboard.routing.Decision decision

            rule "Code goes to a model rated well for code"
                salience 500
                activation-group "route"
            when
                LlmRequest(taskType == "code", model == "")
                $stats : ModelStats(taskType == "code", samples >= 2, qualityScore >= 0.8)
            then
                decision.route($stats.getModel());
            end
            """;

    private Gateway gw;
    private String key;
    /** Usage rows of the history, per served model and task type ("gpt-4o/code"). */
    private final Map<String, List<JsonNode>> rows = new java.util.HashMap<>();

    @BeforeAll
    void start() throws Exception {
        gw = Gateway.start(Map.of("SWITCHBOARD_QUALITY_REFRESH_MS", "200"));
        HttpResponse<String> agent = gw.admin("POST", "/admin/api/agents", "{\"id\":\"rater\"}");
        assertEquals(201, agent.statusCode(), agent.body());
        key = Gateway.MAPPER.readTree(agent.body()).path("key").asText();
        seedHistory();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    /**
     * gpt-4o on code: two clean answers rated thumbs 1 and 4 stars (scores 1 and 0.75). gpt-4o-mini on code: one clean
     * unrated answer (1) and one empty (0). gpt-4o-mini on chat: one clean answer rated -1 (0).
     */
    private void seedHistory() {
        rate(ask("gpt-4o", "code"), "{\"score\":1}");
        rate(ask("gpt-4o", "code"), "{\"score\":4}");
        ask("gpt-4o-mini", "code");
        gw.fake.script("gpt-4o-mini", "{\"role\":\"assistant\",\"content\":\"\"}", "stop");
        ask("gpt-4o-mini", "code");
        rate(ask("gpt-4o-mini", "chat"), "{\"score\":-1}");
    }

    private String ask(String model, String taskType) {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody(model, "hello"), "Authorization", "Bearer " + key,
                "x-switchboard-task-type", taskType);
        assertEquals(200, r.statusCode(), r.body());
        String id = r.headers().firstValue("x-switchboard-request-id").orElseThrow();
        rows.computeIfAbsent(model + "/" + taskType, m -> new ArrayList<>()).add(gw.usageRow(id));
        return id;
    }

    private void rate(String requestId, String feedback) {
        HttpResponse<String> r = gw.post("/feedback", "{\"request_id\":\"" + requestId + "\"," + feedback.substring(1), "Authorization", "Bearer " + key);
        assertEquals(201, r.statusCode(), r.body());
    }

    /** The scores once the snapshot has caught up with the whole history. */
    private Map<String, JsonNode> scores() {
        JsonNode body = Await.until("quality scores of the history", Gateway.TIMEOUT, () -> {
            try {
                return Gateway.MAPPER.readTree(gw.admin("GET", "/admin/api/analytics/quality", null).body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, b -> {
            Map<String, JsonNode> byKey = byKey(b);
            return byKey.containsKey("gpt-4o/code") && byKey.get("gpt-4o/code").path("rated").asLong() == 2
                    && byKey.containsKey("gpt-4o-mini/code") && byKey.get("gpt-4o-mini/code").path("samples").asLong() == 2
                    && byKey.containsKey("gpt-4o-mini/chat") && byKey.get("gpt-4o-mini/chat").path("rated").asLong() == 1;
        });
        return byKey(body);
    }

    private static Map<String, JsonNode> byKey(JsonNode body) {
        Map<String, JsonNode> m = new java.util.HashMap<>();
        body.path("data").forEach(r -> m.put(r.path("model").asText() + "/" + r.path("task_type").asText(), r));
        return m;
    }

    @Test
    @Order(1)
    void should_score_each_model_and_task_type_from_feedback_and_checks() {
        Map<String, JsonNode> s = scores();

        JsonNode big = s.get("gpt-4o/code");
        assertEquals(2, big.path("samples").asLong(), big.toString());
        assertEquals(0.875, big.path("quality_score").asDouble(), EPSILON, big.toString());
        assertEquals(0.75, big.path("feedback_mean").asDouble(), EPSILON, big.toString());
        assertEquals(0, big.path("flagged").asLong(), big.toString());
        JsonNode smallCode = s.get("gpt-4o-mini/code");
        assertEquals(0.5, smallCode.path("quality_score").asDouble(), EPSILON, smallCode.toString());
        assertEquals(0, smallCode.path("rated").asLong(), smallCode.toString());
        assertEquals(1, smallCode.path("flagged").asLong(), smallCode.toString());
        assertEquals(1, smallCode.at("/flags/empty").asLong(), smallCode.toString());
        JsonNode smallChat = s.get("gpt-4o-mini/chat");
        assertEquals(1, smallChat.path("samples").asLong(), smallChat.toString());
        assertEquals(0.0, smallChat.path("quality_score").asDouble(), EPSILON, smallChat.toString());
        assertEquals(-1.0, smallChat.path("feedback_mean").asDouble(), EPSILON, smallChat.toString());
    }

    @Test
    @Order(2)
    void should_report_latency_cost_and_errors_per_model_and_task_type_from_the_rollups() {
        for (String key : List.of("gpt-4o/code", "gpt-4o-mini/code", "gpt-4o-mini/chat")) {
            List<JsonNode> served = rows.get(key);
            long[] histogram = new long[LatencyBuckets.COUNT];
            served.forEach(r -> histogram[LatencyBuckets.index(r.path("latency_ms").asLong())]++);
            double cost = served.stream().mapToDouble(r -> r.path("cost_usd").asDouble()).sum();
            double tokens = served.stream().mapToDouble(r -> r.path("total_tokens").asDouble()).sum();
            // the rollups take the rows a moment after the rows themselves: wait until the scores count them all
            JsonNode row = Await.until("usage figures of " + key, Gateway.TIMEOUT, () -> scores().get(key),
                    r -> r.path("requests").asLong() == served.size());
            assertEquals(LatencyBuckets.quantile(histogram, 0.95), row.path("latency_p95_ms").asLong(), "interpolated in its bucket: " + row);
            assertEquals(cost * 1000 / tokens, row.path("cost_per_1k_tokens_usd").asDouble(), EPSILON, row.toString());
            assertEquals(0.0, row.path("error_rate_percent").asDouble(), row.toString());
        }
    }

    @Test
    @Order(2)
    void should_show_the_scores_to_viewers_and_nobody_without_a_token() throws Exception {
        String viewer = gw.createToken("dashboard", "viewer");
        URI quality = URI.create(gw.managementUrl() + "/admin/api/analytics/quality");

        HttpResponse<String> seen = gw.send(HttpRequest.newBuilder(quality).header("Authorization", "Bearer " + viewer).GET().build());
        HttpResponse<String> refused = gw.send(HttpRequest.newBuilder(quality).header("Authorization", "Bearer not-a-token").GET().build());

        assertEquals(200, seen.statusCode(), seen.body());
        assertEquals("quality", Gateway.MAPPER.readTree(seen.body()).path("object").asText());
        assertEquals(401, refused.statusCode(), refused.body());
    }

    @Test
    @Order(3)
    void should_route_by_a_rule_that_reads_model_stats() throws Exception {
        scores();
        HttpResponse<String> put = gw.admin("PUT", "/admin/api/rules/quality.drl", Gateway.MAPPER.createObjectNode().put("content", RULE).toString());
        assertEquals(200, put.statusCode(), put.body());

        HttpResponse<String> code = gw.postChat("{\"messages\":[{\"role\":\"user\",\"content\":\"fix my loop\"}]}",
                "Authorization", "Bearer " + key, "x-switchboard-task-type", "code");
        HttpResponse<String> other = gw.postChat("{\"messages\":[{\"role\":\"user\",\"content\":\"pull the dates out\"}]}",
                "Authorization", "Bearer " + key, "x-switchboard-task-type", "extraction");

        assertEquals(200, code.statusCode(), code.body());
        assertEquals("Code goes to a model rated well for code", code.headers().firstValue("x-switchboard-rule").orElse(""));
        assertEquals("gpt-4o", code.headers().firstValue("x-switchboard-model").orElse(""),
                "the model scored 0.875 on code, not the one scored 0.5");
        assertEquals(200, other.statusCode(), other.body());
        assertNotEquals("Code goes to a model rated well for code", other.headers().firstValue("x-switchboard-rule").orElse(""));
        assertEquals("gpt-4o-mini", other.headers().firstValue("x-switchboard-model").orElse(""), "no stats for extraction: the default");
    }
}

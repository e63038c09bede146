package dev.switchboard.recommend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.recording.Attempt;
import dev.switchboard.recording.UsageRecord;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Optimisation recommendations over real HTTP against a seeded history: usage rows written through the real usage
 * writer (so the rollups are the writer's), quality checks inserted into the gateway's database. Each kind is found
 * with its evidence, thin evidence finds nothing, a cost recommendation is previewed, applied as a versioned and
 * audited rule that routes the next request, and rolled back; a chain is reordered through the catalog.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // applying changes routing: the routing tests go last
class RecommendationsTest {
    private static final double EPSILON = 1e-9;
    /** The catalog's prices (USD per million tokens) of the two models compared. */
    private static final double[] GPT_4O = {2.5, 10};
    private static final double[] GPT_4O_MINI = {0.15, 0.60};
    private static final int SUPPORT_ROWS = 150;
    private static final int PROMPT = 1000;
    private static final int COMPLETION = 200;

    private Gateway gw;
    private String supportKey;
    private final Set<String> supportSummaries = new HashSet<>();
    private int seq;

    @BeforeAll
    void start() throws Exception {
        gw = Gateway.start(Map.of("SWITCHBOARD_QUALITY_REFRESH_MS", "500"));
        supportKey = Gateway.MAPPER.readTree(agent("{\"id\":\"support\"}").body()).path("key").asText();
        agent("{\"id\":\"thin\"}");
        agent("{\"id\":\"spender\",\"monthlyBudgetUsd\":1}");
        // gpt-4o-mini gets a default max_tokens far above what its answers use (at most 300 tokens)
        HttpResponse<String> model = gw.admin("PUT", "/admin/api/catalog/models/gpt-4o-mini", "{\"provider\":\"openai\",\"contextWindow\":128000,"
                + "\"price\":{\"input\":0.15,\"output\":0.60},\"capabilities\":[\"chat\",\"tools\"],\"defaults\":{\"max_tokens\":4096}}");
        assertEquals(200, model.statusCode(), model.body());
        seed();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    private HttpResponse<String> agent(String json) {
        HttpResponse<String> r = gw.admin("POST", "/admin/api/agents", json);
        assertEquals(201, r.statusCode(), r.body());
        return r;
    }

    /**
     * Support's summaries: 150 on gpt-4o. Both gpt-4o and gpt-4o-mini scored 1.0 on 60 clean summaries each, so the
     * cheaper one is as good. Support's translations: 150 on gpt-4o, but gpt-4o-mini has only 10 scored translations
     * (thin). Agent thin: 40 summaries on gpt-4o (thin). Chain rescue (flaky, limited, gpt-4o): flaky failed 120 times
     * and limited served each. Spender: $5.50 this month against a $1 budget.
     */
    private void seed() throws SQLException {
        Instant now = Instant.now();
        List<UsageRecord> rows = new ArrayList<>();
        for (int i = 0; i < SUPPORT_ROWS; i++) {
            UsageRecord r = row(now.minus(Duration.ofHours(2 + i)), "support", "summarization", "gpt-4o", null, List.of(), COMPLETION, GPT_4O);
            supportSummaries.add(r.requestId());
            rows.add(r);
            rows.add(row(now.minus(Duration.ofHours(2 + i)), "support", "translation", "gpt-4o", null, List.of(), COMPLETION, GPT_4O));
        }
        for (int i = 0; i < 40; i++) {
            rows.add(row(now.minus(Duration.ofHours(3 + i)), "thin", "summarization", "gpt-4o", null, List.of(), COMPLETION, GPT_4O));
        }
        for (int i = 0; i < 120; i++) {
            rows.add(row(now.minus(Duration.ofHours(4 + i)), "other", "summarization", "gpt-4o-mini", null, List.of(), 100 + i, GPT_4O_MINI));
            rows.add(row(now.minus(Duration.ofHours(5 + i)), "other", "chat", "limited", "rescue",
                    List.of(new Attempt("flaky", "openai", "server_error", 40, 500)), COMPLETION, new double[] {1, 1}));
        }
        Instant thisMonth = now.minus(Duration.ofMinutes(30));
        for (int i = 0; i < 110; i++) {
            UsageRecord r = row(thisMonth, "spender", "chat", "gpt-4o", null, List.of(), COMPLETION, GPT_4O);
            rows.add(withCost(r, 0.05));
        }
        rows.forEach(gw.app.usageWriter()::submit);
        Await.until("the history written", Duration.ofSeconds(60), () -> gw.app.usageWriter().pending(), p -> p == 0);
        try (Connection c = TestDatabase.of(gw.dir.resolve("data")).connect()) {
            cleanChecks(c, "gpt-4o", "summarization", 60);
            cleanChecks(c, "gpt-4o-mini", "summarization", 60);
            cleanChecks(c, "gpt-4o", "translation", 60);
            cleanChecks(c, "gpt-4o-mini", "translation", 10);
        }
    }

    private UsageRecord row(Instant at, String agent, String task, String model, String chain, List<Attempt> failed, int completion, double[] price) {
        List<Attempt> attempts = new ArrayList<>(failed);
        attempts.add(new Attempt(model, "openai", "ok", 300, 200));
        double cost = (PROMPT * price[0] + completion * price[1]) / 1e6;
        return new UsageRecord("seed-" + seq++, at, "http", "chat", agent, model, model, "openai", null, attempts, PROMPT, completion,
                PROMPT + completion, cost, 300 + seq % 200, -1, 200, "ok", null, false, List.of(), 0, 0, task, chain, cost);
    }

    private static UsageRecord withCost(UsageRecord r, double cost) {
        return new UsageRecord(r.requestId(), r.createdAt(), r.entry(), r.operation(), r.caller(), r.requestedModel(), r.model(), r.provider(),
                r.rule(), r.attempts(), r.promptTokens(), r.completionTokens(), r.totalTokens(), cost, r.latencyMs(), r.ttftMs(), r.status(),
                r.outcome(), r.error(), r.stream(), r.tags(), r.cachedTokens(), r.reasoningTokens(), r.taskType(), r.chain(), cost);
    }

    /** {@code n} answers of the model on the task type that no check flagged (each scores 1). */
    private void cleanChecks(Connection c, String model, String task, int n) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO quality_check (request_id, created_at, agent, model, task_type, checked, flags, "
                + "flag_count) VALUES (?, ?, 'other', ?, ?, TRUE, '', 0)")) {
            for (int i = 0; i < n; i++) {
                s.setString(1, "check-" + model + "-" + task + "-" + i);
                s.setTimestamp(2, java.sql.Timestamp.from(Instant.now().minus(Duration.ofHours(1 + i))));
                s.setString(3, model);
                s.setString(4, task);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** The current recommendations once they include one that {@code until} accepts (they refresh with the quality scores). */
    private JsonNode recommendations(Predicate<JsonNode> until) {
        return Await.until("recommendations", Gateway.TIMEOUT, () -> json(gw.admin("GET", "/admin/api/recommendations", null)),
                body -> { for (JsonNode r : body.path("data")) { if (until.test(r)) { return true; } } return false; });
    }

    private JsonNode find(String kind, Predicate<JsonNode> which) {
        JsonNode body = recommendations(r -> r.path("kind").asText().equals(kind) && which.test(r));
        for (JsonNode r : body.path("data")) {
            if (r.path("kind").asText().equals(kind) && which.test(r)) {
                return r;
            }
        }
        throw new AssertionError("unreachable");
    }

    private JsonNode cost() {
        return find("cheaper_model", r -> r.at("/subject/agent").asText().equals("support") && r.at("/subject/taskType").asText().equals("summarization"));
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return Gateway.MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(r.body(), e);
        }
    }

    @Test
    @Order(1)
    void should_recommend_the_cheaper_model_of_equal_quality_with_its_evidence() {
        JsonNode r = cost();

        assertEquals("open", r.path("state").asText());
        assertEquals("gpt-4o", r.at("/subject/model").asText());
        assertEquals("gpt-4o-mini", r.at("/subject/to").asText());
        assertEquals(SUPPORT_ROWS, r.at("/evidence/requests").asLong());
        assertEquals(60, r.at("/evidence/quality/gpt-4o-mini/samples").asLong());
        double dear = SUPPORT_ROWS * (PROMPT * GPT_4O[0] + COMPLETION * GPT_4O[1]) / 1e6;
        double cheap = SUPPORT_ROWS * (PROMPT * GPT_4O_MINI[0] + COMPLETION * GPT_4O_MINI[1]) / 1e6;
        assertEquals(dear, r.at("/evidence/costAtCatalogPriceUsd").asDouble(), EPSILON);
        assertEquals(cheap, r.at("/evidence/costAtCheaperPriceUsd").asDouble(), EPSILON);
        double monthly = r.at("/effect/monthlySavingsUsd").asDouble();
        assertTrue(monthly >= (dear - cheap) * 30 / 31 - EPSILON && monthly <= dear - cheap + EPSILON, "a 30-31 day window scaled to 30 days: " + r);
        assertEquals("rule", r.at("/action/type").asText());
        JsonNode one = json(gw.admin("GET", "/admin/api/recommendations/" + r.path("id").asText(), null));
        assertEquals(r.path("subject"), one.path("subject"), "GET by id answers the same finding");
        assertEquals(SUPPORT_ROWS, one.at("/evidence/requests").asLong());
    }

    @Test
    @Order(1)
    void should_not_recommend_on_thin_evidence() {
        cost(); // the list has caught up with the history
        JsonNode body = json(gw.admin("GET", "/admin/api/recommendations", null));
        for (JsonNode r : body.path("data")) {
            assertNotEquals("thin", r.at("/subject/agent").asText(), "40 requests are fewer than the minimum: " + r);
            assertNotEquals("translation", r.at("/subject/taskType").asText(), "10 scored answers of gpt-4o-mini are too few: " + r);
        }
        assertEquals(Advisor.MIN_REQUESTS, body.at("/minimums/minRequests").asInt());
        assertEquals(Advisor.MIN_QUALITY_SAMPLES, body.at("/minimums/minQualitySamples").asInt());
        assertEquals(404, gw.admin("GET", "/admin/api/recommendations/rec-0000000000000000", null).statusCode());
    }

    @Test
    @Order(1)
    void should_preview_the_requests_the_cost_recommendation_would_move() {
        String id = cost().path("id").asText();

        JsonNode preview = json(gw.admin("POST", "/admin/api/recommendations/" + id + "/preview", "{\"last\": 10000}"));

        assertEquals(SUPPORT_ROWS, preview.path("changed").asInt(), preview.toString());
        Set<String> moved = new HashSet<>();
        for (JsonNode req : preview.path("requests")) {
            moved.add(req.path("requestId").asText());
            assertEquals("gpt-4o", req.at("/before/model").asText());
            assertEquals("gpt-4o-mini", req.at("/after/model").asText());
        }
        assertEquals(supportSummaries, moved);
        double saved = SUPPORT_ROWS * (PROMPT * (GPT_4O_MINI[0] - GPT_4O[0]) + COMPLETION * (GPT_4O_MINI[1] - GPT_4O[1])) / 1e6;
        assertEquals(saved, preview.path("costDifferenceUsd").asDouble(), EPSILON);
        assertEquals(1.0, preview.path("qualityAfter").asDouble(), EPSILON);
        HttpResponse<String> tooMany = gw.admin("POST", "/admin/api/recommendations/" + id + "/preview", "{\"last\": 10001}");
        assertEquals(400, tooMany.statusCode());
        assertEquals("last", json(tooMany).at("/error/param").asText());
    }

    @Test
    @Order(1)
    void should_recommend_a_chain_order_a_lower_max_tokens_and_warn_of_a_budget() {
        JsonNode chain = find("chain_order", r -> r.at("/subject/chain").asText().equals("rescue"));
        assertEquals("limited", chain.at("/subject/to").asText());
        assertEquals(100.0, chain.at("/evidence/flaky/failureRatePercent").asDouble(), EPSILON);
        assertEquals(120, chain.at("/evidence/flaky/failedAttempts").asLong());
        assertEquals(0.0, chain.at("/evidence/limited/failureRatePercent").asDouble(), EPSILON);
        assertEquals(List.of("limited", "flaky", "gpt-4o"), strings(chain.at("/action/value/models")));

        JsonNode tokens = find("max_tokens", r -> r.at("/subject/model").asText().equals("gpt-4o-mini"));
        assertEquals(4096, tokens.at("/evidence/configuredMaxTokens").asLong());
        assertEquals(219, tokens.at("/evidence/completionTokensMax").asLong());
        // p99 of the 120 answers (100..219 tokens) is 218: 2 x 218 = 436, rounded up to 448
        assertEquals(448, tokens.at("/evidence/suggestedMaxTokens").asLong());

        Assumptions.assumeTrue(LocalDate.now(ZoneOffset.UTC).getDayOfMonth() > 4, "a projection needs a tenth of the month gone");
        JsonNode budget = find("budget", r -> r.at("/subject/agent").asText().equals("spender"));
        assertEquals(5.5, budget.at("/evidence/spentUsd").asDouble(), 1e-9);
        assertTrue(budget.at("/evidence/monthEndProjectionUsd").asDouble() > 5.5);
        HttpResponse<String> apply = gw.admin("POST", "/admin/api/recommendations/" + budget.path("id").asText() + "/apply", null);
        assertEquals(409, apply.statusCode(), "information only: " + apply.body());
    }

    @Test
    @Order(2)
    void should_let_a_viewer_read_but_not_apply_or_dismiss() {
        String id = cost().path("id").asText();
        String viewer = gw.createToken("analyst", "viewer");

        HttpResponse<String> list = asViewer(viewer, "GET", "/admin/api/recommendations");
        HttpResponse<String> apply = asViewer(viewer, "POST", "/admin/api/recommendations/" + id + "/apply");
        HttpResponse<String> dismiss = asViewer(viewer, "POST", "/admin/api/recommendations/" + id + "/dismiss");

        assertEquals(200, list.statusCode(), list.body());
        assertEquals(403, apply.statusCode(), apply.body());
        assertEquals(403, dismiss.statusCode(), dismiss.body());
        assertEquals("open", json(gw.admin("GET", "/admin/api/recommendations/" + id, null)).path("state").asText());
    }

    private HttpResponse<String> asViewer(String token, String method, String path) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + path)).header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    @Test
    @Order(2)
    void should_keep_a_dismissed_recommendation_dismissed_when_found_again() {
        String id = find("max_tokens", r -> true).path("id").asText();

        HttpResponse<String> dismissed = gw.admin("POST", "/admin/api/recommendations/" + id + "/dismiss", null);
        HttpResponse<String> refreshed = gw.admin("POST", "/admin/api/recommendations/refresh", null);

        assertEquals(200, dismissed.statusCode(), dismissed.body());
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        JsonNode again = json(gw.admin("GET", "/admin/api/recommendations/" + id, null));
        assertEquals("dismissed", again.path("state").asText(), again.toString());
        assertFalse(again.path("changedBy").asText().isEmpty(), again.toString());
        assertEquals(409, gw.admin("POST", "/admin/api/recommendations/" + id + "/apply", null).statusCode());
        JsonNode open = json(gw.admin("GET", "/admin/api/recommendations?state=open", null));
        open.path("data").forEach(r -> assertNotEquals(id, r.path("id").asText()));
    }

    @Test
    @Order(3)
    void should_apply_a_cost_recommendation_as_a_versioned_audited_rule_that_routes_and_rolls_back() {
        JsonNode r = cost();
        String id = r.path("id").asText();
        assertEquals("gpt-4o", summarize().headers().firstValue("x-switchboard-model").orElse(""), "before: the model asked for");

        HttpResponse<String> applied = gw.admin("POST", "/admin/api/recommendations/" + id + "/apply", null);

        assertEquals(200, applied.statusCode(), applied.body());
        JsonNode answer = json(applied);
        assertEquals("applied", answer.path("state").asText());
        String rule = answer.path("rule").asText();
        int version = answer.at("/applied/version").asInt();
        int previous = answer.at("/applied/previousVersion").asInt();
        assertTrue(version > previous && previous > 0, answer.toString());
        String drl = json(gw.admin("GET", "/admin/api/rules/" + Advisor.RULE_FILE, null)).path("content").asText();
        assertTrue(drl.contains("// Recommendation " + id + ": "), drl);
        assertTrue(drl.contains("rule \"" + rule + "\""), drl);
        JsonNode versions = json(gw.admin("GET", "/admin/api/rules/versions?file=" + Advisor.RULE_FILE, null));
        assertEquals(version, versions.at("/data/0/version").asInt());
        assertTrue(versions.at("/data/0/comment").asText().contains(id), versions.toString());
        assertTrue(gw.admin("GET", "/admin/api/audit?limit=20", null).body().contains("recommendations.apply"));
        assertEquals(409, gw.admin("POST", "/admin/api/recommendations/" + id + "/apply", null).statusCode(), "applied once");

        HttpResponse<String> next = summarize();
        assertEquals(200, next.statusCode(), next.body());
        assertEquals(rule, next.headers().firstValue("x-switchboard-rule").orElse(""));
        assertEquals("gpt-4o-mini", next.headers().firstValue("x-switchboard-model").orElse(""));

        HttpResponse<String> rollback = gw.admin("POST", "/admin/api/rules/versions/" + previous + "/rollback", null);
        assertEquals(200, rollback.statusCode(), rollback.body());
        HttpResponse<String> after = summarize();
        assertNotEquals(rule, after.headers().firstValue("x-switchboard-rule").orElse(""));
        assertEquals("gpt-4o", after.headers().firstValue("x-switchboard-model").orElse(""), "the old routing is back");
    }

    private HttpResponse<String> summarize() {
        return gw.postChat(Gateway.chatBody("gpt-4o", "sum this up"), "Authorization", "Bearer " + supportKey,
                "x-switchboard-task-type", "summarization");
    }

    @Test
    @Order(3)
    void should_apply_a_chain_order_through_the_catalog() {
        String id = find("chain_order", r -> r.at("/subject/chain").asText().equals("rescue")).path("id").asText();

        HttpResponse<String> applied = gw.admin("POST", "/admin/api/recommendations/" + id + "/apply", null);

        assertEquals(200, applied.statusCode(), applied.body());
        int version = json(applied).at("/applied/version").asInt();
        JsonNode chain = json(gw.admin("GET", "/admin/api/catalog/chains/rescue", null));
        assertEquals(List.of("limited", "flaky", "gpt-4o"), strings(chain.isArray() ? chain : chain.path("models")));
        JsonNode versions = json(gw.admin("GET", "/admin/api/config/versions", null));
        assertEquals(version, versions.at("/data/0/version").asInt());
        assertTrue(versions.at("/data/0/comment").asText().contains(id), versions.toString());
        assertFalse(gw.app.catalog().chain("rescue").isEmpty());
        assertEquals("limited", gw.app.catalog().chain("rescue").get().models().get(0));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}

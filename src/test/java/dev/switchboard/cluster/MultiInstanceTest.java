package dev.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.App;
import dev.switchboard.resilience.UsageDatabaseServer;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.TestDatabase;
import dev.switchboard.support.TestPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three gateways on one database (an HSQLDB server, as another process would have it) agree: what is written on one
 * serves on the others within a second, one budget cap holds across them, a fleet-wide rate limit is split between
 * them, and each names itself on its answers and in its status.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiInstanceTest {
    /** The promise: a change on one instance serves on every instance within this long. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
    /** 11 prompt and 7 completion tokens of gpt-4o-mini at the test catalog's prices. */
    private static final double ACTUAL = (11 * 0.15 + 7 * 0.60) / 1e6;
    private static final double BUDGET = 5 * ACTUAL + ACTUAL / 2;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Please answer this question of about sixty characters here.\"}]}";
    private static final String RULE = """
            package rules
            import dev.switchboard.routing.LlmRequest
            global dev.switchboard.routing.Decision decision
            rule "Cluster probes get gpt-4o"
                salience 1000
                activation-group "route"
            when
                LlmRequest(agentId == "prober")
            then
                decision.route("gpt-4o");
            end
            """;

    /** HSQLDB as a server (another process's database, as the instances share it), or the run's PostgreSQL. */
    private UsageDatabaseServer database;
    private String dbUrl;
    private String dbUser;
    private Gateway a;
    private Gateway b;
    private Gateway c;

    @BeforeAll
    void start() throws Exception {
        if (TestDatabase.postgres()) {
            dbUrl = TestPostgres.get().newDatabase("cluster");
            dbUser = TestPostgres.USER;
        } else {
            database = UsageDatabaseServer.startNew();
            dbUrl = database.jdbcUrl();
            dbUser = "SA";
        }
        String masterKey = Base64.getEncoder().encodeToString(new byte[32]);
        a = gateway("A", masterKey);
        b = gateway("B", masterKey);
        c = gateway("C", masterKey);
    }

    private Gateway gateway(String id, String masterKey) {
        return Gateway.start(Map.of("SWITCHBOARD_DB_URL", dbUrl, "SWITCHBOARD_DB_USER", dbUser, "SWITCHBOARD_INSTANCE_ID", id,
                "SWITCHBOARD_MASTER_KEY", masterKey, "SWITCHBOARD_ALLOW_ANONYMOUS", "false",
                "SWITCHBOARD_CATALOG", "src/test/resources/cluster-catalog.yaml"));
    }

    @AfterAll
    void stop() {
        for (Gateway g : new Gateway[] {c, b, a}) {
            if (g != null) {
                g.close();
            }
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void should_serve_an_agent_created_on_one_instance_on_another_within_a_second_and_stop_its_revoked_key_everywhere() throws Exception {
        String key = createAgent(a, "{\"id\":\"roamer\"}");
        long created = System.nanoTime();
        HttpResponse<String> onB = Await.until("the agent made on A served by B", WITHIN,
                () -> b.postChat(BODY, "Authorization", "Bearer " + key), r -> r.statusCode() == 200);
        assertEquals("B", onB.headers().firstValue(App.INSTANCE_HEADER).orElse(null), "B answered");
        System.out.printf("agent created on A served by B after %d ms%n", (System.nanoTime() - created) / 1_000_000);

        assertEquals(200, a.admin("DELETE", "/admin/api/agents/roamer/key", null).statusCode());
        long revoked = System.nanoTime();
        for (Map.Entry<String, Gateway> e : Map.of("B", b, "C", c).entrySet()) {
            Gateway other = e.getValue();
            Duration left = WITHIN.minusNanos(System.nanoTime() - revoked);
            Await.until("the key revoked on A refused by " + e.getKey(), left,
                    () -> other.postChat(BODY, "Authorization", "Bearer " + key).statusCode(), status -> status == 401);
        }
    }

    @Test
    void should_hold_one_budget_cap_across_instances_under_concurrent_requests() throws Exception {
        String key = createAgent(a, "{\"id\":\"frugal\",\"dailyBudgetUsd\":" + BUDGET + "}");
        for (Gateway other : new Gateway[] {b, c}) {
            Await.until("the budgeted agent known to the others", WITHIN, () -> other.postChat("{}", "Authorization", "Bearer " + key).statusCode(),
                    status -> status != 401);
        }
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        Gateway[] all = {a, b, c};
        for (int i = 0; i < 36; i++) {
            Gateway g = all[i % all.length];
            futures.add(pool.submit(() -> g.postChat(BODY, "Authorization", "Bearer " + key)));
        }
        int ok = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> f : futures) {
            HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("budget_exceeded", Gateway.MAPPER.readTree(r.body()).at("/error/code").asText(), r.body());
                refused++;
            }
        }
        pool.shutdown();
        assertTrue(ok >= 1 && refused >= 1, ok + " answered, " + refused + " refused");
        assertTrue(ok <= 5, "at most 5 answers fit the budget of all instances together, " + ok + " were answered");
        int answered = ok;
        double spent = Await.until("the usage rows of every answer", Gateway.TIMEOUT, () -> sum(
                "SELECT COUNT(*), SUM(cost_usd) FROM usage_record WHERE caller = 'frugal' AND status = 200"), s -> s[0] == answered)[1];
        assertTrue(spent <= BUDGET, "spent " + spent + " of a budget of " + BUDGET);
        double[] account = Await.until("every hold settled", Gateway.TIMEOUT,
                () -> sum("SELECT reserved_usd, day_spent_usd FROM budget_account WHERE agent = 'frugal'"), s -> Math.abs(s[0]) < 1e-12);
        assertEquals(spent, account[1], 1e-12, "the shared account holds what the rows say was spent");
    }

    @Test
    void should_route_on_every_instance_with_a_rule_changed_on_another() throws Exception {
        String key = createAgent(b, "{\"id\":\"prober\"}");
        HttpResponse<String> put = b.admin("PUT", "/admin/api/rules/cluster.drl", Gateway.MAPPER.createObjectNode().put("content", RULE).toString());
        assertEquals(200, put.statusCode(), put.body());
        // Seen within a poll; then C compiles its rules (Drools, seconds on a loaded machine) before they serve.
        HttpResponse<String> onC = Await.until("the rule written on B routing on C", Gateway.TIMEOUT,
                () -> c.postChat(BODY, "Authorization", "Bearer " + key),
                r -> r.statusCode() == 200 && "gpt-4o".equals(r.headers().firstValue("x-switchboard-model").orElse(null)));
        assertEquals("Cluster probes get gpt-4o", onC.headers().firstValue("x-switchboard-rule").orElse(null));
        java.nio.file.Path onA = a.rulesDir.resolve("cluster.drl");
        Await.until("A to keep the same file (its own poll, independent of C's)", Gateway.TIMEOUT,
                () -> readOrEmpty(onA), RULE::equals);
    }

    @Test
    void should_serve_on_every_instance_a_model_added_to_the_catalog_on_one_within_a_second() throws Exception {
        String key = createAgent(a, "{\"id\":\"cataloguer\"}");
        HttpResponse<String> put = a.admin("PUT", "/admin/api/catalog/models/fleet-mini",
                "{\"provider\":\"openai\",\"contextWindow\":8000,\"price\":{\"input\":1,\"output\":2}}");
        assertEquals(200, put.statusCode(), put.body());
        long stored = System.nanoTime();
        for (Map.Entry<String, Gateway> e : Map.of("B", b, "C", c).entrySet()) {
            Gateway other = e.getValue();
            Await.until("the model added on A served by " + e.getKey(), WITHIN.minusNanos(System.nanoTime() - stored),
                    () -> other.postChat(Gateway.chatBody("fleet-mini", "hi"), "Authorization", "Bearer " + key),
                    r -> r.statusCode() == 200 && "fleet-mini".equals(r.headers().firstValue("x-switchboard-model").orElse(null)));
        }
    }

    @Test
    void should_serve_on_every_instance_a_provider_added_on_one_and_its_rotated_key_within_a_second() throws Exception {
        String key = createAgent(a, "{\"id\":\"acme-user\"}");
        HttpResponse<String> added = a.admin("POST", "/admin/api/providers", "{\"id\":\"acme\",\"type\":\"openai\",\"baseUrl\":\""
                + a.fake.baseUrl() + "\",\"apiKey\":\"sk-acme-first-key-0123456789abcdef\"}");
        assertEquals(201, added.statusCode(), added.body());
        long stored = System.nanoTime();
        for (Map.Entry<String, Gateway> e : Map.of("B", b, "C", c).entrySet()) {
            HttpResponse<String> served = Await.until("the provider added on A served by " + e.getKey(), WITHIN.minusNanos(System.nanoTime() - stored),
                    () -> e.getValue().postChat(Gateway.chatBody("fake-model", "hi"), "Authorization", "Bearer " + key), r -> r.statusCode() == 200);
            assertEquals("acme", served.headers().firstValue("x-switchboard-provider").orElse(null), served.body());
        }

        String rotated = "sk-acme-second-key-0123456789abcdef";
        HttpResponse<String> rotation = b.admin("PUT", "/admin/api/providers/acme/key", "{\"apiKey\":\"" + rotated + "\"}");
        assertEquals(200, rotation.statusCode(), rotation.body());
        long rotatedAt = System.nanoTime();
        Await.until("the key rotated on B used by C", WITHIN.minusNanos(System.nanoTime() - rotatedAt), () -> {
            c.postChat(Gateway.chatBody("fake-model", "hi"), "Authorization", "Bearer " + key);
            return a.fake.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).reduce((x, y) -> y).orElseThrow()
                    .header("authorization");
        }, auth -> ("Bearer " + rotated).equals(auth));
    }

    @Test
    void should_refuse_everywhere_a_management_token_revoked_on_one_instance() {
        String token = a.createToken("ops-viewer", "viewer");
        assertEquals(200, status(b, "/admin/api/agents", token), "a token made on A works on B");
        assertEquals(200, a.admin("DELETE", "/admin/api/tokens/ops-viewer", null).statusCode());
        assertEquals(401, status(b, "/admin/api/agents", token), "revoked on A: refused by B at once");
        assertEquals(401, status(c, "/admin/api/agents", token), "and by C");
    }

    @Test
    void should_split_a_fleet_wide_rate_limit_between_the_live_instances() throws Exception {
        String key = createAgent(a, "{\"id\":\"metered\"}");
        Await.until("the agent known to C", WITHIN, () -> c.postChat("{}", "Authorization", "Bearer " + key).statusCode(), s -> s != 401);
        // 6 a minute for the fleet of 3: this instance's share is 2 (the probe above took none: refused before the limit).
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        for (int i = 0; i < 3; i++) {
            last = c.postChat(BODY, "Authorization", "Bearer " + key);
            statuses.add(last.statusCode());
        }
        assertEquals(List.of(200, 200, 429), statuses, last.body());
        assertEquals("2", last.headers().firstValue("x-ratelimit-limit-requests").orElse(null), "the share shown is this instance's");
    }

    @Test
    void should_name_each_instance_on_its_answers_and_in_its_own_status() throws Exception {
        HttpResponse<String> models = a.get(a.baseUrl() + "/models");
        assertEquals("A", models.headers().firstValue(App.INSTANCE_HEADER).orElse(null));
        assertEquals("C", c.get(c.baseUrl() + "/models").headers().firstValue(App.INSTANCE_HEADER).orElse(null));
        JsonNode statusB = Gateway.MAPPER.readTree(b.get(b.managementUrl() + "/admin/api/providers/status").body());
        assertEquals("B", statusB.path("instance").asText(), statusB.toString());
        assertNotEquals(0, statusB.path("providers").size(), "each instance's own breakers and health");
        assertEquals(3, (int) sum("SELECT COUNT(*), 0 FROM switchboard_instance")[0], "three live instances registered");
    }

    private static String createAgent(Gateway on, String json) throws Exception {
        HttpResponse<String> created = on.admin("POST", "/admin/api/agents", json);
        assertEquals(201, created.statusCode(), created.body());
        return Gateway.MAPPER.readTree(created.body()).path("key").asText();
    }

    private static int status(Gateway on, String path, String token) {
        return on.send(HttpRequest.newBuilder(URI.create(on.managementUrl() + path)).header("Authorization", "Bearer " + token).GET().build())
                .statusCode();
    }

    /** The first row's first two numbers. */
    private double[] sum(String sql) {
        try (Connection conn = DriverManager.getConnection(dbUrl, dbUser, "");
             Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? new double[] {rs.getDouble(1), rs.getDouble(2)} : new double[] {-1, -1};
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readOrEmpty(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.exists(file) ? java.nio.file.Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return ""; // being written: read again
        }
    }
}

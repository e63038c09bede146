package dev.switchboard.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.App;
import dev.switchboard.boot.JmsBroker;
import dev.switchboard.boot.JmsCredentials;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.GatewayProcess;
import dev.switchboard.support.JmsClient;
import dev.switchboard.support.StandaloneBroker;
import dev.switchboard.support.TestPostgres;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The deployment of the README: three gateway processes on one PostgreSQL and one external Artemis broker, behind nginx
 * with {@code deploy/nginx.conf}. HTTP load through nginx reaches all three and JMS requests are consumed by all three;
 * a budget shared by an agent is never exceeded; an agent created on A serves on C within a second and its revoked key
 * stops everywhere within a second; a rule changed on B routes on C; and an instance killed with SIGKILL mid-load loses
 * no answered request's row and no JMS request (redelivered to the others). Prints the throughput of one instance and of
 * the three behind nginx.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetTest {
    private static final Duration WITHIN = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path NGINX_SAMPLE = Path.of("deploy/nginx.conf");
    /** 11 prompt and 7 completion tokens of gpt-4o-mini at the test catalog's prices. */
    private static final double ACTUAL = (11 * 0.15 + 7 * 0.60) / 1e6;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Please answer this question of about sixty characters here.\"}]}";
    private static final int THROUGHPUT_REQUESTS = 300;
    private static final int CLIENTS = 16;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private String dbUrl;
    private String dbUser;
    private StandaloneBroker broker;
    private FakeOpenAi upstream;
    private final Map<String, GatewayProcess> fleet = new HashMap<>();
    private Process nginx;
    private int lbPort;
    private Path dir;
    /** An agent without a budget whose key carries the load. */
    private String loadKey;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("switchboard-fleet");
        dbUrl = TestPostgres.get().newDatabase("fleet");
        dbUser = TestPostgres.USER;
        broker = StandaloneBroker.start();
        upstream = FakeOpenAi.start();
        Map<String, String> env = Map.of("SWITCHBOARD_DB_URL", dbUrl, "SWITCHBOARD_DB_USER", dbUser, JmsBroker.URL_ENV, broker.url(),
                JmsCredentials.USER_ENV, StandaloneBroker.USER, JmsCredentials.PASSWORD_ENV, StandaloneBroker.PASSWORD,
                "SWITCHBOARD_MASTER_KEY", Base64.getEncoder().encodeToString(new byte[32]), "SWITCHBOARD_ALLOW_ANONYMOUS", "false",
                "OPENAI_BASE_URL", upstream.baseUrl());
        for (String id : List.of("A", "B", "C")) {
            fleet.put(id, GatewayProcess.start(id, dir.resolve(id), env));
        }
        nginx = startNginx();
        loadKey = createAgent(fleet.get("A"), "{\"id\":\"loader\"}");
        Await.until("the load agent known everywhere", WAIT, () -> fleet.values().stream()
                .allMatch(g -> chat(g.baseUrl(), loadKey).statusCode() == 200), ok -> ok);
    }

    /** nginx with the sample configuration, its listen port and upstream servers moved to this test's ports. */
    private Process startNginx() throws IOException {
        lbPort = Gateway.freePort();
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        String conf = Files.readString(NGINX_SAMPLE).replace("listen 8080;", "listen 127.0.0.1:" + lbPort + ";");
        int[] ports = {fleet.get("A").port(), fleet.get("B").port(), fleet.get("C").port()};
        String[] sample = {"127.0.0.1:8180", "127.0.0.1:8280", "127.0.0.1:8380"};
        for (int i = 0; i < sample.length; i++) {
            assertTrue(conf.contains(sample[i]), "the sample names " + sample[i]);
            conf = conf.replace(sample[i], "127.0.0.1:" + ports[i]);
        }
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process p = new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", file.toString(), "-e", prefix.resolve("logs/error.log").toString(),
                "-g", "daemon off;").redirectErrorStream(true).redirectOutput(prefix.resolve("nginx.out").toFile()).start();
        Await.until("nginx listening on " + lbPort, WAIT, () -> status(lbUrl() + "/models"), s -> s > 0);
        return p;
    }

    @AfterAll
    void stop() {
        if (nginx != null) {
            nginx.destroy();
        }
        fleet.values().forEach(GatewayProcess::close);
        for (AutoCloseable c : new AutoCloseable[] {upstream, broker}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the rest still closes
            }
        }
    }

    @Test
    @Order(1)
    void should_spread_http_load_over_the_three_and_consume_jms_on_all_three() throws Exception {
        long one = throughput(fleet.get("A").baseUrl());
        Set<String> instances = ConcurrentHashMap.newKeySet();
        long three = throughput(lbUrl(), instances);
        System.out.printf("Throughput with %d clients: one instance %d requests/s, three instances behind nginx %d requests/s%n",
                CLIENTS, one, three);
        assertEquals(Set.of("A", "B", "C"), instances, "nginx spreads the load over every instance");

        assertEquals(3, broker.consumerConnections(JmsClient.REQUEST_QUEUE), "each instance consumes the request queue");
        try (JmsClient agent = JmsClient.connect(broker.connectionFactory())) {
            for (int i = 0; i < 6; i++) {
                assertAnswered(agent.request(this::jmsRequest, WAIT.toMillis()));
            }
        }
    }

    @Test
    @Order(2)
    void should_serve_an_agent_made_on_a_on_c_within_a_second_and_stop_its_revoked_key_everywhere_within_a_second() throws Exception {
        String key = createAgent(fleet.get("A"), "{\"id\":\"newcomer\"}");
        Await.until("the agent made on A served by C", WITHIN, () -> chat(fleet.get("C").baseUrl(), key).statusCode(), s -> s == 200);
        assertEquals(200, fleet.get("A").admin("DELETE", "/admin/api/agents/newcomer/key", null).statusCode());
        long revoked = System.nanoTime();
        for (GatewayProcess g : fleet.values()) {
            Await.until("the revoked key refused by every instance", WITHIN.minusNanos(System.nanoTime() - revoked),
                    () -> chat(g.baseUrl(), key).statusCode(), s -> s == 401);
        }
    }

    @Test
    @Order(3)
    void should_never_exceed_a_budget_shared_by_an_agent_through_the_load_balancer() throws Exception {
        double budget = 5 * ACTUAL + ACTUAL / 2;
        String key = createAgent(fleet.get("B"), "{\"id\":\"frugal\",\"dailyBudgetUsd\":" + budget + "}");
        Await.until("the budgeted agent known everywhere", WAIT, () -> fleet.values().stream()
                .allMatch(g -> chat(g.baseUrl(), key, "{}").statusCode() == 400), ok -> ok);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            answers.add(pool.submit(() -> chat(lbUrl(), key)));
        }
        int ok = 0;
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(r.statusCode() == 200 || r.statusCode() == 429, r.statusCode() + " " + r.body());
            ok += r.statusCode() == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertTrue(ok >= 1 && ok <= 5, ok + " answered: at most 5 fit the budget, whichever instances answered");
        int answered = ok;
        double spent = Await.until("every answer's row", WAIT, () -> sum("SELECT COUNT(*), SUM(cost_usd) FROM usage_record "
                + "WHERE caller = 'frugal' AND status = 200"), s -> s[0] == answered)[1];
        assertTrue(spent <= budget, "spent " + spent + " of " + budget);
    }

    @Test
    @Order(4)
    void should_route_on_c_with_a_rule_changed_on_b() throws Exception {
        String key = createAgent(fleet.get("B"), "{\"id\":\"prober\"}");
        String rule = """
                package rules
                import dev.switchboard.routing.LlmRequest
                global dev.switchboard.routing.Decision decision
                rule "Fleet probes get gpt-4o"
                    salience 1000
                    activation-group "route"
                when
                    LlmRequest(agentId == "prober")
                then
                    decision.route("gpt-4o");
                end
                """;
        HttpResponse<String> put = fleet.get("B").admin("PUT", "/admin/api/rules/fleet.drl", Gateway.MAPPER.createObjectNode().put("content", rule).toString());
        assertEquals(200, put.statusCode(), put.body());
        HttpResponse<String> onC = Await.until("the rule of B routing on C", WAIT, () -> chat(fleet.get("C").baseUrl(), key),
                r -> "gpt-4o".equals(r.headers().firstValue("x-switchboard-model").orElse(null)));
        assertEquals("C", onC.headers().firstValue(App.INSTANCE_HEADER).orElse(null));
    }

    @Test
    @Order(5)
    void should_lose_no_answered_row_and_no_jms_request_when_an_instance_is_killed_mid_load() throws Exception {
        Set<String> answered = ConcurrentHashMap.newKeySet();
        AtomicBoolean loading = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS / 2);
        for (int i = 0; i < CLIENTS / 2; i++) {
            clients.submit(() -> {
                while (loading.get()) {
                    HttpResponse<String> r = chat(lbUrl(), loadKey);
                    if (r.statusCode() == 200) {
                        answered.add(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
                    }
                }
            });
        }
        List<CompletableFuture<Message>> overJms = new ArrayList<>();
        try (JmsClient agent = JmsClient.connect(broker.connectionFactory())) {
            for (int i = 0; i < 24; i++) {
                overJms.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return agent.request(this::jmsRequest, WAIT.toMillis() * 2);
                    } catch (jakarta.jms.JMSException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            Await.until("load on the fleet", WAIT, answered::size, n -> n >= 60);
            fleet.get("B").kill();
            int atKill = answered.size();
            Await.until("load served by the others", WAIT, answered::size, n -> n >= atKill + 60);
            loading.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
            for (CompletableFuture<Message> reply : overJms) {
                assertAnswered(reply.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS));
            }
        }
        fleet.get("B").restart();
        Set<String> recorded = Await.until("a row for every answered request", WAIT, this::recordedIds, ids -> ids.containsAll(answered));
        assertTrue(recorded.containsAll(answered));
    }

    private long throughput(String baseUrl) throws Exception {
        return throughput(baseUrl, ConcurrentHashMap.newKeySet());
    }

    /** Requests per second of {@link #THROUGHPUT_REQUESTS} chat requests from {@link #CLIENTS} clients; every one answered. */
    private long throughput(String baseUrl, Set<String> instances) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < THROUGHPUT_REQUESTS; i++) {
            answers.add(pool.submit(() -> chat(baseUrl, loadKey)));
        }
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            instances.add(r.headers().firstValue(App.INSTANCE_HEADER).orElse("?"));
        }
        long elapsed = System.nanoTime() - t0;
        pool.shutdown();
        return THROUGHPUT_REQUESTS * 1_000_000_000L / elapsed;
    }

    private String lbUrl() {
        return "http://127.0.0.1:" + lbPort + "/v1";
    }

    /** A chat request as an agent sends it over JMS: the body of the HTTP API, its key in the Authorization property. */
    private Message jmsRequest(jakarta.jms.Session session) throws jakarta.jms.JMSException {
        Message m = session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "over jms"));
        m.setStringProperty("Authorization", "Bearer " + loadKey);
        return m;
    }

    private static void assertAnswered(Message reply) throws Exception {
        assertNotNull(reply, "a JMS request is answered");
        String body = ((TextMessage) reply).getText();
        assertTrue(body.contains("\"choices\""), body);
    }

    private HttpResponse<String> chat(String baseUrl, String key) {
        return chat(baseUrl, key, BODY);
    }

    private HttpResponse<String> chat(String baseUrl, String key, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions")).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Unanswered(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String createAgent(GatewayProcess on, String json) throws Exception {
        HttpResponse<String> created = on.admin("POST", "/admin/api/agents", json);
        assertEquals(201, created.statusCode(), created.body());
        return Gateway.MAPPER.readTree(created.body()).path("key").asText();
    }

    private Set<String> recordedIds() {
        Set<String> ids = new HashSet<>();
        try (Connection conn = DriverManager.getConnection(dbUrl, dbUser, "");
             Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT request_id FROM usage_record")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        } catch (java.sql.SQLException e) {
            return Set.of();
        }
        return ids;
    }

    private double[] sum(String sql) {
        try (Connection conn = DriverManager.getConnection(dbUrl, dbUser, "");
             Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? new double[] {rs.getDouble(1), rs.getDouble(2)} : new double[] {-1, -1};
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A request that got no answer at all (connection refused or reset): status -1. */
    private record Unanswered(IOException cause) implements HttpResponse<String> {
        @Override
        public int statusCode() {
            return -1;
        }

        @Override
        public HttpRequest request() {
            return null;
        }

        @Override
        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        @Override
        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        @Override
        public String body() {
            return cause.toString();
        }

        @Override
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        @Override
        public URI uri() {
            return null;
        }

        @Override
        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}

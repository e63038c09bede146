package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.App;
import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code kill -9} of a real gateway process under load loses no usage row of an answered request: rows answered while
 * the database was away (queued in memory only, but journaled first) are written when the gateway comes back under the
 * same instance id, and the budget it held for the requests it never finished is given back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashSafeRecordingTest {
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CLIENTS = 6;
    /** Answers wanted before the database goes away, and again while it is away (then the kill). */
    private static final int ANSWERS_PER_PHASE = 30;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final Pattern REQUEUED = Pattern.compile("Usage journal: (\\d+) row\\(s\\) of the previous run");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, String> env = new HashMap<>();
    private UsageDatabaseServer database;
    private FakeOpenAi upstream;
    private Path dir;
    private Process gateway;
    private int port;
    private int managementPort;

    @BeforeAll
    void start() throws IOException {
        database = UsageDatabaseServer.startNew();
        upstream = FakeOpenAi.start();
        dir = Files.createTempDirectory("switchboard-crash");
        port = freePort();
        managementPort = freePort();
        env.put("SWITCHBOARD_HOST", "127.0.0.1");
        env.put("SWITCHBOARD_PORT", Integer.toString(port));
        env.put("SWITCHBOARD_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("SWITCHBOARD_JMS_PORT", Integer.toString(freePort()));
        env.put("SWITCHBOARD_DATA", dir.resolve("data").toString());
        env.put("SWITCHBOARD_DB_URL", database.jdbcUrl());
        env.put("SWITCHBOARD_INSTANCE_ID", "crashy");
        env.put("SWITCHBOARD_CATALOG", "src/test/resources/test-catalog.yaml");
        env.put("SWITCHBOARD_RETRIES", "0");
        env.put("SWITCHBOARD_ALLOW_ANONYMOUS", "true");
        env.put("SWITCHBOARD_ADMIN_TOKEN", Gateway.ADMIN_TOKEN);
        env.put("SWITCHBOARD_JMS_USER", Gateway.JMS_USER);
        env.put("SWITCHBOARD_JMS_PASSWORD", Gateway.JMS_PASSWORD);
        env.put("OPENAI_BASE_URL", upstream.baseUrl());
        env.put("OPENAI_API_KEY", Gateway.PROVIDER_KEY);
        gateway = launch("first.log");
    }

    private Process launch(String logName) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), App.class.getName())
                .redirectErrorStream(true).redirectOutput(dir.resolve(logName).toFile());
        builder.environment().clear(); // nothing of this JVM's environment (a real provider key) reaches the gateway
        builder.environment().putAll(env);
        Process p = builder.start();
        Await.until("the gateway process ready" + log(logName), START, () -> health(p, logName), s -> s == 200);
        return p;
    }

    @AfterAll
    void stop() {
        try {
            if (gateway != null && gateway.isAlive()) {
                gateway.destroyForcibly();
            }
        } finally {
            upstream.close();
            database.close();
        }
    }

    @Test
    void should_keep_every_answered_row_and_give_back_held_budget_after_a_sigkill_mid_load() throws Exception {
        String key = Gateway.MAPPER.readTree(admin("POST", "/admin/api/agents", "{\"id\":\"spender\",\"dailyBudgetUsd\":100}").body())
                .path("key").asText();
        Set<String> answered = ConcurrentHashMap.newKeySet();
        AtomicBoolean loading = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int i = 0; i < CLIENTS; i++) {
            boolean budgeted = i % 2 == 0;
            clients.submit(() -> {
                while (loading.get()) {
                    chat(budgeted ? key : null, answered);
                }
            });
        }
        Await.until("answers with the database up", WAIT, answered::size, n -> n >= ANSWERS_PER_PHASE);
        database.stop(); // rows now wait in the gateway's memory (and its journal); budgeted requests are refused
        int before = answered.size();
        Await.until("answers with the database away", WAIT, answered::size, n -> n >= before + ANSWERS_PER_PHASE);

        gateway.destroyForcibly(); // SIGKILL, clients still sending
        assertTrue(gateway.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "the killed gateway is gone");
        loading.set(false);
        clients.shutdown();
        assertTrue(clients.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS), "the clients stopped");

        database.start();
        gateway = launch("second.log");
        Set<String> recorded = Await.until("a row for every answered request", WAIT, this::recordedIds, ids -> ids.containsAll(answered));
        assertTrue(recorded.containsAll(answered), answered.size() + " answered");
        Matcher requeued = REQUEUED.matcher(Files.readString(dir.resolve("second.log")));
        assertTrue(requeued.find() && Integer.parseInt(requeued.group(1)) > 0,
                "rows only the journal had were written after the restart" + log("second.log"));
        assertEquals(0, reserved("spender"), 1e-12, "what the killed run held of the budget is given back");
    }

    private void chat(String key, Set<String> answered) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                answered.add(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
            }
        } catch (IOException e) {
            // the gateway is being killed: an unanswered request
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Set<String> recordedIds() {
        try {
            return database.rows().keySet();
        } catch (java.sql.SQLException e) {
            return Set.of();
        }
    }

    private double reserved(String agent) throws java.sql.SQLException {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), "SA", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT reserved_usd FROM budget_account WHERE agent = '" + agent + "'")) {
            assertTrue(rs.next(), "the agent has a shared budget account");
            return rs.getDouble(1);
        }
    }

    private HttpResponse<String> admin(String method, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + Gateway.ADMIN_TOKEN).method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private int health(Process p, String logName) {
        if (!p.isAlive()) {
            throw new AssertionError("the gateway process ended while starting" + log(logName));
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String log(String name) {
        try {
            return "\n--- gateway log ---\n" + Files.readString(dir.resolve(name));
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

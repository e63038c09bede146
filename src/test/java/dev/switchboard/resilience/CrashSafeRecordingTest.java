package dev.switchboard.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.fakes.FakeOpenAi;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.GatewayProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
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
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CLIENTS = 6;
    /** Answers wanted before the database goes away, and again while it is away (then the kill). */
    private static final int ANSWERS_PER_PHASE = 30;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final Pattern REQUEUED = Pattern.compile("Usage journal: (\\d+) row\\(s\\) of the previous run");

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private UsageDatabaseServer database;
    private FakeOpenAi upstream;
    private GatewayProcess gateway;

    @BeforeAll
    void start() throws IOException {
        database = UsageDatabaseServer.startNew();
        upstream = FakeOpenAi.start();
        gateway = GatewayProcess.start("crashy", Files.createTempDirectory("switchboard-crash"), Map.of(
                "SWITCHBOARD_DB_URL", database.jdbcUrl(), "OPENAI_BASE_URL", upstream.baseUrl(), "SWITCHBOARD_ALLOW_ANONYMOUS", "true"));
    }

    @AfterAll
    void stop() {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            upstream.close();
            database.close();
        }
    }

    @Test
    void should_keep_every_answered_row_and_give_back_held_budget_after_a_sigkill_mid_load() throws Exception {
        String key = Gateway.MAPPER.readTree(gateway.admin("POST", "/admin/api/agents", "{\"id\":\"spender\",\"dailyBudgetUsd\":100}").body())
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

        gateway.kill(); // SIGKILL, clients still sending
        loading.set(false);
        clients.shutdown();
        assertTrue(clients.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS), "the clients stopped");

        database.start();
        gateway.restart();
        Set<String> recorded = Await.until("a row for every answered request", WAIT, this::recordedIds, ids -> ids.containsAll(answered));
        assertTrue(recorded.containsAll(answered), answered.size() + " answered");
        String log = gateway.log();
        Matcher requeued = REQUEUED.matcher(log);
        assertTrue(requeued.find() && Integer.parseInt(requeued.group(1)) > 0, "rows only the journal had were written after the restart" + log);
        assertEquals(0, reserved("spender"), 1e-12, "what the killed run held of the budget is given back");
    }

    private void chat(String key, Set<String> answered) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
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
}

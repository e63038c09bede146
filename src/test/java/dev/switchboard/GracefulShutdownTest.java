package dev.switchboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.resilience.UsageDatabaseServer;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import dev.switchboard.support.JmsClient;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SIGTERM to a real gateway process with requests in flight over HTTP and JMS: it stops admitting new requests at once (503),
 * lets the admitted ones finish, streams included, within SWITCHBOARD_SHUTDOWN_GRACE_SECONDS, records a stream
 * still open at the end of the grace period as truncated, writes every usage row to the database (an HSQLDB
 * server of this test, so the rows can be counted after the process is gone), then exits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulShutdownTest {
    private static final int PLAIN = 8;
    private static final int STREAMS = 4;
    /** Ends the grace period for the one stream the upstream never finishes. */
    private static final int GRACE_SECONDS = 8;
    private static final Duration START = Duration.ofSeconds(90);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NEVER_ENDS = "never ends";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private UsageDatabaseServer database;
    private HeldUpstream upstream;
    private Process gateway;
    private Path log;
    private int port;
    private int managementPort;
    private int jmsPort;

    @BeforeAll
    void start() throws IOException {
        database = UsageDatabaseServer.startNew();
        upstream = HeldUpstream.start();
        Path dir = Files.createTempDirectory("switchboard-shutdown");
        log = dir.resolve("gateway.log");
        port = freePort();
        managementPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("SWITCHBOARD_HOST", "127.0.0.1");
        env.put("SWITCHBOARD_PORT", Integer.toString(port));
        env.put("SWITCHBOARD_MANAGEMENT_PORT", Integer.toString(managementPort));
        jmsPort = freePort();
        env.put("SWITCHBOARD_JMS_PORT", Integer.toString(jmsPort));
        env.put("SWITCHBOARD_DATA", dir.resolve("data").toString());
        env.put("SWITCHBOARD_DB_URL", database.jdbcUrl());
        env.put("SWITCHBOARD_CATALOG", "src/test/resources/test-catalog.yaml");
        env.put("SWITCHBOARD_RETRIES", "0");
        env.put("SWITCHBOARD_SHUTDOWN_GRACE_SECONDS", Integer.toString(GRACE_SECONDS));
        env.put("SWITCHBOARD_ALLOW_ANONYMOUS", "true");
        env.put("SWITCHBOARD_ADMIN_TOKEN", Gateway.ADMIN_TOKEN);
        env.put("SWITCHBOARD_JMS_USER", Gateway.JMS_USER);
        env.put("SWITCHBOARD_JMS_PASSWORD", Gateway.JMS_PASSWORD);
        env.put("OPENAI_BASE_URL", upstream.baseUrl());
        env.put("OPENAI_API_KEY", Gateway.PROVIDER_KEY);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), App.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().clear(); // nothing of this JVM's environment (a real provider key) reaches the gateway
        builder.environment().putAll(env);
        gateway = builder.start();
        Await.until("the gateway process ready on " + managementPort + log(), START, this::healthStatus, s -> s == 200);
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
    void should_finish_and_record_every_request_in_flight_at_sigterm_then_exit() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> plain = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
        for (int i = 0; i < PLAIN; i++) {
            plain.add(chat(false, "plain " + i, HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < STREAMS; i++) {
            streams.add(chat(true, "stream " + i, HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture<String> overJms = CompletableFuture.supplyAsync(this::chatOverJms);
        HttpResponse<InputStream> endless = chat(true, NEVER_ENDS, HttpResponse.BodyHandlers.ofInputStream())
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, endless.statusCode(), "the endless stream has started");
        Await.until("every request held at the upstream", WAIT, upstream.arrived::get, n -> n == PLAIN + STREAMS + 2);

        gateway.destroy(); // SIGTERM

        AtomicInteger listed = new AtomicInteger();
        HttpResponse<String> refused = Await.until("new requests refused after SIGTERM", WAIT, () -> listModels(listed),
                r -> r.statusCode() != 200);
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals("shutting_down", json(refused.body()).path("error").path("code").asText(), refused.body());
        assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "a refusal says when to retry");
        // The plain answers first, the streams only once those are over and recorded: a shutdown that waited
        // for Camel's exchanges alone would stop relaying the streams here.
        upstream.releasePlain.countDown();
        List<String> finished = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : plain) {
            HttpResponse<String> r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Hello from gpt-4o-mini",
                    Gateway.MAPPER.readTree(r.body()).path("choices").path(0).path("message").path("content").asText(), r.body());
            finished.add(requestId(r));
        }
        finished.add(overJms.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        Await.until("the plain requests' rows", WAIT, this::recordedIds, ids -> ids.containsAll(finished));
        upstream.releaseStreams.countDown();
        assertTrue(gateway.waitFor(GRACE_SECONDS + WAIT.toSeconds(), TimeUnit.SECONDS), "the gateway must exit" + log());

        for (CompletableFuture<HttpResponse<String>> f : streams) {
            HttpResponse<String> r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains(" from ") && r.body().contains("[DONE]"), "a complete stream: " + r.body());
            finished.add(requestId(r));
        }

        Map<String, UsageDatabaseServer.Row> rows = database.rows();
        assertEquals(PLAIN + STREAMS + 2 + listed.get(), rows.size(), "one usage row per admitted request: " + rows.keySet() + log());
        for (String id : finished) {
            UsageDatabaseServer.Row row = rows.get(id);
            assertEquals(200, row == null ? -1 : row.status(), "the row of " + id + ": " + row);
            assertEquals("ok", row.outcome(), "the row of " + id + ": " + row);
        }
        UsageDatabaseServer.Row cut = rows.get(requestId(endless));
        assertEquals("truncated", cut == null ? null : cut.outcome(), "a stream cut at the end of the grace period: " + cut);
        assertTrue(cut.stream(), cut.toString());
        long lived = latencyMillis(requestId(endless));
        assertTrue(lived >= GRACE_SECONDS * 1000L, "a stream in flight is given the whole grace period before it is cut; it was "
                + "cut after " + lived + " ms");
    }

    private long latencyMillis(String requestId) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(database.jdbcUrl(), "SA", "");
             java.sql.PreparedStatement st = c.prepareStatement("SELECT latency_ms FROM usage_record WHERE request_id = ?")) {
            st.setString(1, requestId);
            try (java.sql.ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), "no row for " + requestId);
                return rs.getLong(1);
            }
        }
    }

    /** A plain chat request over JMS, as an agent in another process sends it; the request id of its answer. */
    private String chatOverJms() {
        try (JmsClient jms = JmsClient.connect(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + jmsPort, Gateway.JMS_USER,
                Gateway.JMS_PASSWORD))) {
            Message reply = jms.request(session -> session.createTextMessage(Gateway.chatBody("gpt-4o-mini", "over jms")),
                    Duration.ofSeconds(GRACE_SECONDS).plus(WAIT).toMillis());
            assertTrue(reply instanceof TextMessage, "the JMS request in flight at SIGTERM is answered: " + reply);
            String body = ((TextMessage) reply).getText();
            assertEquals("Hello from gpt-4o-mini",
                    json(body).path("choices").path(0).path("message").path("content").asText(), body);
            List<?> names = Collections.list(reply.getPropertyNames());
            return names.stream().map(String::valueOf)
                    .filter(n -> n.toLowerCase(java.util.Locale.ROOT).contains("request")).findFirst()
                    .map(n -> property(reply, n)).orElseThrow(() -> new AssertionError("no request id on the JMS reply"));
        } catch (JMSException e) {
            throw new AssertionError("the JMS request failed", e);
        }
    }

    private static String property(Message m, String name) {
        try {
            return m.getStringProperty(name);
        } catch (JMSException e) {
            throw new AssertionError(e);
        }
    }

    /** Lists models: served (and recorded) until the gateway's shutdown closes its door, then refused at once. */
    private HttpResponse<String> listModels(AtomicInteger served) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models"))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).join();
        if (r.statusCode() == 200) {
            served.incrementAndGet();
        }
        return r;
    }

    private <T> CompletableFuture<HttpResponse<T>> chat(boolean stream, String prompt, HttpResponse.BodyHandler<T> handler) {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream + ",\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(GRACE_SECONDS + WAIT.toSeconds())).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), handler);
    }

    private <T> CompletableFuture<HttpResponse<T>> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return http.sendAsync(request, handler);
    }

    private java.util.Set<String> recordedIds() {
        try {
            return database.rows().keySet();
        } catch (java.sql.SQLException e) {
            throw new AssertionError("cannot read the usage database", e);
        }
    }

    private int healthStatus() {
        if (!gateway.isAlive()) {
            throw new AssertionError("the gateway process ended while starting" + log());
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

    private static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue("x-switchboard-request-id").orElseThrow(() -> new AssertionError("no request id: " + r));
    }

    private static JsonNode json(String body) {
        try {
            return Gateway.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    /** The gateway's log, for failure messages. */
    private String log() {
        try {
            return "\n--- gateway log ---\n" + Files.readString(log);
        } catch (IOException e) {
            return "\n(no gateway log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * An OpenAI-shaped upstream that holds every chat answer: plain answers wholly until {@link #releasePlain},
     * streams after their first chunk (so the gateway is relaying them) until {@link #releaseStreams}. A stream whose prompt is
     * {@value #NEVER_ENDS} never finishes.
     */
    private static final class HeldUpstream implements AutoCloseable {
        final CountDownLatch releasePlain = new CountDownLatch(1);
        final CountDownLatch releaseStreams = new CountDownLatch(1);
        final AtomicInteger arrived = new AtomicInteger();
        private final CountDownLatch closed = new CountDownLatch(1);
        private final HttpServer server;
        private final ExecutorService executor;

        private HeldUpstream(HttpServer server, ExecutorService executor) {
            this.server = server;
            this.executor = executor;
        }

        static HeldUpstream start() throws IOException {
            ExecutorService executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "held-upstream");
                t.setDaemon(true);
                return t;
            });
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            HeldUpstream upstream = new HeldUpstream(server, executor);
            server.createContext("/", upstream::handle);
            server.setExecutor(executor);
            server.start();
            return upstream;
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex) {
                byte[] raw = ex.getRequestBody().readAllBytes();
                if (!ex.getRequestURI().getPath().endsWith("/chat/completions")) {
                    send(ex, "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o-mini\",\"object\":\"model\"}]}");
                    return;
                }
                JsonNode body = Gateway.MAPPER.readTree(raw);
                String prompt = body.path("messages").path(0).path("content").asText();
                arrived.incrementAndGet();
                if (!body.path("stream").asBoolean()) {
                    await(releasePlain);
                    send(ex, answer());
                    return;
                }
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                event(out, chunk("Hello"));
                await(NEVER_ENDS.equals(prompt) ? closed : releaseStreams);
                event(out, chunk(" from "));
                event(out, chunk("gpt-4o-mini"));
                ObjectNode usage = Gateway.MAPPER.createObjectNode().put("id", "chatcmpl-held").put("object", "chat.completion.chunk")
                        .put("created", 1700000000L).put("model", "gpt-4o-mini");
                usage.putArray("choices");
                usage.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
                event(out, usage.toString());
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the gateway went away; nothing left to answer
            }
        }

        private static String answer() {
            ObjectNode resp = Gateway.MAPPER.createObjectNode().put("id", "chatcmpl-held").put("object", "chat.completion")
                    .put("created", 1700000000L).put("model", "gpt-4o-mini");
            ObjectNode choice = resp.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", "Hello from gpt-4o-mini");
            resp.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
            return resp.toString();
        }

        private static String chunk(String content) {
            ObjectNode chunk = Gateway.MAPPER.createObjectNode().put("id", "chatcmpl-held").put("object", "chat.completion.chunk")
                    .put("created", 1700000000L).put("model", "gpt-4o-mini");
            chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", content);
            return chunk.toString();
        }

        private static void event(OutputStream out, String json) throws IOException {
            out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        private static void send(HttpExchange ex, String json) throws IOException {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
        }

        private static void await(CountDownLatch latch) {
            try {
                latch.await(2, TimeUnit.MINUTES); // bounded: a test that fails never leaves this thread behind for long
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            releasePlain.countDown();
            releaseStreams.countDown();
            closed.countDown();
            server.stop(0);
            executor.shutdownNow();
        }
    }
}

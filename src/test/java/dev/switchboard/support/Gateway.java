package dev.switchboard.support;

import dev.switchboard.App;
import dev.switchboard.Settings;
import dev.switchboard.fakes.FakeOpenAi;
import jakarta.jms.JMSException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * A real gateway for one test class: started once on ephemeral loopback ports, its OpenAI provider pointed at
 * a {@link FakeOpenAi}, with its own data folder and a copy of the rules folder the test may edit.
 */
public final class Gateway implements AutoCloseable {
    public static final String PROVIDER_KEY = "sk-test-provider-key-0123456789abcdef";
    /** The management API's admin token in tests; requests to the management port carry it unless they set their own. */
    public static final String ADMIN_TOKEN = "sb-test-admin-token-0123456789";
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** The embedded broker's client credentials in tests. */
    public static final String JMS_USER = "sb-test-jms";
    public static final String JMS_PASSWORD = "sb-test-jms-password-0123456789";

    public final FakeOpenAi fake;
    public final App app;
    public final Path dir;
    public final Path rulesDir;
    public final int jmsPort;
    /** Connected on first use, closed with the gateway. */
    private JmsClient jms;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Gateway(FakeOpenAi fake, App app, Path dir, Path rulesDir, int jmsPort) {
        this.fake = fake;
        this.app = app;
        this.dir = dir;
        this.rulesDir = rulesDir;
        this.jmsPort = jmsPort;
    }

    public static Gateway start() {
        return start(Map.of());
    }

    /** Starts fake + gateway; {@code extraEnv} overrides the test defaults (e.g. SWITCHBOARD_DB_URL). */
    public static Gateway start(Map<String, String> extraEnv) {
        return start(extraEnv, java.time.Clock.systemUTC());
    }

    /** As {@link #start(Map)}, with the clock the response cache's answers expire by (a test moves it). */
    public static Gateway start(Map<String, String> extraEnv, java.time.Clock clock) {
        FakeOpenAi fake = FakeOpenAi.start();
        try {
            Path dir = Files.createTempDirectory("switchboard-test");
            Path rules = Files.createDirectories(dir.resolve("rules"));
            Files.copy(Path.of("rules/routing.drl"), rules.resolve("routing.drl"));
            int jmsPort = freePort();
            Map<String, String> env = new HashMap<>();
            env.put("SWITCHBOARD_HOST", "127.0.0.1");
            env.put("SWITCHBOARD_PORT", "0");
            env.put("SWITCHBOARD_MANAGEMENT_PORT", "0");
            env.put("SWITCHBOARD_JMS_PORT", Integer.toString(jmsPort));
            env.put("SWITCHBOARD_DATA", dir.resolve("data").toString());
            env.put("SWITCHBOARD_RULES", rules.toString());
            env.put("SWITCHBOARD_ROUTES", "routes");
            env.put("SWITCHBOARD_CATALOG", "src/test/resources/test-catalog.yaml");
            env.put("SWITCHBOARD_BREAKER_MIN_CALLS", "4");
            env.put("SWITCHBOARD_RETRIES", "0"); // tests of retries turn them on themselves
            env.put("SWITCHBOARD_RULES_POLL_MS", "200");
            env.put("OPENAI_BASE_URL", fake.baseUrl());
            env.put("OPENAI_API_KEY", PROVIDER_KEY);
            env.put("SWITCHBOARD_ADMIN_TOKEN", ADMIN_TOKEN);
            env.put("SWITCHBOARD_JMS_USER", JMS_USER);
            env.put("SWITCHBOARD_JMS_PASSWORD", JMS_PASSWORD);
            env.put("SWITCHBOARD_ALLOW_ANONYMOUS", "true"); // agent keys are tested where a test turns this off
            env.putAll(extraEnv);
            if (TestDatabase.postgres() && !extraEnv.containsKey("SWITCHBOARD_DB_URL")) {
                env.putAll(TestDatabase.of(Path.of(env.get("SWITCHBOARD_DATA"))).env());
            }
            App app = App.start(Settings.fromEnv(env), clock);
            return new Gateway(fake, app, dir, rules, jmsPort);
        } catch (IOException | RuntimeException e) {
            fake.close();
            throw new IllegalStateException("cannot start the gateway for the test: " + e.getMessage(), e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + app.port() + "/v1";
    }

    /** A TCP client of the embedded broker, as an agent in another process has it: with the broker's credentials. */
    public ActiveMQConnectionFactory jmsConnectionFactory() {
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + jmsPort, JMS_USER, JMS_PASSWORD);
    }

    /** The test class's client of the JMS front door: connected on first use, closed with the gateway. */
    public synchronized JmsClient jms() throws JMSException {
        if (jms == null) {
            jms = JmsClient.connect(this);
        }
        return jms;
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + app.managementPort();
    }

    public HttpResponse<String> postChat(String json, String... headers) {
        return post("/chat/completions", json, headers);
    }

    public HttpResponse<String> post(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(baseUrl() + path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    /** A call to the management API, as the admin (see {@link #send}); {@code json} is the body, none when null. */
    public HttpResponse<String> admin(String method, String path, String json) {
        return send(HttpRequest.newBuilder(uri(managementUrl() + path)).header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** A new management token of {@code role}, created by the admin: its secret (fails unless the API answers 201). */
    public String createToken(String name, String role) {
        HttpResponse<String> r = admin("POST", "/admin/api/tokens", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("token '" + name + "' not created: " + r.statusCode() + " " + r.body());
        }
        try {
            return MAPPER.readTree(r.body()).path("token").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(uri(url)).timeout(TIMEOUT).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        if (request.uri().toString().startsWith(managementUrl() + "/admin/") && request.headers().firstValue("Authorization").isEmpty()) {
            request = HttpRequest.newBuilder(request, (name, value) -> true).header("Authorization", "Bearer " + ADMIN_TOKEN).build();
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The usage row of a request, waiting until the asynchronous writer has stored it. */
    public com.fasterxml.jackson.databind.JsonNode usageRow(String requestId) {
        return Await.until("usage row " + requestId, TIMEOUT, () -> {
            HttpResponse<String> r = get(managementUrl() + "/admin/api/usage?limit=500");
            if (r.statusCode() != 200) {
                return null;
            }
            try {
                for (com.fasterxml.jackson.databind.JsonNode row : MAPPER.readTree(r.body()).path("data")) {
                    if (row.path("request_id").asText().equals(requestId)) {
                        return row;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }, java.util.Objects::nonNull);
    }

    public static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    public HttpClient client() {
        return http;
    }

    public static String chatBody(String model, String userText) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + userText + "\"}]}";
    }

    private static URI uri(String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A loopback port free at the moment of asking, for a server the test starts itself. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        try {
            closeJms();
        } finally {
            app.close();
            fake.close();
        }
    }

    private synchronized void closeJms() {
        if (jms != null) {
            try {
                jms.close();
            } catch (JMSException e) {
                throw new IllegalStateException("cannot close the test's JMS client", e);
            }
        }
    }
}

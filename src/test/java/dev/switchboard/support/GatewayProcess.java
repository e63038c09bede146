package dev.switchboard.support;

import dev.switchboard.App;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway in a process of its own (this JVM's classpath), as an operator runs one: started with exactly the
 * environment given (nothing of this JVM's, so no real provider key), its log in a file, and killed with SIGKILL or
 * stopped with SIGTERM like any process. {@link #restart} starts it again with the same environment and data.
 */
public final class GatewayProcess implements AutoCloseable {
    /** A gateway process starts in seconds; on a loaded 2-core machine it may take more than half a minute. */
    public static final Duration START = Duration.ofSeconds(120);

    private final Map<String, String> env;
    private final Path dir;
    private final String name;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int runs;

    private GatewayProcess(String name, Path dir, Map<String, String> env) {
        this.name = name;
        this.dir = dir;
        this.env = Map.copyOf(env);
    }

    /**
     * Starts a gateway on loopback with ports of its own (data port, management port, JMS port) and {@code env} on top
     * of the test defaults; returns once its {@code /health} answers 200.
     */
    public static GatewayProcess start(String name, Path dir, Map<String, String> env) throws IOException {
        // A copy of the rules of its own, as each test gateway has: a rule written through one instance never touches the repository.
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("rules/routing.drl"), rules.resolve("routing.drl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> all = new HashMap<>();
        all.put("SWITCHBOARD_HOST", "127.0.0.1");
        all.put("SWITCHBOARD_PORT", Integer.toString(Gateway.freePort()));
        all.put("SWITCHBOARD_MANAGEMENT_PORT", Integer.toString(Gateway.freePort()));
        all.put("SWITCHBOARD_JMS_PORT", Integer.toString(Gateway.freePort()));
        all.put("SWITCHBOARD_DATA", dir.resolve("data").toString());
        all.put("SWITCHBOARD_INSTANCE_ID", name);
        all.put("SWITCHBOARD_RULES", rules.toString());
        all.put("SWITCHBOARD_ROUTES", "routes");
        all.put("SWITCHBOARD_CATALOG", "src/test/resources/test-catalog.yaml");
        all.put("SWITCHBOARD_RETRIES", "0");
        all.put("SWITCHBOARD_ADMIN_TOKEN", Gateway.ADMIN_TOKEN);
        all.put("SWITCHBOARD_JMS_USER", Gateway.JMS_USER);
        all.put("SWITCHBOARD_JMS_PASSWORD", Gateway.JMS_PASSWORD);
        all.put("OPENAI_API_KEY", Gateway.PROVIDER_KEY);
        all.putAll(env);
        GatewayProcess gateway = new GatewayProcess(name, dir, all);
        gateway.launch();
        return gateway;
    }

    /** Starts it again (after a kill or a stop) on the same ports, data and database. */
    public void restart() throws IOException {
        launch();
    }

    private void launch() throws IOException {
        runs++;
        Files.createDirectories(dir);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), App.class.getName())
                .redirectErrorStream(true).redirectOutput(logFile().toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        process = builder.start();
        Await.until(name + " ready" + log(), START, this::health, s -> s == 200);
    }

    public int port() {
        return Integer.parseInt(env.get("SWITCHBOARD_PORT"));
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    public String managementUrl() {
        return "http://127.0.0.1:" + env.get("SWITCHBOARD_MANAGEMENT_PORT");
    }

    /** A management API call as the admin. */
    public HttpResponse<String> admin(String method, String path, String json) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(managementUrl() + path)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + Gateway.ADMIN_TOKEN)
                    .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL (what {@code destroyForcibly} sends on Linux): no shutdown hook runs. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(Gateway.TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError(name + " still alive after SIGKILL");
        }
    }

    /** This run's log. */
    public String log() {
        try {
            return "\n--- " + name + " log ---\n" + Files.readString(logFile());
        } catch (IOException e) {
            return "";
        }
    }

    private Path logFile() {
        return dir.resolve(name + "-" + runs + ".log");
    }

    private int health() {
        if (!process.isAlive()) {
            throw new AssertionError(name + " ended while starting" + log());
        }
        try {
            return http.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/health")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}

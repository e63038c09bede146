package dev.switchboard.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A second OpenAI-shaped provider on 127.0.0.1 for the failures FakeOpenAi does not make, chosen by the upstream
 * model name:
 * <ul>
 *   <li>{@code faulty-429-bare}: 429 rate limit with no {@code retry-after}, {@code retry-after-ms} or reset header</li>
 *   <li>{@code faulty-429-exhausted}: 429 as OpenAI sends it when no request is left: {@code retry-after: 1},
 *       {@code x-ratelimit-remaining-requests: 0}, {@code x-ratelimit-reset-requests: 1s}</li>
 *   <li>{@code faulty-502}: 502 with a proxy's HTML page (no JSON error)</li>
 *   <li>{@code faulty-filter}: 400 {@code content_filter} error (Azure OpenAI's prompt filter)</li>
 *   <li>{@code faulty-recovers}: 503 the first time a prompt is seen, then a normal answer for the same prompt</li>
 *   <li>any other name: a normal answer "Hello from &lt;model&gt;" (streamed when asked)</li>
 * </ul>
 * Kept in this package on purpose: the shared fakes are being reworked and these failures belong to this suite.
 */
final class FaultyProvider implements AutoCloseable {
    static final String RATE_LIMIT_WITHOUT_HINT = "faulty-429-bare";
    static final String RATE_LIMIT_EXHAUSTED = "faulty-429-exhausted";
    static final String BAD_GATEWAY = "faulty-502";
    static final String CONTENT_FILTER = "faulty-filter";
    static final String RECOVERS = "faulty-recovers";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Set<String> promptsSeen = ConcurrentHashMap.newKeySet();

    private FaultyProvider(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static FaultyProvider start() {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "faulty-provider-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            FaultyProvider provider = new FaultyProvider(server, executor);
            server.createContext("/", provider::handle);
            server.setExecutor(executor);
            server.start();
            return provider;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start the faulty provider", e);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Chat requests received for this upstream model name. */
    int calls(String model) {
        AtomicInteger n = calls.get(model);
        return n == null ? 0 : n.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            if (!"POST".equals(ex.getRequestMethod()) || !"/v1/chat/completions".equals(ex.getRequestURI().getPath())) {
                send(ex, 404, "application/json", error("Invalid URL", "invalid_request_error", null));
                return;
            }
            JsonNode body = JSON.readTree(raw);
            String model = body.path("model").asText("");
            boolean stream = body.path("stream").asBoolean(false);
            calls.computeIfAbsent(model, k -> new AtomicInteger()).incrementAndGet();
            switch (model) {
                case RATE_LIMIT_WITHOUT_HINT -> send(ex, 429, "application/json",
                        error("Rate limit reached for requests", "requests", "rate_limit_exceeded"));
                case RATE_LIMIT_EXHAUSTED -> {
                    ex.getResponseHeaders().set("retry-after", "1");
                    ex.getResponseHeaders().set("x-ratelimit-remaining-requests", "0");
                    ex.getResponseHeaders().set("x-ratelimit-reset-requests", "1s");
                    send(ex, 429, "application/json", error("Rate limit reached for requests", "requests", "rate_limit_exceeded"));
                }
                case BAD_GATEWAY -> send(ex, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
                case CONTENT_FILTER -> send(ex, 400, "application/json", error("The response was filtered due to the prompt "
                        + "triggering the content management policy.", "invalid_request_error", "content_filter"));
                case RECOVERS -> {
                    JsonNode messages = body.path("messages");
                    String prompt = messages.path(messages.size() - 1).toString();
                    if (promptsSeen.add(prompt)) {
                        send(ex, 503, "application/json", error("The engine is currently overloaded", "server_error", null));
                    } else {
                        answer(ex, model, stream);
                    }
                }
                default -> answer(ex, model, stream);
            }
        } catch (IOException e) {
            // the gateway went away (a timeout on its side); nothing left to answer
        }
    }

    private static void answer(HttpExchange ex, String model, boolean stream) throws IOException {
        String id = "chatcmpl-faulty-" + System.nanoTime();
        if (!stream) {
            ObjectNode resp = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", 1700000000L)
                    .put("model", model);
            ObjectNode choice = resp.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", "Hello from " + model);
            resp.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
            send(ex, 200, "application/json", resp.toString());
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (String piece : new String[] {"Hello", " from ", model}) {
            ObjectNode chunk = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                    .put("created", 1700000000L).put("model", model);
            chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", piece);
            out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode finish = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", 1700000000L).put("model", model);
        finish.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop").putObject("delta");
        ObjectNode usage = JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", 1700000000L).put("model", model);
        usage.putArray("choices");
        usage.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
        out.write(("data: " + finish + "\n\ndata: " + usage + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String error(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
        return root.toString();
    }

    private static void send(HttpExchange ex, int status, String contentType, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

package dev.switchboard.resilience;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.switchboard.fakes.FakeServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * Kept in this package on purpose: these failures belong to this suite; the server itself is a {@link FakeServer},
 * which counts the chat requests of each model ({@link #countFor}).
 */
final class FaultyProvider extends FakeServer {
    static final String RATE_LIMIT_WITHOUT_HINT = "faulty-429-bare";
    static final String RATE_LIMIT_EXHAUSTED = "faulty-429-exhausted";
    static final String BAD_GATEWAY = "faulty-502";
    static final String CONTENT_FILTER = "faulty-filter";
    static final String RECOVERS = "faulty-recovers";

    private final Set<String> promptsSeen = ConcurrentHashMap.newKeySet();

    private FaultyProvider() {
        super("faulty-provider-", "the faulty provider");
    }

    static FaultyProvider start() {
        return serve(new FaultyProvider());
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** Only chat requests count for a model. */
    @Override
    protected String modelOf(String method, String path, String body) {
        return isChat(method, path) ? jsonModel(body) : null;
    }

    private static boolean isChat(String method, String path) {
        return "POST".equals(method) && "/v1/chat/completions".equals(path);
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        if (!isChat(rec.method(), rec.path())) {
            sendText(ex, 404, "application/json", error("Invalid URL", "invalid_request_error", null));
            return;
        }
        JsonNode body = JSON.readTree(rec.body());
        String model = body.path("model").asText("");
        boolean stream = body.path("stream").asBoolean(false);
        switch (model) {
            case RATE_LIMIT_WITHOUT_HINT -> sendText(ex, 429, "application/json",
                    error("Rate limit reached for requests", "requests", "rate_limit_exceeded"));
            case RATE_LIMIT_EXHAUSTED -> {
                ex.getResponseHeaders().set("retry-after", "1");
                ex.getResponseHeaders().set("x-ratelimit-remaining-requests", "0");
                ex.getResponseHeaders().set("x-ratelimit-reset-requests", "1s");
                sendText(ex, 429, "application/json", error("Rate limit reached for requests", "requests", "rate_limit_exceeded"));
            }
            case BAD_GATEWAY -> sendText(ex, 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
            case CONTENT_FILTER -> sendText(ex, 400, "application/json", error("The response was filtered due to the prompt "
                    + "triggering the content management policy.", "invalid_request_error", "content_filter"));
            case RECOVERS -> {
                JsonNode messages = body.path("messages");
                String prompt = messages.path(messages.size() - 1).toString();
                if (promptsSeen.add(prompt)) {
                    sendText(ex, 503, "application/json", error("The engine is currently overloaded", "server_error", null));
                } else {
                    answer(ex, model, stream);
                }
            }
            default -> answer(ex, model, stream);
        }
    }

    private void answer(HttpExchange ex, String model, boolean stream) throws IOException {
        String id = "chatcmpl-faulty-" + System.nanoTime();
        if (!stream) {
            ObjectNode resp = JSON.createObjectNode().put("id", id).put("object", "chat.completion").put("created", 1700000000L)
                    .put("model", model);
            ObjectNode choice = resp.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", "Hello from " + model);
            resp.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
            sendText(ex, 200, "application/json", resp.toString());
            return;
        }
        startStream(ex, "text/event-stream");
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
}

package dev.switchboard.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.switchboard.fakes.FakeServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-shaped provider on 127.0.0.1 for the limit tests, chosen by the last user message:
 * <ul>
 *   <li>{@link #HOLD}: waits until {@link #release()}, then answers (counts the requests it holds)</li>
 *   <li>{@link #HUGE}: a 200 whose JSON answer is over {@link #HUGE_BYTES} long, in many short strings (no parser
 *       limit on one string stops it)</li>
 *   <li>{@link #FIREHOSE}: a stream of {@link #FIREHOSE_EVENTS} events of {@link #FIREHOSE_EVENT_CHARS} characters,
 *       counting the bytes it got out and how long its current write has been waiting ({@link #writeWaitMillis()}:
 *       the reader on the other end stopped taking them)</li>
 *   <li>anything else: "ok"</li>
 * </ul>
 */
final class LimitsProvider extends FakeServer {
    static final String HOLD = "hold";
    static final String HUGE = "huge";
    static final String FIREHOSE = "firehose";
    static final int HUGE_BYTES = 20 * 1024 * 1024;
    private static final int PADDING_PIECE_CHARS = 1024;
    static final int FIREHOSE_EVENTS = 1024;
    static final int FIREHOSE_EVENT_CHARS = 64 * 1024;
    private static final long HOLD_LIMIT_SECONDS = 60;

    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger holding = new AtomicInteger();
    private final AtomicLong firehoseBytes = new AtomicLong();
    /** When the write in progress began (nanoTime), or 0 between writes. */
    private volatile long writingSince;

    private LimitsProvider() {
        super("limits-provider-", "the limits provider");
    }

    static LimitsProvider start() {
        return serve(new LimitsProvider());
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    int holding() {
        return holding.get();
    }

    void release() {
        released.countDown();
    }

    long firehoseBytes() {
        return firehoseBytes.get();
    }

    long writeWaitMillis() {
        long since = writingSince;
        return since == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    @Override
    protected String modelOf(String method, String path, String body) {
        return jsonModel(body);
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        JsonNode request = JSON.readTree(rec.body());
        JsonNode messages = request.path("messages");
        String prompt = messages.path(messages.size() - 1).path("content").asText("");
        String model = request.path("model").asText();
        switch (prompt) {
            case HOLD -> {
                holding.incrementAndGet();
                try {
                    released.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    holding.decrementAndGet();
                }
                answer(ex, model, "ok", 0);
            }
            case HUGE -> answer(ex, model, "ok", HUGE_BYTES);
            case FIREHOSE -> firehose(ex, model);
            default -> answer(ex, model, "ok", 0);
        }
    }

    /** A chat completion with {@code paddingBytes} of extra fields a client ignores. */
    private void answer(HttpExchange ex, String model, String content, int paddingBytes) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("id", "chatcmpl-limits").put("object", "chat.completion")
                .put("created", 0).put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        body.putObject("usage").put("prompt_tokens", 1).put("completion_tokens", 1).put("total_tokens", 2);
        var padding = body.putArray("padding");
        String piece = "p".repeat(PADDING_PIECE_CHARS);
        for (int i = 0; i < paddingBytes / PADDING_PIECE_CHARS; i++) {
            padding.add(piece);
        }
        sendJson(ex, 200, body);
    }

    private void firehose(HttpExchange ex, String model) throws IOException {
        startStream(ex, "text/event-stream");
        OutputStream out = ex.getResponseBody();
        String piece = "x".repeat(FIREHOSE_EVENT_CHARS);
        for (int i = 0; i < FIREHOSE_EVENTS; i++) {
            event(out, "{\"id\":\"chatcmpl-limits\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"},\"finish_reason\":null}]}");
        }
        event(out, "{\"id\":\"chatcmpl-limits\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        event(out, "[DONE]");
    }

    private void event(OutputStream out, String payload) throws IOException {
        byte[] bytes = ("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8);
        writingSince = System.nanoTime();
        try {
            out.write(bytes);
            out.flush();
        } finally {
            writingSince = 0;
        }
        firehoseBytes.addAndGet(bytes.length);
    }

    /** Lets the held requests go, then stops the server. */
    @Override
    public void close() {
        released.countDown();
        super.close();
    }
}

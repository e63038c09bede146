package dev.switchboard.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.switchboard.fakes.FakeServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-shaped provider on 127.0.0.1 that streams a long answer slowly, one word every {@link #DRIP_MS},
 * with no usage totals: a stream a caller can leave in the middle of. It counts the streams whose reader
 * dropped the connection before the end ({@link #cut()}) and those it finished ({@link #finished()}).
 */
final class DripProvider extends FakeServer {
    /** Pace of the stream (milliseconds a word). */
    static final long DRIP_MS = 50;
    /** Words of one answer: {@code WORDS * DRIP_MS} = 60 s, far longer than any test waits. */
    static final int WORDS = 1_200;
    static final String WORD = "drip ";

    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();

    private DripProvider() {
        super("drip-provider-", "the drip provider");
    }

    static DripProvider start() {
        return serve(new DripProvider());
    }

    @Override
    public String baseUrl() {
        return origin() + "/v1";
    }

    /** Streams whose reader (the gateway) closed the connection before the answer ended. */
    int cut() {
        return cut.get();
    }

    /** Streams sent to their end. */
    int finished() {
        return finished.get();
    }

    @Override
    protected String modelOf(String method, String path, String body) {
        return jsonModel(body);
    }

    @Override
    protected void dispatch(HttpExchange ex, Recorded rec) throws IOException {
        String model = JSON.readTree(rec.body()).path("model").asText();
        startStream(ex, "text/event-stream");
        OutputStream out = ex.getResponseBody();
        try {
            for (int i = 0; i < WORDS; i++) {
                word(out, model);
                if (closing.await(DRIP_MS, TimeUnit.MILLISECONDS)) {
                    return; // the test is over
                }
            }
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            finished.incrementAndGet();
        } catch (IOException readerLeft) {
            cut.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One chunk of the answer: a word in the delta of choice 0. */
    private static void word(OutputStream out, String model) throws IOException {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-drip").put("object", "chat.completion.chunk")
                .put("created", 1700000000L).put("model", model);
        chunk.putArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put("content", WORD);
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Ends the streams still dripping, then stops the server. */
    @Override
    public void close() {
        closing.countDown();
        super.close();
    }
}

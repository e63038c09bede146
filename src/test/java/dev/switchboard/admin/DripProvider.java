package dev.switchboard.admin;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-shaped provider on 127.0.0.1 that streams a long answer slowly, one word every {@link #DRIP_MS},
 * with no usage totals: a stream a caller can leave in the middle of. It counts the streams whose reader
 * dropped the connection before the end ({@link #cut()}) and those it finished ({@link #finished()}).
 */
final class DripProvider implements AutoCloseable {
    /** Pace of the stream (milliseconds a word). */
    static final long DRIP_MS = 50;
    /** Words of one answer: {@code WORDS * DRIP_MS} = 60 s, far longer than any test waits. */
    static final int WORDS = 1_200;
    static final String WORD = "drip ";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();

    private DripProvider(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static DripProvider start() {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "drip-provider-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            DripProvider provider = new DripProvider(server, executor);
            server.createContext("/", provider::handle);
            server.setExecutor(executor);
            server.start();
            return provider;
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start the drip provider", e);
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Streams whose reader (the gateway) closed the connection before the answer ended. */
    int cut() {
        return cut.get();
    }

    /** Streams sent to their end. */
    int finished() {
        return finished.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String model = JSON.readTree(ex.getRequestBody().readAllBytes()).path("model").asText();
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
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
            }
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

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}

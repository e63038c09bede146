package dev.switchboard.fakes;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every fake provider shares: a JDK {@link HttpServer} on 127.0.0.1 (a free port) served by daemon threads,
 * the recording of every request (header names lower-cased) before it is answered, the list of unexpected ones,
 * {@code fake-hang} handlers released on {@link #close()}, the dropped connection of {@code fake-cut}, and the
 * low-level response writers. A subclass supplies its wire format: {@link #modelOf} (which model a request is
 * for), {@link #dispatch} (the answer), and optionally {@link #commonHeaders} and {@link #sendJson}.
 * <p>
 * A subclass's static {@code start()} constructs it, then calls {@link #serve()} once its own fields are set.
 */
public abstract class FakeServer implements AutoCloseable {

    /**
     * One received request. {@code query} is the raw query string or null; {@code model} is the model the request
     * is for as the fake's {@link #modelOf} finds it (the JSON "model" of a body, or Gemini's URL), else null.
     */
    public record Recorded(String method, String path, String query, Map<String, List<String>> headers, String body,
                           String model) {
        /** First value of a header (name matched case-insensitively), or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The body parsed as JSON (throws if it is not JSON). */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    protected static final ObjectMapper JSON = new ObjectMapper();
    /** What {@code fake-garbage} answers with a 200: a proxy's error page instead of JSON. */
    protected static final String BAD_GATEWAY_HTML = "<html><body>502 Bad Gateway</body></html>";
    /** {@code fake-slow} answers after this long. */
    protected static final long SLOW_DELAY_MS = 300;
    /** A real cut comes some time after the first bytes; dropping at once can reset them before they are read. */
    protected static final long CUT_DELAY_MS = 200;
    private static final long HANG_LIMIT_SECONDS = 120;

    /** Thrown from the handler so that HttpServer drops the connection without finishing the body. */
    protected static final class AbruptClose extends IOException {
        AbruptClose() {
            super("fake-cut: connection dropped on purpose");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final List<Recorded> unexpected = new CopyOnWriteArrayList<>();

    /**
     * Binds 127.0.0.1 on a free port (not answering until {@link #serve()}).
     *
     * @param threadPrefix names the handler threads, e.g. {@code "fake-openai-"}
     * @param description  names the fake in the error when it cannot start
     */
    protected FakeServer(String threadPrefix, String description) {
        AtomicInteger threads = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadPrefix + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("cannot start " + description, e);
        }
    }

    /** Starts answering; returns the fake, for the subclass's {@code start()}. */
    protected static <F extends FakeServer> F serve(F fake) {
        FakeServer base = fake;       // the private fields are not reachable through the type variable
        base.server.createContext("/", base::handle);
        base.server.setExecutor(base.executor);
        base.server.start();
        return fake;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where the provider's SDK would point: the origin plus the fake's path prefix, if any. */
    public abstract String baseUrl();

    /** {@code http://127.0.0.1:<port>}, without a path. */
    protected final String origin() {
        return "http://127.0.0.1:" + port();
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public List<Recorded> requestsFor(String model) {
        return requests.stream().filter(r -> r.model() != null && r.model().equals(model)).toList();
    }

    public int countFor(String model) {
        return requestsFor(model).size();
    }

    /** Requests to unknown paths/methods (answered 404). Tests should assert this is empty. */
    public List<Recorded> unexpected() {
        return List.copyOf(unexpected);
    }

    /** Clears recorded requests (and unexpected ones). */
    public void reset() {
        requests.clear();
        unexpected.clear();
    }

    @Override
    public void close() {
        closing.countDown();          // release fake-hang handlers first
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- hooks

    /**
     * The model a request is for, recorded as {@link Recorded#model()} and matched by {@link #requestsFor}; null
     * when it names none. The JSON fakes read the body's "model" (see {@link #jsonModel}) on the routes that take
     * one; Gemini reads it from the URL.
     */
    protected abstract String modelOf(String method, String path, String body);

    /** Answers a request, already recorded as {@code rec}. Throw {@link AbruptClose} to drop the connection. */
    protected abstract void dispatch(HttpExchange ex, Recorded rec) throws IOException;

    /** Headers the provider puts on every answer; called before the status line is sent. None by default. */
    protected void commonHeaders(HttpExchange ex) {
    }

    // ---------------------------------------------------------------- dispatch

    private void handle(HttpExchange ex) throws IOException {
        boolean abrupt = false;
        try {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Recorded rec = new Recorded(method, path, ex.getRequestURI().getRawQuery(),
                    lowerCased(ex.getRequestHeaders()), body, modelOf(method, path, body));
            requests.add(rec);
            dispatch(ex, rec);
        } catch (AbruptClose e) {
            abrupt = true;
            throw e;                  // HttpServer closes the socket; the response stays unfinished
        } catch (IOException e) {
            // the client went away; nothing left to answer
        } finally {
            if (!abrupt) {
                ex.close();
            }
        }
    }

    /** Lists the request in {@link #unexpected()}; the caller still answers it (404). */
    protected final void markUnexpected(Recorded rec) {
        unexpected.add(rec);
    }

    /** The body as a JSON object, or null when it is not one. */
    protected static ObjectNode jsonObject(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return json != null && json.isObject() ? (ObjectNode) json : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The textual "model" of a JSON object body, else null. */
    protected static String jsonModel(String body) {
        ObjectNode json = jsonObject(body);
        return json != null && json.path("model").isTextual() ? json.get("model").asText() : null;
    }

    // ---------------------------------------------------------------- failure helpers

    /** {@code fake-hang}: waits for {@link #close()} (or 120 s). */
    protected final void hang() {
        try {
            closing.await(HANG_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // then return without answering: closing the exchange drops the connection
    }

    /** Announces 500 bytes, sends {@code start}, then drops the connection. */
    protected final void cutShort(HttpExchange ex, String contentType, String start) throws IOException {
        sendHeaders(ex, 200, contentType, 500);
        OutputStream out = ex.getResponseBody();
        out.write(start.getBytes(StandardCharsets.UTF_8));
        out.flush();
        throw new AbruptClose();
    }

    protected static void pause(long millis) {
        try {
            Thread.sleep(millis);     // deliberate provider delays (fake-slow, fake-cut)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** 8 floats in [-1, 1) derived from the SHA-256 of the input: same input, same vector. */
    public static float[] vectorFor(String input) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            float[] vector = new float[8];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = ((hash[i] & 0xff) - 128) / 128f;
            }
            return vector;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- low-level

    /** A compact JSON body as {@code application/json}; fakes whose provider differs override it. */
    protected void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(body));
    }

    protected final void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        send(ex, status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole body of known length, with the {@link #commonHeaders}. */
    protected void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        sendHeaders(ex, status, contentType, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** A 200 whose body follows in chunks (a stream), with the {@link #commonHeaders}; write to the response body. */
    protected final void startStream(HttpExchange ex, String contentType) throws IOException {
        sendHeaders(ex, 200, contentType, 0);
    }

    private void sendHeaders(HttpExchange ex, int status, String contentType, long length) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        commonHeaders(ex);
        ex.sendResponseHeaders(status, length);
    }

    private static Map<String, List<String>> lowerCased(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        headers.forEach((name, values) -> out.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                .addAll(values));
        out.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(out);
    }
}

package dev.switchboard.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 15: callers cannot hold connections. A connection that sends nothing is closed after the idle
 * timeout, on both servers; one that trickles its headers or body (slow loris) is closed even though bytes keep
 * coming; a stream whose caller stops reading is cut off and recorded truncated. Requests that behave are served
 * as before.
 */
class ServerTimeoutsTest {
    private static final int IDLE_SECONDS = 1;
    private static final int READ_SECONDS = 2;
    /** Well past both timeouts: a connection still open then was never going to be closed. */
    private static final int GIVE_UP_MILLIS = 10_000;
    /** The trickle's pace: faster than the idle timeout, so only the read timeout can stop it. */
    private static final int TRICKLE_MILLIS = 200;
    /** Small, so that the gateway's writes fill it quickly once the caller stops reading. */
    private static final int CALLER_RECEIVE_BUFFER = 64 * 1024;

    private static final Pattern REQUEST_ID = Pattern.compile("(?i)x-switchboard-request-id: (\\S+)");

    private static LimitsProvider provider;
    private static Gateway gw;

    @BeforeAll
    static void start() {
        provider = LimitsProvider.start();
        gw = Gateway.start(Map.of("OPENAI_BASE_URL", provider.baseUrl(),
                "SWITCHBOARD_IDLE_TIMEOUT_SECONDS", Integer.toString(IDLE_SECONDS),
                "SWITCHBOARD_REQUEST_READ_TIMEOUT_SECONDS", Integer.toString(READ_SECONDS)));
    }

    @AfterAll
    static void stop() {
        gw.close();
        provider.close();
    }

    @Test
    void should_close_a_silent_connection_after_the_idle_timeout_on_both_servers() throws IOException {
        for (int port : new int[] {gw.app.port(), gw.app.managementPort()}) {
            try (Socket socket = connect(port)) {
                long t0 = System.nanoTime();
                socket.setSoTimeout(GIVE_UP_MILLIS);
                assertTrue(closedByServer(socket.getInputStream()), "port " + port + ": the silent connection is closed");
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms >= IDLE_SECONDS * 1000L - 100 && ms < READ_SECONDS * 1000L,
                        "closed by the idle timeout (not at once, not by the read timeout): " + ms + " ms");
            }
        }
    }

    @Test
    void should_close_a_connection_that_trickles_its_body() throws IOException {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000\r\n\r\n{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        assertTrickleIsCut(gw.app.port(), head, READ_SECONDS);
        assertTrickleIsCut(gw.app.managementPort(), "POST /admin/api/rules/test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + Gateway.ADMIN_TOKEN + "\r\nContent-Length: 100000\r\n\r\n{", READ_SECONDS);
    }

    /** Cut by the idle timeout here: Vert.x counts decoded messages, and unfinished headers decode to none. */
    @Test
    void should_close_a_connection_that_trickles_its_headers() throws IOException {
        assertTrickleIsCut(gw.app.port(), "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", IDLE_SECONDS);
    }

    /** A stream's caller that takes nothing for the idle timeout is cut off, and the row says so. */
    @Test
    void should_cut_off_a_stream_whose_caller_stops_reading() throws IOException {
        try (Socket caller = new Socket()) {
            caller.setReceiveBufferSize(CALLER_RECEIVE_BUFFER);
            caller.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.app.port()));
            caller.setSoTimeout(GIVE_UP_MILLIS);
            byte[] body = ("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                    + LimitsProvider.FIREHOSE + "\"}]}").getBytes(StandardCharsets.UTF_8);
            OutputStream out = caller.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = caller.getInputStream();
            byte[] head = new byte[1024];
            int n = in.readNBytes(head, 0, head.length); // the head, then the caller reads no more
            Matcher id = REQUEST_ID.matcher(new String(head, 0, n, StandardCharsets.ISO_8859_1));
            assertTrue(id.find(), new String(head, 0, n, StandardCharsets.ISO_8859_1));

            com.fasterxml.jackson.databind.JsonNode row = gw.usageRow(id.group(1));
            assertEquals("truncated", row.path("outcome").asText(), row.toString());
            assertTrue(row.path("error").asText().contains("read nothing for " + IDLE_SECONDS + " s"), row.toString());
            assertTrue(closedByServer(in, new byte[64 * 1024]), "the stalled caller's connection is closed");
        }
    }

    @Test
    void should_still_serve_requests_that_behave() throws Exception {
        // A client of its own: the shared one may hold a kept-alive connection the idle timeout has closed.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest chat = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/chat/completions")).timeout(Gateway.TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Gateway.chatBody("gpt-4o-mini", "hi"))).build();
        assertEquals(200, client.send(chat, HttpResponse.BodyHandlers.ofString()).statusCode());
        HttpRequest health = HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/health")).timeout(Gateway.TIMEOUT).build();
        assertEquals(200, client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    /** Sends {@code head}, then one byte per {@link #TRICKLE_MILLIS}: the server must hang up after {@code seconds}. */
    private static void assertTrickleIsCut(int port, String head, int seconds) throws IOException {
        try (Socket socket = connect(port)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            out.flush();
            socket.setSoTimeout(TRICKLE_MILLIS); // the read below paces the trickle and notices the hang-up
            long t0 = System.nanoTime();
            boolean cut = false;
            for (int i = 0; i < GIVE_UP_MILLIS / TRICKLE_MILLIS && !cut; i++) {
                try {
                    out.write('a');
                    out.flush();
                    cut = in.read() == -1;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing from the server yet: trickle on
                } catch (SocketException reset) {
                    cut = true;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(cut, "port " + port + ": a trickling request is cut off (still open after " + ms + " ms)");
            assertTrue(ms >= seconds * 1000L - 500, "cut by the timeout of " + seconds + " s, not before: " + ms + " ms");
        }
    }

    private static Socket connect(int port) throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), port);
    }

    /** True when the server closes (or resets) the connection before the socket's read timeout, whatever came before. */
    private static boolean closedByServer(InputStream in, byte[] buffer) throws IOException {
        try {
            for (long total = 0; total <= LimitsProvider.FIREHOSE_EVENTS * (long) LimitsProvider.FIREHOSE_EVENT_CHARS; ) {
                int n = in.read(buffer);
                if (n == -1) {
                    return true;
                }
                total += n;
            }
            return false; // the whole stream came: it was never cut
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    /** True when the server closes (or resets) the connection before the socket's read timeout. */
    private static boolean closedByServer(InputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }
}

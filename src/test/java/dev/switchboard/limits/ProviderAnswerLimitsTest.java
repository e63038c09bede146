package dev.switchboard.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.support.Await;
import dev.switchboard.support.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, item 15: a provider cannot fill the gateway's memory. A whole answer over 16 MiB fails the attempt
 * (502, recorded) instead of being read; a stream is read from the provider no faster than the caller reads it,
 * so a caller that stops reading stops the provider (its writes block) and the stream completes once it reads on.
 */
class ProviderAnswerLimitsTest {
    private static final long FIREHOSE_TOTAL = (long) LimitsProvider.FIREHOSE_EVENTS * LimitsProvider.FIREHOSE_EVENT_CHARS;
    /** What may sit in socket buffers and the gateway's write queue while the caller reads nothing. */
    private static final long BUFFERED_AT_MOST = FIREHOSE_TOTAL / 2;
    private static final int CALLER_RECEIVE_BUFFER = 64 * 1024;
    /** A write of the provider waiting this long is blocked: the gateway has stopped reading. */
    private static final long BLOCKED_MILLIS = 1000;
    private static final Pattern REQUEST_ID = Pattern.compile("(?i)x-switchboard-request-id: (\\S+)");

    private static LimitsProvider provider;
    private static Gateway gw;

    @BeforeAll
    static void start() {
        provider = LimitsProvider.start();
        gw = Gateway.start(Map.of("OPENAI_BASE_URL", provider.baseUrl()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        provider.close();
    }

    @Test
    void should_fail_an_answer_larger_than_the_limit_as_response_too_large() throws IOException {
        HttpResponse<String> r = gw.postChat(Gateway.chatBody("gpt-4o-mini", LimitsProvider.HUGE));
        assertEquals(502, r.statusCode(), r.body().length() > 500 ? r.body().substring(0, 500) : r.body());
        JsonNode error = Gateway.MAPPER.readTree(r.body()).path("error");
        assertEquals("upstream_error", error.path("type").asText(), r.body());
        assertTrue(error.path("message").asText().contains("response too large"), r.body());
        JsonNode row = gw.usageRow(r.headers().firstValue("x-switchboard-request-id").orElseThrow());
        assertEquals(502, row.path("status").asInt(), row.toString());
        assertEquals("server_error", row.path("attempts").path(0).path("outcome").asText(), row.toString());
    }

    @Test
    void should_read_a_stream_no_faster_than_a_slow_caller_and_complete_when_it_reads_on() throws Exception {
        try (Socket caller = new Socket()) {
            caller.setReceiveBufferSize(CALLER_RECEIVE_BUFFER);
            caller.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.app.port()));
            caller.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
            String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                    + LimitsProvider.FIREHOSE + "\"}]}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = caller.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Connection: close\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();

            Await.until("the provider's write blocked while the caller reads nothing (sent " + provider.firehoseBytes() + " bytes)",
                    Gateway.TIMEOUT, provider::writeWaitMillis, ms -> ms >= BLOCKED_MILLIS);
            long sent = provider.firehoseBytes();
            assertTrue(sent < BUFFERED_AT_MOST, "the gateway buffered " + sent + " bytes of " + FIREHOSE_TOTAL + " for a caller that reads nothing");

            Read read = readToEnd(caller.getInputStream());
            assertTrue(read.head.startsWith("HTTP/1.1 200"), read.head);
            assertTrue(read.bytes > FIREHOSE_TOTAL, "the whole stream arrived: " + read.bytes + " bytes");
            assertTrue(read.tail.contains("data: [DONE]"), "a clean end: " + read.tail);
            Matcher id = REQUEST_ID.matcher(read.head);
            assertTrue(id.find(), read.head);
            JsonNode row = gw.usageRow(id.group(1));
            assertEquals("ok", row.path("outcome").asText(), row.toString());
            assertEquals(200, row.path("status").asInt(), row.toString());
        }
    }

    /** The response head, its size and its last bytes, read to the end without keeping the rest. */
    private record Read(String head, long bytes, String tail) {
    }

    private static Read readToEnd(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        String head = null;
        String tail = "";
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            String chunk = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
            if (head == null) {
                head = chunk;
            }
            total += n;
            String joined = tail + chunk;
            tail = joined.substring(Math.max(0, joined.length() - 256));
        }
        return new Read(head == null ? "" : head, total, tail);
    }
}

package dev.switchboard.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.support.Gateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management API reads no body before the token is checked, never stores uploads, and answers a body over its
 * limit with a JSON 413. A raw socket plays the uploader: it keeps sending while it reads the answer, as an attacker's
 * client would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementBodyLimitTest {
    private static final Path UPLOADS = Path.of("file-uploads");
    private static final int HALF_MIB = 512 * 1024;
    private static final int TEN_MIB = 10 * 1024 * 1024;
    private static final String BOUNDARY = "sb-test-boundary";
    private Gateway gw;

    @BeforeAll
    void start() {
        gw = Gateway.start();
    }

    @AfterAll
    void stop() {
        gw.close();
    }

    /** Sends headers and up to {@code bodyBytes} of body on one thread while this one reads the answer. */
    private List<String> post(String path, String authorization, String contentType, int bodyBytes) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gw.app.managementPort())) {
            socket.setSoTimeout((int) Gateway.TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + authorization + "\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + bodyBytes + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread uploader = new Thread(() -> upload(out, bodyBytes), "uploader");
            uploader.setDaemon(true);
            uploader.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            List<String> answer = new ArrayList<>();
            int contentLength = 0;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                answer.add(line);
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    contentLength = Integer.parseInt(line.substring(15).trim());
                }
            }
            char[] body = new char[contentLength];
            int read = 0;
            for (int n = 0; read < contentLength && n >= 0; read += Math.max(n, 0)) {
                n = in.read(body, read, contentLength - read);
            }
            answer.add(new String(body, 0, read));
            return answer;
        }
    }

    /** A multipart body with one big file part; stops quietly when the server hangs up. */
    private static void upload(OutputStream out, int bodyBytes) {
        byte[] head = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[64 * 1024];
        try {
            out.write(head);
            for (int sent = head.length; sent < bodyBytes; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, bodyBytes - sent));
            }
            out.flush();
        } catch (IOException e) {
            // the server closed the connection: what a refused upload should see
        }
    }

    private static long uploadedFiles() throws IOException {
        if (!Files.isDirectory(UPLOADS)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(UPLOADS)) {
            return files.count();
        }
    }

    @Test
    void should_refuse_an_unauthenticated_upload_without_storing_it() throws Exception {
        boolean existed = Files.exists(UPLOADS);
        long before = uploadedFiles();
        for (int size : new int[] {HALF_MIB, TEN_MIB}) {
            List<String> answer = post("/admin/api/config/import", "Bearer not-a-token", "multipart/form-data; boundary=" + BOUNDARY, size);
            assertEquals("HTTP/1.1 401 Unauthorized", answer.get(0), size + " bytes: " + answer);
            assertTrue(answer.get(answer.size() - 1).contains("invalid_admin_token"), answer.toString());
        }
        assertEquals(existed, Files.exists(UPLOADS), "no uploads folder made");
        assertEquals(before, uploadedFiles(), "nothing stored");
    }

    @Test
    void should_answer_an_authenticated_body_over_the_limit_with_a_json_413() throws Exception {
        long before = uploadedFiles();
        List<String> answer = post("/admin/api/agents", "Bearer " + Gateway.ADMIN_TOKEN, "multipart/form-data; boundary=" + BOUNDARY, 2 * 1024 * 1024);
        assertEquals("HTTP/1.1 413 Request Entity Too Large", answer.get(0), answer.toString());
        assertTrue(answer.contains("Content-Type: application/json"), answer.toString());
        assertEquals("body_too_large", Gateway.MAPPER.readTree(answer.get(answer.size() - 1)).at("/error/code").asText(), answer.toString());
        assertEquals(before, uploadedFiles(), "nothing stored");
        assertEquals(200, gw.get(gw.managementUrl() + "/admin/api/rules").statusCode(), "the server still answers");
    }

    @Test
    void should_accept_a_catalog_import_larger_than_an_ordinary_admin_call() throws Exception {
        String export = gw.get(gw.managementUrl() + "/admin/api/config/export").body();
        String padded = export + "\n#" + "x".repeat(1_500_000) + "\n";
        java.net.http.HttpResponse<String> r = gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.managementUrl()
                + "/admin/api/config/import")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(padded)).build());
        assertEquals(200, r.statusCode(), r.body().length() > 500 ? r.body().substring(0, 500) : r.body());
        assertFalse(r.body().contains("body_too_large"));
    }
}

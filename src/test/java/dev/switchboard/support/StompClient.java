package dev.switchboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A STOMP 1.2 client on a plain socket, as an agent in a language without a JMS client has it: frames are text
 * (a command line, header lines, a blank line, the body, a NUL byte), so this is all a test needs. Header values
 * are escaped as STOMP 1.2 wants ({@code queue://x} is sent as {@code queue\c//x}), as client libraries do.
 */
public final class StompClient implements AutoCloseable {
    /** One frame: its command, headers and body. */
    public record Frame(String command, Map<String, String> headers, String body) {
    }

    /** Longest frame read; a reply is one chat completion. */
    private static final int MAX_FRAME_BYTES = 1 << 20;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private StompClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects and logs in; the broker's answer (CONNECTED, or ERROR for bad credentials) is returned. */
    public static StompClient connect(String host, int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
        return new StompClient(socket);
    }

    /** Sends the CONNECT frame and reads the broker's answer within {@code timeoutMillis}. */
    public Frame login(String login, String passcode, int timeoutMillis) throws IOException {
        send("CONNECT", headers("accept-version", "1.2", "host", "localhost", "login", login, "passcode", passcode), "");
        return receive(timeoutMillis);
    }

    public void send(String command, Map<String, String> headers, String body) throws IOException {
        StringBuilder frame = new StringBuilder(command).append('\n');
        // CONNECT is the one frame whose headers STOMP 1.2 leaves unescaped (for 1.0 brokers)
        headers.forEach((name, value) -> frame.append(name).append(':')
                .append("CONNECT".equals(command) ? value : escape(value)).append('\n'));
        frame.append('\n').append(body);
        out.write(frame.toString().getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.flush();
    }

    /** The next frame, skipping heart-beat line breaks; fails when none completes within {@code timeoutMillis}. */
    public Frame receive(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != 0; b = in.read()) {
            if (b < 0) {
                throw new IOException("the broker closed the connection after " + bytes.size() + " bytes: " + bytes);
            }
            if (bytes.size() >= MAX_FRAME_BYTES) {
                throw new IOException("a frame over " + MAX_FRAME_BYTES + " bytes");
            }
            if (bytes.size() > 0 || (b != '\n' && b != '\r')) {
                bytes.write(b);
            }
        }
        return parse(bytes.toString(StandardCharsets.UTF_8));
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\c").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 'c' ? ':' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Frame parse(String text) {
        int blank = text.indexOf("\n\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        String body = blank < 0 ? "" : text.substring(blank + 2);
        String[] lines = head.split("\r?\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon), unescape(lines[i].substring(colon + 1))); // the first of repeated headers wins
        }
        return new Frame(lines[0], headers, body);
    }

    /** Headers from name, value pairs, in order. */
    public static Map<String, String> headers(String... nameValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 0; i + 1 < nameValues.length; i += 2) {
            headers.put(nameValues[i], nameValues[i + 1]);
        }
        return headers;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

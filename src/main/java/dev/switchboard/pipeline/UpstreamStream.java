package dev.switchboard.pipeline;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.StreamDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.core5.http.io.EofSensorInputStream;

/**
 * A provider's streamed answer being read, line by line, through its adapter's decoder. Every failure comes
 * out as a classified {@link ProviderFailure}: an idle read past the first-byte timeout is a TIMEOUT, a body
 * that ends before the provider's end marker is a cut (SERVER_ERROR). Not thread-safe.
 */
final class UpstreamStream implements AutoCloseable {
    /** An event line longer than this breaks the stream rather than growing the heap without end. */
    static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
    private final InputStream body;
    private final StreamDecoder decoder;
    private final byte[] buffer = new byte[8192];
    private int start;
    private int end;
    private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();

    private final Runnable release;

    /** {@code release} frees the connection once the body is closed. */
    UpstreamStream(InputStream body, StreamDecoder decoder, Runnable release) {
        this.body = body;
        this.decoder = decoder;
        this.release = release;
    }

    /**
     * Reads until the first chunk a caller would see (or a clean end), so the chain can still fall over to
     * another model when the stream fails before that. {@code deadlineNanos} bounds keep-alive-only streams.
     */
    List<ChatChunk> readUntilContent(long deadlineNanos) {
        List<ChatChunk> buffered = new ArrayList<>();
        while (true) {
            List<ChatChunk> chunks = next();
            if (chunks == null) {
                return buffered;
            }
            buffered.addAll(chunks);
            if (chunks.stream().anyMatch(ChatChunk::content)) {
                return buffered;
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new ProviderFailure(FailureClass.TIMEOUT, "the provider sent no content before the first-byte timeout");
            }
        }
    }

    /** The chunks completed by the next line; empty for keep-alives and separators; null after a clean end. */
    List<ChatChunk> next() {
        if (decoder.finished()) {
            return null;
        }
        String line;
        try {
            line = readLine();
        } catch (SocketTimeoutException e) {
            throw new ProviderFailure(FailureClass.TIMEOUT, "the provider stream stalled past the idle timeout");
        } catch (IOException e) {
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider stream broke: " + e.getMessage());
        }
        if (line == null) {
            if (decoder.finished()) {
                return null;
            }
            throw new ProviderFailure(FailureClass.SERVER_ERROR, "the provider stream ended before its end marker (cut short)");
        }
        return decoder.decode(line);
    }

    /**
     * The next line, without its terminator, or null at the end of the body. Reads only what has arrived:
     * a Reader would read ahead and hold an event back until more bytes come.
     */
    private String readLine() throws IOException {
        while (true) {
            for (int i = start; i < end; i++) {
                if (buffer[i] == '\n') {
                    partial.write(buffer, start, i - start);
                    start = i + 1;
                    byte[] bytes = partial.toByteArray();
                    partial.reset();
                    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, len, StandardCharsets.UTF_8);
                }
            }
            partial.write(buffer, start, end - start);
            if (partial.size() > MAX_LINE_BYTES) {
                throw new IOException("an event line is longer than " + MAX_LINE_BYTES / (1024 * 1024) + " MiB");
            }
            start = 0;
            end = body.read(buffer, 0, buffer.length);
            if (end < 0) {
                end = 0;
                if (partial.size() == 0) {
                    return null;
                }
                String last = partial.toString(StandardCharsets.UTF_8);
                partial.reset();
                return last;
            }
        }
    }

    /**
     * Ends the provider's stream. Read to its end marker, the connection goes back to the pool; cut short
     * (the caller left, the relay failed), the connection is dropped instead of drained, so the provider stops
     * generating an answer nobody reads, and stops billing it.
     */
    @Override
    public void close() {
        try {
            if (decoder.finished() || !cancel()) {
                body.close();
            }
        } catch (IOException ignored) {
            // the connection is discarded either way
        } finally {
            release.run();
        }
    }

    /**
     * Drops the provider's connection now, without reading what is left. Safe from another thread while
     * {@link #next} is blocked reading: that read then fails. False when the body is not the HTTP client's own
     * (a decompressed one): only closing it, which reads it to its end, frees that one.
     */
    boolean cancel() {
        if (!(body instanceof EofSensorInputStream connection)) {
            return false;
        }
        try {
            connection.abort();
        } catch (IOException ignored) {
            // dropped either way
        }
        return true;
    }
}

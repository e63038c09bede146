package dev.switchboard.pipeline;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.FailureClass;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.StreamDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A provider's streamed answer being read, line by line, through its adapter's decoder. Every failure comes
 * out as a classified {@link ProviderFailure}: an idle read past the first-byte timeout is a TIMEOUT, a body
 * that ends before the provider's end marker is a cut (SERVER_ERROR). Not thread-safe.
 */
final class UpstreamStream implements AutoCloseable {
    private final InputStream body;
    private final BufferedReader reader;
    private final StreamDecoder decoder;

    UpstreamStream(InputStream body, StreamDecoder decoder) {
        this.body = body;
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        this.decoder = decoder;
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
            line = reader.readLine();
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

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // the connection is discarded either way
        }
    }
}

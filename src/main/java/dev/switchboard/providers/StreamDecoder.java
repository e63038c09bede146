package dev.switchboard.providers;

import dev.switchboard.api.ChatChunk;
import java.util.List;

/**
 * Turns a provider's streamed body, one line at a time, into OpenAI-shaped chunks. Created per request and
 * not thread-safe. A mid-stream error event is thrown as a {@link dev.switchboard.api.ProviderFailure}.
 */
public interface StreamDecoder {

    /** Feeds one line (without its terminator); returns the chunks it completes, usually zero or one. */
    List<ChatChunk> decode(String line);

    /** True once the provider's end marker was seen; a stream that ends before it was cut. */
    boolean finished();
}

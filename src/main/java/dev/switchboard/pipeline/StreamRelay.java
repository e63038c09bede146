package dev.switchboard.pipeline;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ProviderFailure;
import java.io.InputStream;
import java.util.List;

/**
 * Forwards a started stream to the caller, event by event, as it arrives. Camel pumps this body from a
 * Vert.x worker thread after it has written the status and headers; the first {@code read} relays the
 * whole stream through the {@link StreamSink} and then reports end of input, so Camel ends the response.
 * A stream that breaks after its first chunk ends with an error event and no clean end marker: never a clean
 * end for a broken answer. The usage row is written when the stream is over.
 */
final class StreamRelay extends InputStream {
    private final ModelCall.StreamingAnswer answer;
    private final StreamSink sink;
    private final RequestContext ctx;
    private final RecordStage record;
    private final StreamEncoder encoder;
    private boolean relayed;

    StreamRelay(ModelCall.StreamingAnswer answer, StreamSink sink, RequestContext ctx, RecordStage record) {
        this.answer = answer;
        this.sink = sink;
        this.ctx = ctx;
        this.record = record;
        this.encoder = StreamEncoder.of(ctx);
    }

    @Override
    public int read() {
        relay();
        return -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        relay();
        return -1;
    }

    @Override
    public void close() {
        relay(); // a body closed unread still ends its upstream and is recorded
    }

    private void relay() {
        if (relayed) {
            return;
        }
        relayed = true;
        try (UpstreamStream upstream = answer.rest()) {
            if (!send(answer.first())) {
                return;
            }
            List<ChatChunk> chunks;
            while ((chunks = upstream.next()) != null) {
                if (!send(chunks)) {
                    return;
                }
            }
            sink.write(encoder.end(ctx.usage));
        } catch (ProviderFailure failure) {
            ctx.outcome = "truncated";
            ctx.error = failure.failureClass().label() + ": " + failure.getMessage();
            sink.write(encoder.error("upstream_error", failure.failureClass().code(),
                    "The provider's stream broke after it started: " + failure.getMessage()));
        } catch (RuntimeException e) {
            ctx.outcome = "truncated";
            ctx.error = "relay failed: " + e;
            sink.write(encoder.error("server_error", "internal_error", "The stream failed inside the gateway"));
        } finally {
            record.finish(ctx);
        }
    }

    /** Writes the chunks the caller should see; false when the caller has gone. */
    private boolean send(List<ChatChunk> chunks) {
        for (ChatChunk chunk : chunks) {
            if (chunk.usage() != null) {
                ctx.usage = chunk.usage();
            }
            String text = encoder.chunk(chunk);
            if (text.isEmpty()) {
                continue;
            }
            if (ctx.ttftNanos < 0 && chunk.content()) {
                ctx.ttftNanos = System.nanoTime();
            }
            if (!sink.write(text)) {
                ctx.outcome = sink.cutOff() != null ? "truncated" : "client_closed";
                ctx.error = sink.cutOff();
                return false;
            }
        }
        return true;
    }

}

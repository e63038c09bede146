package dev.switchboard.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ErrorBodies;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.providers.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Forwards a started stream to the caller, event by event, as it arrives. Camel pumps this body from a
 * Vert.x worker thread after it has written the status and headers; the first {@code read} relays the
 * whole stream through the {@link StreamSink} and then reports end of input, so Camel ends the response.
 * A stream that breaks after its first chunk ends with an error event and no {@code [DONE]}: never a clean
 * end for a broken answer. The usage row is written when the stream is over.
 */
final class StreamRelay extends InputStream {
    private static final String DONE = "data: [DONE]\n\n";

    private final ModelCall.StreamingAnswer answer;
    private final StreamSink sink;
    private final RequestContext ctx;
    private final RecordStage record;
    private boolean relayed;

    StreamRelay(ModelCall.StreamingAnswer answer, StreamSink sink, RequestContext ctx, RecordStage record) {
        this.answer = answer;
        this.sink = sink;
        this.ctx = ctx;
        this.record = record;
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
            sink.write(DONE);
        } catch (ProviderFailure failure) {
            ctx.outcome = "truncated";
            ctx.error = failure.failureClass().label() + ": " + failure.getMessage();
            ObjectNode error = ErrorBodies.openAi("The provider's stream broke after it started: " + failure.getMessage(),
                    "upstream_error", null, failure.failureClass().code());
            sink.write("data: " + new String(Json.bytes(error), StandardCharsets.UTF_8) + "\n\n");
        } catch (RuntimeException e) {
            ctx.outcome = "truncated";
            ctx.error = "relay failed: " + e;
            sink.write("data: " + new String(Json.bytes(ErrorBodies.openAi("The stream failed inside the gateway",
                    "server_error", null, "internal_error")), StandardCharsets.UTF_8) + "\n\n");
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
            boolean usageOnly = chunk.usage() != null && chunk.json().path("choices").isEmpty();
            if (usageOnly && !ctx.request.includeUsage()) {
                continue; // asked upstream for our own records; the caller did not ask for it
            }
            if (ctx.ttftNanos < 0 && chunk.content()) {
                ctx.ttftNanos = System.nanoTime();
            }
            String json = chunk.raw() != null ? chunk.raw() : new String(Json.bytes(chunk.json()), StandardCharsets.UTF_8);
            if (!sink.write("data: " + json + "\n\n")) {
                ctx.outcome = "client_closed";
                return false;
            }
        }
        return true;
    }

}

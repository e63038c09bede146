package dev.switchboard.pipeline;

import dev.switchboard.api.ChatChunk;
import dev.switchboard.api.ProviderFailure;
import dev.switchboard.api.Usage;
import java.io.InputStream;
import dev.switchboard.api.ChatResponse;
import java.util.List;
import java.util.function.Consumer;

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
    /** Set by the relay, or by the Vert.x event loop when the connection closes. */
    private volatile boolean callerGone;
    /** Answer characters the caller has been sent: what it is charged for when the provider's totals never come. */
    private long relayedChars;
    /** The answer put together for the response cache, when it keeps this request's answer; else null. */
    private final StreamedAnswer kept;
    private final Consumer<ChatResponse> keep;

    /** A relay that hands the complete answer, when the stream ends cleanly, to {@code keep} (null: to nothing). */
    StreamRelay(ModelCall.StreamingAnswer answer, StreamSink sink, RequestContext ctx, RecordStage record, Consumer<ChatResponse> keep) {
        this.keep = keep;
        this.kept = keep == null ? null : new StreamedAnswer();
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
            sink.onCallerGone(() -> {
                callerGone = true; // before the cancel: the read it breaks must find the caller gone
                upstream.cancel();
            });
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
            keepWhole();
        } catch (ProviderFailure failure) {
            if (!callerGone) {
                ctx.outcome = "truncated";
                ctx.error = failure.failureClass().label() + ": " + failure.getMessage();
                sink.write(encoder.error("upstream_error", failure.failureClass().code(),
                        "The provider's stream broke after it started: " + failure.getMessage()));
            }
        } catch (RuntimeException e) {
            ctx.outcome = "truncated";
            ctx.error = "relay failed: " + e;
            sink.write(encoder.error("server_error", "internal_error", "The stream failed inside the gateway"));
        } finally {
            if (sink.cutOff() != null) { // the gateway let go of a caller that read nothing for too long
                ctx.outcome = "truncated";
                ctx.error = sink.cutOff();
            } else if (callerGone) {
                ctx.outcome = "client_closed";
            }
            if (ctx.usage.completionTokens() == 0 && (callerGone || relayedChars > 0)) {
                estimateUsage();
            }
            record.finish(ctx);
        }
    }

    /**
     * The provider's totals never came (the caller left before them, the stream broke, or the provider does
     * not send them), yet it generated, and bills, what was relayed: the prompt and the answer sent so far,
     * estimated, so the row and the budget still carry the cost.
     */
    private void estimateUsage() {
        int prompt = Math.max(ctx.usage.promptTokens(), (int) Math.min(Integer.MAX_VALUE, ctx.promptTokens.served(ctx)));
        ctx.usage = Usage.of(prompt, (int) Math.min(Integer.MAX_VALUE, TokenEstimate.ofChars(relayedChars)));
    }

    /** Hands a stream that ended cleanly, whole, to the response cache. */
    private void keepWhole() {
        ChatResponse whole = kept == null || callerGone ? null : kept.response(ctx.usage);
        if (whole != null) {
            keep.accept(whole);
        }
    }

    /** Writes the chunks the caller should see; false when the caller has gone. */
    private boolean send(List<ChatChunk> chunks) {
        for (ChatChunk chunk : chunks) {
            ctx.transcript.add(chunk);
            if (chunk.usage() != null) {
                ctx.usage = chunk.usage();
            }
            if (kept != null) {
                kept.add(chunk);
            }
            String text = encoder.chunk(chunk);
            if (text.isEmpty()) {
                continue;
            }
            if (ctx.ttftNanos < 0 && chunk.content()) {
                ctx.ttftNanos = System.nanoTime();
            }
            // Counted before the write: the provider generated (and bills) it whether or not the caller stays to
            // read it, and a caller may read it and hang up before the write reports back.
            relayedChars += TokenEstimate.outputChars(chunk);
            if (!sink.write(text)) {
                callerGone = true;
                return false;
            }
        }
        return true;
    }

}

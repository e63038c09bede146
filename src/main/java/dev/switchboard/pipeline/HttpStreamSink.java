package dev.switchboard.pipeline;

import dev.switchboard.catalog.ModelSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The stream sink of an HTTP caller, with back-pressure: while the caller's write queue is full, the relay's
 * thread waits for it to drain, so the provider is read no faster than the caller reads and nothing piles up
 * in the gateway's memory. A caller that takes nothing for {@link #MAX_STALL} is cut off.
 */
final class HttpStreamSink implements StreamSink {
    /** A caller may stall its stream as long as a provider may stall before its first byte. */
    static final Duration MAX_STALL = ModelSpec.DEFAULT_FIRST_BYTE_TIMEOUT;
    /** How often a waiting relay looks whether the caller has gone (a closed connection never drains). */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final HttpServerResponse response;
    private volatile boolean stalled;

    HttpStreamSink(HttpServerResponse response) {
        this.response = response;
    }

    @Override
    public boolean write(String data) {
        if (gone()) {
            return false;
        }
        response.write(Buffer.buffer(data));
        return awaitRoom();
    }

    @Override
    public boolean stalled() {
        return stalled;
    }

    /** Waits while the caller's write queue is full; false when the caller has gone or stalled too long. */
    private boolean awaitRoom() {
        long deadline = System.nanoTime() + MAX_STALL.toNanos();
        while (queueFull()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                stalled = true;
                response.close();
                return false;
            }
            CountDownLatch drained = new CountDownLatch(1);
            response.drainHandler(v -> drained.countDown());
            if (!queueFull()) {
                break; // drained between the check and the handler: no wake-up is lost
            }
            try {
                drained.await(Math.min(left, CHECK_NANOS), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !gone();
    }

    private boolean queueFull() {
        try {
            return !gone() && response.writeQueueFull();
        } catch (IllegalStateException ended) {
            return false; // ended or closed meanwhile: gone() says so
        }
    }

    private boolean gone() {
        return response.closed() || response.ended();
    }
}

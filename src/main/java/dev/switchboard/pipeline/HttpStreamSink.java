package dev.switchboard.pipeline;

import dev.switchboard.boot.ServerLimits;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The stream sink of an HTTP caller, with back-pressure: while the caller's write queue is full, the relay's
 * thread waits for it to drain, so the provider is read no faster than the caller reads and nothing piles up
 * in the gateway's memory. A caller that takes nothing for as long as a connection may sit idle is cut off.
 */
final class HttpStreamSink implements StreamSink {
    /** Without an admitted request's own limit: as long as a connection may sit idle by default. */
    private static final Duration DEFAULT_MAX_STALL = ServerLimits.DEFAULT_IDLE_TIMEOUT;
    /** How often a waiting relay looks whether the caller has gone (a closed connection never drains). */
    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final HttpServerResponse response;
    private final Duration maxStall;
    private volatile String cutOff;

    /** {@code maxStall}: how long the caller may take nothing; null for the default. */
    HttpStreamSink(HttpServerResponse response, Duration maxStall) {
        this.response = response;
        this.maxStall = maxStall == null ? DEFAULT_MAX_STALL : maxStall;
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
    public void onCallerGone(Runnable action) {
        // Vert.x calls this on the event loop when the connection closes while the response is unfinished.
        if (!response.ended() && !response.closed()) {
            response.closeHandler(closed -> action.run());
        }
        if (response.closed()) {
            action.run();
        }
    }

    @Override
    public String cutOff() {
        return cutOff;
    }

    /** Waits while the caller's write queue is full; false when the caller has gone or stalled too long. */
    private boolean awaitRoom() {
        long deadline = System.nanoTime() + maxStall.toNanos();
        while (queueFull()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                cutOff = "the caller read nothing for " + maxStall.toSeconds() + " s";
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

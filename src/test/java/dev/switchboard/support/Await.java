package dev.switchboard.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition, polling, bounded in time: the only way tests wait for asynchronous effects. */
public final class Await {
    private Await() {
    }

    public static <T> T until(String what, Duration timeout, Supplier<T> value, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = value.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50); // poll interval, not synchronisation: the condition decides
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what + "; last value: " + last);
    }
}

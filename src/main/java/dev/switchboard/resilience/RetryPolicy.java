package dev.switchboard.resilience;

import dev.switchboard.api.FailureClass;
import dev.switchboard.catalog.ChainSpec;
import dev.switchboard.catalog.ChainSpec.RetryOn;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a chain does after a failed attempt: answer now, move to the next model, or wait and try the same
 * model again. Moving on is preferred while another model is left (it is faster than waiting); the last
 * model is retried with exponential backoff and jitter, or after the provider's own hint, but only when
 * the wait fits the request's deadline and attempt budget. Pure: no I/O, no clock of its own.
 */
public final class RetryPolicy {
    /** First backoff; doubled per retry of the same model (OpenAI's and Anthropic's SDKs use the same). */
    public static final Duration BASE_BACKOFF = Duration.ofMillis(500);
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(8);
    /** A provider hint longer than this is not waited for: the caller is better served by an error now. */
    public static final Duration MAX_HONOURED_HINT = Duration.ofSeconds(30);
    private static final double JITTER = 0.25;

    private RetryPolicy() {
    }

    /** The verdict after one failed attempt. */
    public sealed interface Next {
    }

    /** Answer the caller with this failure now. */
    public record Stop() implements Next {
    }

    /** Try the next model of the chain; {@code needsLargerContext} skips models whose window is not larger. */
    public record NextModel(boolean needsLargerContext) implements Next {
    }

    /** Wait, then try the same model again. */
    public record RetrySame(Duration delay) implements Next {
    }

    /**
     * @param triesOfThisModel attempts already made on the model that just failed (1 after the first)
     * @param anotherModelLeft whether a later model of the chain can still be called
     * @param attemptsLeft     attempts left in the request's budget
     * @param timeLeft         time left before the request's deadline
     */
    public static Next after(FailureClass failure, Duration hint, ChainSpec chain, int triesOfThisModel,
                             boolean anotherModelLeft, int attemptsLeft, Duration timeLeft) {
        RetryOn condition = condition(failure);
        if (condition == null || !chain.retries(condition)) {
            return new Stop();
        }
        if (attemptsLeft <= 0) {
            return new Stop();
        }
        if (anotherModelLeft) {
            return new NextModel(failure == FailureClass.CONTEXT_LENGTH);
        }
        boolean transientFailure = failure == FailureClass.SERVER_ERROR || failure == FailureClass.RATE_LIMIT
                || failure == FailureClass.TIMEOUT;
        if (!transientFailure) {
            return new Stop();
        }
        Duration wait = hint != null ? hint : backoff(triesOfThisModel);
        if (wait.compareTo(MAX_HONOURED_HINT) > 0 || wait.compareTo(timeLeft) >= 0) {
            return new Stop();
        }
        return new RetrySame(wait);
    }

    /** 0.5 s, 1 s, 2 s... capped at 8 s, plus up to 25 % jitter so retries from many callers do not align. */
    public static Duration backoff(int triesSoFar) {
        long base = Math.min(MAX_BACKOFF.toMillis(), BASE_BACKOFF.toMillis() << Math.max(0, Math.min(triesSoFar - 1, 10)));
        return Duration.ofMillis(base + (long) (base * JITTER * ThreadLocalRandom.current().nextDouble()));
    }

    /** Which chain condition a failure falls under; null for the caller's own mistakes. */
    static RetryOn condition(FailureClass failure) {
        return switch (failure) {
            case TIMEOUT -> RetryOn.TIMEOUT;
            case RATE_LIMIT -> RetryOn.RATE_LIMIT;
            case SERVER_ERROR, AUTH, NOT_FOUND -> RetryOn.ERROR;
            case CONTENT_FILTER -> RetryOn.CONTENT_FILTER;
            case CONTEXT_LENGTH -> RetryOn.CONTEXT_LENGTH;
            case BAD_REQUEST -> null;
        };
    }
}

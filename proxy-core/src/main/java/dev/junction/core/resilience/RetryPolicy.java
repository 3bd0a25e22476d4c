package dev.junction.core.resilience;

import dev.junction.stream.GatewayError;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decides what follows a failed attempt (SPEC §5, §7; DESIGN house rule 7), in the spirit of
 * Armeria's {@code RetryRule}. In order:
 * <ol>
 *   <li>not replayable (a byte went to the client, or the body is gone) → stop;</li>
 *   <li>neither {@link GatewayError#retryable()} nor {@link GatewayError#failover()} → stop;</li>
 *   <li>{@code maxAttempts} attempts made → stop; deadline passed → stop;</li>
 *   <li>another candidate left → fail over at once (SPEC §7: the next attempt prefers another
 *       deployment; its health is independent of the one that failed, so no backoff);</li>
 *   <li>only the same deployment left: a {@code failover}-only error (quota, bad vendor key) stops;
 *       a retryable one waits the jittered backoff, at least the vendor's Retry-After, and stops
 *       when that wait would end past the deadline.</li>
 * </ol>
 * Every stop is counted by reason ({@link #noRetryCounts()}) for the metrics.
 */
public final class RetryPolicy {

    private final int maxAttempts;
    private final Backoff backoff;
    private final Map<NoRetryReason, LongAdder> noRetry = new EnumMap<>(NoRetryReason.class);

    /**
     * @param maxAttempts attempts in total, the first included (1 = never retry)
     */
    public RetryPolicy(int maxAttempts, Backoff backoff) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("retry.max-attempts must be >= 1");
        }
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        for (NoRetryReason r : NoRetryReason.values()) {
            noRetry.put(r, new LongAdder());
        }
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * @param attemptsMade    attempts made so far, the failed one included (1 after the first)
     * @param retriesOfSame   retries already made on the deployment that just failed (sets the
     *                        backoff exponent for a retry on it)
     * @param error           the failed attempt's error
     * @param replayable      no byte sent to the client and the request body still held
     * @param otherCandidates whether a candidate other than the failed deployment remains
     * @param deadline        the request's deadline
     */
    public RetryDecision decide(int attemptsMade, int retriesOfSame, GatewayError error, boolean replayable,
                                boolean otherCandidates, Deadline deadline) {
        if (!replayable) {
            return stop(NoRetryReason.NOT_REPLAYABLE);
        }
        if (!error.retryable() && !error.failover()) {
            return stop(NoRetryReason.NOT_RETRYABLE);
        }
        if (attemptsMade >= maxAttempts) {
            return stop(NoRetryReason.ATTEMPTS_EXHAUSTED);
        }
        if (deadline.expired()) {
            return stop(NoRetryReason.DEADLINE_EXCEEDED);
        }
        if (otherCandidates) {
            return RetryDecision.failover();
        }
        if (!error.retryable()) {
            return stop(NoRetryReason.NO_OTHER_DEPLOYMENT);
        }
        long delay = backoff.delayNanos(retriesOfSame + 1, error.retryAfter(), deadline);
        if (delay == Backoff.PAST_DEADLINE) {
            return stop(NoRetryReason.DEADLINE_EXCEEDED);
        }
        if (delay == Backoff.RETRY_AFTER_TOO_LONG) {
            return stop(NoRetryReason.RETRY_AFTER_TOO_LONG);
        }
        return RetryDecision.retrySame(delay);
    }

    /** Stops counted so far, by reason (every reason present, zero included). */
    public Map<NoRetryReason, Long> noRetryCounts() {
        Map<NoRetryReason, Long> out = new EnumMap<>(NoRetryReason.class);
        noRetry.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private RetryDecision stop(NoRetryReason reason) {
        noRetry.get(reason).increment();
        return RetryDecision.stop(reason);
    }
}

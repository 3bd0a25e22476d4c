package dev.junction.core.resilience;

import dev.junction.core.time.RandomSource;

import java.time.Duration;

/**
 * Exponential backoff with full jitter (SPEC §7): the wait before retry {@code n} (1-based) is
 * uniform in {@code [0, min(cap, base × 2^(n-1))]}, which spreads synchronized clients best
 * (AWS Architecture Blog, "Exponential Backoff and Jitter"). A vendor's {@code Retry-After} is a
 * floor: the wait is at least that long. A wait that would end past the deadline, or a
 * {@code Retry-After} longer than {@code maxRetryAfter}, means "do not retry this deployment".
 */
public final class Backoff {

    /** Returned by {@link #delayNanos} when the wait would end past the deadline. */
    public static final long PAST_DEADLINE = -1;
    /** Returned by {@link #delayNanos} when the vendor asked for a longer wait than we accept. */
    public static final long RETRY_AFTER_TOO_LONG = -2;

    private final long baseNanos;
    private final long capNanos;
    private final long maxRetryAfterNanos;
    private final RandomSource random;

    public Backoff(Duration base, Duration cap, Duration maxRetryAfter, RandomSource random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff base must be > 0 and cap >= base");
        }
        this.baseNanos = base.toNanos();
        this.capNanos = cap.toNanos();
        this.maxRetryAfterNanos = maxRetryAfter.toNanos();
        this.random = random;
    }

    /** Upper bound of the jittered wait before retry {@code retry} (1-based). */
    public long ceilingNanos(int retry) {
        int shift = Math.max(0, Math.min(retry - 1, 62));
        long exp = baseNanos << shift;
        if (exp >>> shift != baseNanos || exp < 0) {
            return capNanos;
        }
        return Math.min(capNanos, exp);
    }

    /** The jittered wait before retry {@code retry}, ignoring Retry-After and deadline. */
    public long jitteredNanos(int retry) {
        return (long) (random.nextDouble() * (ceilingNanos(retry) + 1));
    }

    /**
     * The wait before retry {@code retry} on the same deployment, or {@link #PAST_DEADLINE} /
     * {@link #RETRY_AFTER_TOO_LONG}.
     *
     * @param retryAfter the vendor's Retry-After, or null
     */
    public long delayNanos(int retry, Duration retryAfter, Deadline deadline) {
        long wait = jitteredNanos(retry);
        if (retryAfter != null && !retryAfter.isNegative()) {
            long ra = retryAfter.toNanos();
            if (ra > maxRetryAfterNanos) {
                return RETRY_AFTER_TOO_LONG;
            }
            wait = Math.max(wait, ra);
        }
        if (!deadline.allows(wait)) {
            return PAST_DEADLINE;
        }
        return wait;
    }
}

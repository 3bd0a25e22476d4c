package dev.junction.core.resilience;

import dev.junction.core.time.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Calls and failures over the last {@code window} of time, in a fixed ring of buckets: bounded
 * memory, lock-free recording. A bucket is recycled when time reaches it again, so counts older than
 * the window disappear without a sweeper thread.
 *
 * <p>Counts are approximate at bucket boundaries: a call recorded by one thread while another
 * recycles the same bucket may be lost. For error rates over tens of calls that is noise; the
 * policies built on it (circuit breaker, latency penalty) need rates, not exact counts.
 */
public final class SlidingWindow {

    /** Counts in the window; {@link #failureRate()} is 0 when there were no calls. */
    public record Counts(long calls, long failures) {
        public double failureRate() {
            return calls == 0 ? 0.0 : (double) failures / calls;
        }
    }

    private final Ticker ticker;
    private final long bucketNanos;
    private final int buckets;
    private final AtomicLongArray epochs;
    private final AtomicLongArray calls;
    private final AtomicLongArray failures;

    public SlidingWindow(Duration window, int buckets, Ticker ticker) {
        if (buckets < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be > 0 with >= 1 bucket");
        }
        this.ticker = ticker;
        this.buckets = buckets;
        this.bucketNanos = Math.max(1, window.toNanos() / buckets);
        this.epochs = new AtomicLongArray(buckets);
        this.calls = new AtomicLongArray(buckets);
        this.failures = new AtomicLongArray(buckets);
        for (int i = 0; i < buckets; i++) {
            epochs.set(i, Long.MIN_VALUE);
        }
    }

    public void record(boolean failure) {
        long epoch = Math.floorDiv(ticker.nanos(), bucketNanos);
        int i = (int) Math.floorMod(epoch, (long) buckets);
        long seen = epochs.get(i);
        if (seen != epoch && epochs.compareAndSet(i, seen, epoch)) {
            calls.set(i, 0);
            failures.set(i, 0);
        }
        calls.incrementAndGet(i);
        if (failure) {
            failures.incrementAndGet(i);
        }
    }

    public Counts counts() {
        return counts(ticker.nanos());
    }

    /** Counts as of {@code nowNanos} (a ticker reading the caller already has). */
    public Counts counts(long nowNanos) {
        long now = Math.floorDiv(nowNanos, bucketNanos);
        long c = 0;
        long f = 0;
        for (int i = 0; i < buckets; i++) {
            long e = epochs.get(i);
            if (e != Long.MIN_VALUE && now - e < buckets && now >= e) {
                c += calls.get(i);
                f += failures.get(i);
            }
        }
        return new Counts(c, f);
    }

    /** Forgets everything (a circuit that closes starts a fresh window). */
    public void reset() {
        for (int i = 0; i < buckets; i++) {
            epochs.set(i, Long.MIN_VALUE);
            calls.set(i, 0);
            failures.set(i, 0);
        }
    }
}

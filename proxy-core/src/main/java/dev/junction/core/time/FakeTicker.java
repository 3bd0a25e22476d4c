package dev.junction.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that only moves when told to. Meant for tests (of this module and of the code
 * that uses its policies); it lives in main sources so other modules' tests can use it without a
 * test-jar. Thread-safe.
 */
public final class FakeTicker implements Ticker {

    private final AtomicLong now;

    public FakeTicker() {
        this(0);
    }

    public FakeTicker(long startNanos) {
        this.now = new AtomicLong(startNanos);
    }

    @Override
    public long nanos() {
        return now.get();
    }

    public FakeTicker advance(Duration d) {
        now.addAndGet(d.toNanos());
        return this;
    }

    public FakeTicker advanceMillis(long millis) {
        now.addAndGet(millis * 1_000_000L);
        return this;
    }

    public FakeTicker advanceNanos(long nanos) {
        now.addAndGet(nanos);
        return this;
    }
}

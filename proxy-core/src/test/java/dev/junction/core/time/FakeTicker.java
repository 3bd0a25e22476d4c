package dev.junction.core.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that only moves when told to, for tests of time-driven policies. Thread-safe. */
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
}

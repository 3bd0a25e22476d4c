package dev.junction.core.metrics;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Snapshot;

import java.util.concurrent.atomic.LongAdder;

/**
 * A Dropwizard histogram (also the histogram of a timer) over a {@link DecayingReservoir} that a
 * finished request updates with the clock reading it took once for all of its figures
 * ({@link #update(long, long)}), instead of one clock read per timer and histogram. What it exports
 * is a histogram's: the count of values and the reservoir's snapshot.
 */
final class Sample extends Histogram {

    private final DecayingReservoir reservoir;
    private final LongAdder count = new LongAdder();

    Sample(DecayingReservoir reservoir) {
        super(reservoir);
        this.reservoir = reservoir;
    }

    /** Records {@code value}, observed at {@code tick} ({@link System#nanoTime()}, read by the caller). */
    void update(long value, long tick) {
        count.increment();
        reservoir.update(value, tick);
    }

    @Override
    public void update(long value) {
        count.increment();
        reservoir.update(value);
    }

    @Override
    public long getCount() {
        return count.sum();
    }

    @Override
    public Snapshot getSnapshot() {
        return reservoir.getSnapshot();
    }
}

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
    /** Values recorded off the event loops (the loops count in their own cells: {@link LoopCounts}). */
    private final LongAdder count = new LongAdder();
    private final int index = LoopCounts.newIndex();

    Sample(DecayingReservoir reservoir) {
        super(reservoir);
        this.reservoir = reservoir;
    }

    /** Records {@code value}, observed at {@code tick} ({@link System#nanoTime()}, read by the caller). */
    void update(long value, long tick) {
        count();
        reservoir.update(value, tick);
    }

    @Override
    public void update(long value) {
        count();
        reservoir.update(value);
    }

    private void count() {
        if (LoopCounts.onLoop()) {
            LoopCounts.add(index, 1);
        } else {
            count.increment();
        }
    }

    @Override
    public long getCount() {
        return count.sum() + LoopCounts.sum(index);
    }

    @Override
    public Snapshot getSnapshot() {
        return reservoir.getSnapshot();
    }
}

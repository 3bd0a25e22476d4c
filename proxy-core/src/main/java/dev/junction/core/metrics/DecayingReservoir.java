package dev.junction.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.WeightedSnapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Dropwizard's exponentially decaying sample (forward decay, Cormode et al. 2009: each value gets
 * the priority {@code exp(alpha * age of the sample's landmark) / u}, {@code u} uniform in [0, 1),
 * and the {@value #SIZE} values of highest priority are kept, with {@code alpha} 0.015, i.e. biased
 * to the last five minutes; the landmark moves every hour, rescaling what is kept), with the same
 * snapshot ({@link WeightedSnapshot} of the kept values and their weights), so {@code /metrics}
 * exports the same quantiles. What differs is the cost of an update:
 * <ul>
 *   <li>the kept values sit in a binary min-heap of three parallel arrays, so keeping a value
 *       allocates nothing (Dropwizard's {@code LockFreeExponentiallyDecayingReservoir} allocates a
 *       boxed priority, a sample and a skip-list node or more per kept value, and its skip-list insert
 *       and removal of the lowest were the largest share of recording a request);</li>
 *   <li>the heap's lowest priority is published in a volatile field once the sample is full: a
 *       value that would not be kept (nearly all of them once the sample has filled) is turned away
 *       without a lock; one that is kept takes this object's monitor for a sift through ten levels.
 *       The writers are the event loops, so the monitor is rarely contended.</li>
 * </ul>
 */
final class DecayingReservoir implements Reservoir {

    /** Values kept (Dropwizard's default sample size). */
    static final int SIZE = 1028;
    /** Decay factor per second (Dropwizard's default: the sample is biased to the last 5 minutes). */
    static final double ALPHA = 0.015;
    /** How often the landmark moves (Dropwizard's default), so the weights cannot overflow. */
    static final long RESCALE_NANOS = TimeUnit.HOURS.toNanos(1);

    private static final double ALPHA_NANOS = ALPHA / TimeUnit.SECONDS.toNanos(1);

    private final Clock clock;
    private final DoubleSupplier random;
    /** Min-heap by priority; value and weight move with their priority. Guarded by {@code this}. */
    private final double[] priorities = new double[SIZE];
    private final long[] values = new long[SIZE];
    private final double[] weights = new double[SIZE];
    private int count;
    /** The landmark the weights are relative to (clock ticks, nanoseconds). Written under the lock. */
    private volatile long startTick;
    /**
     * The lowest priority kept while the sample is full (a value must exceed it to be kept), negative
     * infinity before. Written under the lock.
     */
    private volatile double floor = Double.NEGATIVE_INFINITY;

    DecayingReservoir() {
        this(Clock.defaultClock(), () -> ThreadLocalRandom.current().nextDouble());
    }

    /** With the clock and the uniform {@code [0, 1)} source given (tests). */
    DecayingReservoir(Clock clock, DoubleSupplier random) {
        this.clock = clock;
        this.random = random;
        this.startTick = clock.getTick();
    }

    @Override
    public int size() {
        synchronized (this) {
            return count;
        }
    }

    @Override
    public void update(long value) {
        update(value, clock.getTick());
    }

    /**
     * Records {@code value} as observed at {@code now} (a reading of this reservoir's clock, which for
     * the shipped ones is {@link System#nanoTime()}): a request's figures share one reading.
     */
    void update(long value, long now) {
        long start = startTick;
        if (now - start >= RESCALE_NANOS) {
            rescale(now);
            start = startTick;
        }
        double u = random.getAsDouble();
        double weight = Math.exp(ALPHA_NANOS * (now - start));
        double priority = weight / u;
        if (priority <= floor) {
            return; // the common case once full: it would not be kept
        }
        synchronized (this) {
            if (start != startTick) {
                // Rescaled by another thread meanwhile: relative to the new landmark.
                weight = Math.exp(ALPHA_NANOS * (now - startTick));
                priority = weight / u;
            }
            offer(priority, value, weight);
        }
    }

    /** Keeps the value if the sample has room or it beats the lowest priority kept (under the lock). */
    private void offer(double priority, long value, double weight) {
        if (count < SIZE) {
            int i = count++;
            priorities[i] = priority;
            values[i] = value;
            weights[i] = weight;
            siftUp(i);
            if (count == SIZE) {
                floor = priorities[0];
            }
            return;
        }
        if (priority <= priorities[0]) {
            return;
        }
        priorities[0] = priority;
        values[0] = value;
        weights[0] = weight;
        siftDown(0);
        floor = priorities[0];
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (priorities[parent] <= priorities[i]) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        int n = count;
        while (true) {
            int left = 2 * i + 1;
            if (left >= n) {
                return;
            }
            int least = left + 1 < n && priorities[left + 1] < priorities[left] ? left + 1 : left;
            if (priorities[i] <= priorities[least]) {
                return;
            }
            swap(i, least);
            i = least;
        }
    }

    private void swap(int a, int b) {
        double p = priorities[a];
        priorities[a] = priorities[b];
        priorities[b] = p;
        long v = values[a];
        values[a] = values[b];
        values[b] = v;
        double w = weights[a];
        weights[a] = weights[b];
        weights[b] = w;
    }

    /**
     * Moves the landmark to {@code now}: every kept priority and weight is scaled by
     * {@code exp(-alpha * elapsed)}, and values whose weight underflows to zero are dropped, as
     * Dropwizard's reservoir does.
     */
    private synchronized void rescale(long now) {
        long start = startTick;
        if (now - start < RESCALE_NANOS) {
            return; // another thread did it
        }
        double factor = Math.exp(-ALPHA_NANOS * (now - start));
        int kept = 0;
        for (int i = 0; i < count; i++) {
            double w = weights[i] * factor;
            if (w == 0) {
                continue;
            }
            priorities[kept] = priorities[i] * factor;
            values[kept] = values[i];
            weights[kept] = w;
            kept++;
        }
        count = kept;
        for (int i = (kept >>> 1) - 1; i >= 0; i--) {
            siftDown(i);
        }
        startTick = now;
        floor = count == SIZE ? priorities[0] : Double.NEGATIVE_INFINITY;
    }

    @Override
    public Snapshot getSnapshot() {
        long now = clock.getTick();
        if (now - startTick >= RESCALE_NANOS) {
            rescale(now); // as Dropwizard's does: a sample left alone for hours lets go of what underflowed
        }
        List<WeightedSnapshot.WeightedSample> samples;
        synchronized (this) {
            samples = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                samples.add(new WeightedSnapshot.WeightedSample(values[i], weights[i]));
            }
        }
        return new WeightedSnapshot(samples);
    }

    /** The largest weight kept (tests: relative to the landmark, so bounded while it moves hourly). */
    synchronized double maxWeight() {
        double m = 0;
        for (int i = 0; i < count; i++) {
            m = Math.max(m, weights[i]);
        }
        return m;
    }

    /** The kept priorities, lowest first (tests). */
    synchronized double[] priorities() {
        double[] p = java.util.Arrays.copyOf(priorities, count);
        java.util.Arrays.sort(p);
        return p;
    }
}

package dev.junction.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Snapshot;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped sample against the forward-decay definition it implements (checked value by value
 * against a brute-force model fed the same clock and the same random draws), across the hourly
 * rescale, and against Dropwizard's own reservoir where both must agree exactly (a sample that has
 * not filled keeps every value, so their snapshots are the same).
 */
class DecayingReservoirTest {

    private static final double ALPHA_NANOS = DecayingReservoir.ALPHA / 1e9;

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        long now = 1_000_000_000L;

        @Override
        public long getTick() {
            return now;
        }
    }

    /** One value offered to the model: its priority relative to a fixed landmark (time 0 of the test). */
    private record Offer(double logPriority, long value, long at) {
    }

    /**
     * The model: every value's priority is {@code exp(alpha * t) / u}; the sample is the {@code SIZE}
     * values of highest priority. Compared in logs, so hours of simulated time cannot overflow.
     */
    private static List<Offer> topByPriority(List<Offer> all) {
        List<Offer> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparingDouble(Offer::logPriority).reversed());
        return sorted.subList(0, Math.min(DecayingReservoir.SIZE, sorted.size()));
    }

    private static long[] sortedValues(List<Offer> offers) {
        return offers.stream().mapToLong(Offer::value).sorted().toArray();
    }

    private static long[] sortedValues(Snapshot s) {
        long[] v = s.getValues().clone();
        Arrays.sort(v);
        return v;
    }

    /** Feeds {@code n} values {@code stepNanos} apart to the reservoir and the model, with the same draws. */
    private static void feed(DecayingReservoir r, ManualClock clock, Random draws, List<Double> us, List<Offer> model,
                             long start, int n, long stepNanos, long firstValue) {
        for (int i = 0; i < n; i++) {
            clock.now += stepNanos;
            long value = firstValue + i;
            double u = draws.nextDouble();
            us.add(u);
            model.add(new Offer(ALPHA_NANOS * (clock.now - start) - Math.log(u), value, clock.now));
            r.update(value);
        }
    }

    @Test
    void keepsExactlyTheValuesOfHighestPriority() {
        for (long seed = 1; seed <= 20; seed++) {
            ManualClock clock = new ManualClock();
            long start = clock.now;
            List<Double> us = new ArrayList<>();
            int[] next = {0};
            DecayingReservoir r = new DecayingReservoir(clock, () -> us.get(next[0]++));
            Random draws = new Random(seed);
            List<Offer> model = new ArrayList<>();
            // 13 000 updates a second for 3 s, then a burst at one instant, then slower traffic for 40 s.
            feed(r, clock, draws, us, model, start, 39_000, 76_923, 0);
            feed(r, clock, draws, us, model, start, 2_000, 0, 1_000_000);
            feed(r, clock, draws, us, model, start, 4_000, 10_000_000, 2_000_000);
            assertEquals(DecayingReservoir.SIZE, r.size());
            assertArrayEquals(sortedValues(topByPriority(model)), sortedValues(r.getSnapshot()), "seed " + seed);
            double[] p = r.priorities();
            for (int i = 1; i < p.length; i++) {
                assertTrue(p[i - 1] <= p[i]);
            }
        }
    }

    @Test
    void keepsTheSameValuesAcrossTheHourlyRescale() {
        ManualClock clock = new ManualClock();
        long start = clock.now;
        List<Double> us = new ArrayList<>();
        int[] next = {0};
        DecayingReservoir r = new DecayingReservoir(clock, () -> us.get(next[0]++));
        Random draws = new Random(7);
        List<Offer> model = new ArrayList<>();
        // Three hours at 2 updates a second: the landmark moves three times.
        feed(r, clock, draws, us, model, start, 3 * 3600 * 2, 500_000_000, 0);
        assertArrayEquals(sortedValues(topByPriority(model)), sortedValues(r.getSnapshot()));
        // The weights are relative to the last landmark: the newest value's is exp(alpha * (now - landmark)) <= e^54.
        double max = r.maxWeight();
        assertTrue(max > 0 && max <= Math.exp(DecayingReservoir.ALPHA * 3600) * 1.0001, "weight " + max);
    }

    @Test
    void aSampleLeftAloneIsRescaledWhenRead() {
        ManualClock clock = new ManualClock();
        DecayingReservoir r = new DecayingReservoir(clock, new Random(3)::nextDouble);
        for (int i = 0; i < 100; i++) {
            clock.now += 1_000_000;
            r.update(i);
        }
        Snapshot before = r.getSnapshot();
        clock.now += TimeUnit.HOURS.toNanos(2);
        Snapshot after = r.getSnapshot();
        // Every weight scaled by the same factor: the same quantiles.
        assertEquals(before.getMedian(), after.getMedian());
        assertEquals(before.get99thPercentile(), after.get99thPercentile());
        assertEquals(100, r.size());
    }

    /** Until the sample is full both keep every value: their snapshots (what /metrics exports) are the same. */
    @Test
    void snapshotIsDropwizardsForTheSameValues() {
        ManualClock clock = new ManualClock();
        DecayingReservoir ours = new DecayingReservoir(clock, new Random(11)::nextDouble);
        com.codahale.metrics.Reservoir theirs = LockFreeExponentiallyDecayingReservoir.builder().clock(clock).build();
        Random values = new Random(5);
        for (int i = 0; i < 1000; i++) {
            clock.now += 37_000_000; // 37 s of traffic: the weights differ by a factor of 1.7
            long v = (long) (Math.abs(values.nextGaussian()) * 1e7);
            ours.update(v);
            theirs.update(v);
        }
        Snapshot a = ours.getSnapshot();
        Snapshot b = theirs.getSnapshot();
        assertEquals(b.size(), a.size());
        assertArrayEquals(b.getValues(), a.getValues());
        for (double q : new double[] {0.5, 0.75, 0.95, 0.98, 0.99, 0.999}) {
            assertEquals(b.getValue(q), a.getValue(q), 1e-9 * b.getValue(q), "quantile " + q);
        }
        assertEquals(b.getMean(), a.getMean(), 1e-6 * b.getMean());
        assertEquals(b.getMax(), a.getMax());
        assertEquals(b.getMin(), a.getMin());
    }

    @Test
    void concurrentWritersKeepAFullValidSample() throws Exception {
        DecayingReservoir r = new DecayingReservoir();
        int threads = 4;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = t * 1_000_000L;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 200_000; i++) {
                    r.update(base + i);
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (int i = 0; i < 50; i++) {
            r.getSnapshot(); // reads while written
        }
        for (Thread th : ts) {
            th.join();
        }
        Snapshot s = r.getSnapshot();
        assertEquals(DecayingReservoir.SIZE, s.size());
        assertEquals(DecayingReservoir.SIZE, Arrays.stream(s.getValues()).distinct().count());
        for (long v : s.getValues()) {
            assertTrue(v % 1_000_000L < 200_000 && v / 1_000_000L < threads, "value " + v);
        }
    }

    /** What the Prometheus bridge reads of a timer built on a {@link Sample}: its count and its snapshot. */
    @Test
    void aSampleIsWhatItsTimerExports() {
        com.codahale.metrics.MetricRegistry registry = new com.codahale.metrics.MetricRegistry();
        Instruments instruments = new Instruments(registry);
        Sample s = instruments.timer("t");
        assertTrue(s == instruments.timer("t"), "made once");
        long now = System.nanoTime();
        s.update(3_000_000, now);
        s.update(1_000_000, now);
        s.update(2_000_000);
        com.codahale.metrics.Timer t = registry.timer("t");
        assertEquals(3, t.getCount());
        assertArrayEquals(new long[] {1_000_000, 2_000_000, 3_000_000}, t.getSnapshot().getValues());
        assertEquals(2_000_000, t.getSnapshot().getMedian());
        Sample h = instruments.histogram("h");
        h.update(12, now);
        assertEquals(1, registry.histogram("h").getCount());
        assertEquals(12, registry.histogram("h").getSnapshot().getMax());
    }
}

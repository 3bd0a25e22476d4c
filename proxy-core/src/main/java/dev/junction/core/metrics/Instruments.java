package dev.junction.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Timer;

/**
 * The Dropwizard timers and histograms recorded per request, made as cheap as the exposition
 * allows. {@code /metrics} exports a timer or histogram as a summary of its count and the
 * quantiles of its sample (the Prometheus bridge reads nothing else), so:
 * <ul>
 *   <li>the sample is Dropwizard's lock-free exponentially decaying reservoir: the same forward-decay
 *       sampling (1028 values, alpha 0.015, biased to the last five minutes) as the default one,
 *       without its read-write lock, which every update took and which woke parked threads under
 *       contention;</li>
 *   <li>a timer keeps no rates: its meter (a count and three moving averages, four adders and a
 *       clock read per update) is never exported, so it is replaced by one that records nothing.
 *       A timer's count is its histogram's and is unaffected; its rates read 0.</li>
 * </ul>
 */
final class Instruments {

    private Instruments() {
    }

    /** A meter that records nothing (its owner's rates are not exported). */
    private static final class NoRates extends Meter {
        @Override
        public void mark(long n) {
        }
    }

    private static Reservoir reservoir() {
        return LockFreeExponentiallyDecayingReservoir.builder().build();
    }

    /** The timer {@code name} of {@code registry}, created as above when it does not exist yet. */
    static Timer timer(MetricRegistry registry, String name) {
        return registry.timer(name, () -> new Timer(new NoRates(), new Histogram(reservoir()), Clock.defaultClock()));
    }

    /** The histogram {@code name} of {@code registry}, created with the lock-free reservoir. */
    static Histogram histogram(MetricRegistry registry, String name) {
        return registry.histogram(name, () -> new Histogram(reservoir()));
    }
}

package dev.junction.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Dropwizard timers and histograms recorded per request, made as cheap as the exposition
 * allows. {@code /metrics} exports a timer or histogram as a summary of its count and the
 * quantiles of its sample (the Prometheus bridge reads nothing else), so:
 * <ul>
 *   <li>the sample is Junction's {@link DecayingReservoir}: the forward-decay sampling of
 *       Dropwizard's default reservoir (1028 values, alpha 0.015, biased to the last five minutes)
 *       and the same snapshot, without its lock or its allocation per kept value;</li>
 *   <li>each is a {@link Sample}, which a finished request updates with the one clock reading it
 *       took for all of its figures;</li>
 *   <li>a timer keeps no rates: its meter (a count and three moving averages, four adders and a
 *       clock read per update) is never exported, so it is replaced by one that records nothing.
 *       A timer's count is its histogram's and is unaffected; its rates read 0.</li>
 * </ul>
 */
final class Instruments {

    private final MetricRegistry registry;
    /** By metric name: each instrument is made and registered once. */
    private final Map<String, Sample> samples = new ConcurrentHashMap<>();

    Instruments(MetricRegistry registry) {
        this.registry = registry;
    }

    /** A meter that records nothing (its owner's rates are not exported). */
    static final class NoRates extends Meter {
        @Override
        public void mark(long n) {
        }
    }

    /** The sample of the timer {@code name} (values in nanoseconds), registered on first use. */
    Sample timer(String name) {
        return samples.computeIfAbsent(name, n -> {
            Sample s = new Sample(new DecayingReservoir());
            registry.register(n, new Timer(new NoRates(), s, Clock.defaultClock()));
            return s;
        });
    }

    /** The histogram {@code name}, registered on first use. */
    Sample histogram(String name) {
        return samples.computeIfAbsent(name, n -> registry.register(n, new Sample(new DecayingReservoir())));
    }
}

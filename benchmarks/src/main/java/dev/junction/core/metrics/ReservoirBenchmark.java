package dev.junction.core.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Timer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The samples a finished request updates (three timers and two histograms), shipped against what
 * they replaced: {@code request} records one request's five values, through {@link Sample}s sharing
 * one clock reading ({@code shipped}) or through Dropwizard timers and histograms over its
 * {@link LockFreeExponentiallyDecayingReservoir}, each reading the clock ({@code dropwizard}).
 * {@code update} is one value into the reservoir alone with a clock that advances by
 * {@code 1e9 / rate} ns per update, as if the instrument were updated {@code rate} times a second,
 * so the share of values the sample keeps is the one traffic at that rate gives, not the near-zero
 * a free-running loop reaches.
 * Run with {@code java -jar benchmarks/target/benchmarks.jar ReservoirBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReservoirBenchmark {

    /** Updates per simulated second ({@code update}). */
    @Param({"13000"})
    public int rate;

    @Param({"shipped", "dropwizard"})
    public String reservoir;

    private Reservoir one;
    private long value;
    private Sample[] samples;
    private Timer[] timers;
    private Histogram[] histograms;

    /** A clock that moves {@code step} ns each time it is read. */
    static final class SteppingClock extends Clock {
        private final long step;
        private long now = System.nanoTime();

        SteppingClock(long step) {
            this.step = step;
        }

        @Override
        public long getTick() {
            return now += step;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Clock clock = new SteppingClock(1_000_000_000L / rate);
        one = reservoir.equals("shipped")
                ? new DecayingReservoir(clock, () -> ThreadLocalRandom.current().nextDouble())
                : LockFreeExponentiallyDecayingReservoir.builder().clock(clock).build();
        // Two simulated minutes of traffic first: the sample is full, as on a gateway that has run a while.
        for (long i = 0; i < 120L * rate; i++) {
            one.update(i & 1023);
        }
        samples = new Sample[5];
        timers = new Timer[3];
        histograms = new Histogram[2];
        for (int i = 0; i < 5; i++) {
            samples[i] = new Sample(new DecayingReservoir());
        }
        for (int i = 0; i < 3; i++) {
            // As they were: Dropwizard's lock-free reservoir, the timer without rates (Instruments.NoRates).
            timers[i] = new Timer(new Instruments.NoRates(), new Histogram(LockFreeExponentiallyDecayingReservoir.builder().build()),
                    Clock.defaultClock());
        }
        for (int i = 0; i < 2; i++) {
            histograms[i] = new Histogram(LockFreeExponentiallyDecayingReservoir.builder().build());
        }
    }

    @Benchmark
    public Reservoir update() {
        one.update(value++ & 1023);
        return one;
    }

    @Benchmark
    public long request() {
        long v = value++ & 1023;
        if (reservoir.equals("shipped")) {
            long now = System.nanoTime();
            samples[0].update(1_000_000 + v, now);
            samples[1].update(900_000 + v, now);
            samples[2].update(400_000 + v, now);
            samples[3].update(12, now);
            samples[4].update(v, now);
            return now;
        }
        timers[0].update(1_000_000 + v, TimeUnit.NANOSECONDS);
        timers[1].update(900_000 + v, TimeUnit.NANOSECONDS);
        timers[2].update(400_000 + v, TimeUnit.NANOSECONDS);
        histograms[0].update(12);
        histograms[1].update(v);
        return v;
    }
}

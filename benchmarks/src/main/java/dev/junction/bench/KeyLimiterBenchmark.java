package dev.junction.bench;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.LimitsConfig;
import dev.junction.core.limits.Admission;
import dev.junction.core.limits.KeyLimiter;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a gateway key's limits add to a request (SPEC §7.1): one reserve and one settle, as the
 * request path runs them, for a key with rpm, tpm, max-concurrent and a daily budget. {@code off}
 * is a key without limits (what every request paid before limits existed: nothing reserved, the
 * spend counted). {@code redis} needs a server: {@code -Djunction.bench.redis=redis://127.0.0.1:PORT};
 * its figure is dominated by the two round trips (reserve, settle) over loopback.
 * Run with {@code java -jar benchmarks/target/benchmarks.jar KeyLimiterBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyLimiterBenchmark {

    @Param({"off", "local", "redis"})
    public String store;

    private KeyLimiter limiter;
    private KeyConfig key;
    private Path dir;
    private long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("junction-bench");
        String redis = System.getProperty("junction.bench.redis");
        if (store.equals("redis") && redis == null) {
            throw new IllegalStateException("store=redis needs -Djunction.bench.redis=redis://host:port");
        }
        limiter = KeyLimiter.open(new LimitsConfig(store.equals("redis") ? "redis" : "local", redis, true,
                dir.resolve("limits.db"), Duration.ofSeconds(1), 4096), Clock.systemUTC());
        // Limits high enough never to refuse: the benchmark measures the bookkeeping, not refusals.
        key = store.equals("off") ? new KeyConfig("bench", "k", List.of("*"), null, null, null, false)
                : new KeyConfig("bench", "k", List.of("*"), Integer.MAX_VALUE, Long.MAX_VALUE / 4, 1e12, false,
                Integer.MAX_VALUE, null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        limiter.close();
    }

    @Benchmark
    public Admission reserveAndSettle() {
        Admission a = limiter.reserve(key, 1500, "r" + (n++)).toCompletableFuture().join();
        limiter.settle(a, 700, 0.0001);
        return a;
    }
}

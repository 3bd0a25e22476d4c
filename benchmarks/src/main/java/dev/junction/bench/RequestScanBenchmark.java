package dev.junction.bench;

import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.passthrough.RawBodyCheck;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The check every request body gets before it is routed (DESIGN house rule 12): {@code scan*} is
 * the whole {@link OpenAiRequestScanner} pass (bytes, then JSON), {@code rawCheck*} the byte-level
 * part alone ({@link RawBodyCheck}: UTF-8 well-formedness, NUL bytes, every string's length), on a
 * typical chat request and on one carrying a 10 MB data-URL image; {@code scanTypicalJacksonOnly}
 * is the JSON part by the Jackson pass alone, as before the byte scan took the common case.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RequestScanBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestScanBenchmark {

    private final OpenAiRequestScanner scanner = new OpenAiRequestScanner(64, 32 * 1024 * 1024);
    ByteBuf typical;
    ByteBuf image;

    @Setup
    public void setUp() {
        typical = OpenAiCodecBenchmark.direct(OpenAiCodecBenchmark.TYPICAL.getBytes(StandardCharsets.UTF_8));
        image = OpenAiCodecBenchmark.direct(OpenAiCodecBenchmark.imageRequest(OpenAiCodecBenchmark.IMAGE_BYTES));
    }

    @TearDown
    public void tearDown() {
        typical.release();
        image.release();
    }

    @Benchmark
    public Object scanTypical() {
        return scanner.scan(typical, false);
    }

    /** The same checks by the Jackson pass alone (no byte scan in front): the cost before it. */
    @Benchmark
    public Object scanTypicalJacksonOnly() {
        return scanner.scanWithJackson(typical, false);
    }

    @Benchmark
    public Object rawCheckTypical() {
        return RawBodyCheck.check(typical, 32 * 1024 * 1024);
    }

    @Benchmark
    public Object scanTenMegabyteImage() {
        return scanner.scan(image, false);
    }

    @Benchmark
    public Object scanTenMegabyteImageJacksonOnly() {
        return scanner.scanWithJackson(image, false);
    }

    @Benchmark
    public Object rawCheckTenMegabyteImage() {
        return RawBodyCheck.check(image, 32 * 1024 * 1024);
    }
}

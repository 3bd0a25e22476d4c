package dev.junction.bench;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI pass-through stream as the saturation harness's burst regime feeds it: a 20-chunk
 * answer (plus the usage chunk and {@code [DONE]}) that the upstream sends in one burst: one feed
 * per event as the HTTP decoder delivers them ({@code read=event}), all events in one feed
 * ({@code read=burst}), or 1 KiB feeds. The
 * client did not ask for usage, so every chunk's {@code ,"usage":null} is cut. Per stream: the
 * processor fed every read, the end judged, the client's frames released.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar PassThroughBurstBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PassThroughBurstBenchmark {

    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 32 << 20);

    /**
     * How the vendor's bytes reach the processor: {@code event}, one feed per SSE event (a vendor
     * writes each event as its own HTTP chunk, and the HTTP decoder hands each chunk over on its
     * own, even when one socket read carried them all); {@code burst}, all in one feed; or feeds
     * of that many bytes.
     */
    @Param({"event", "burst", "1024"})
    public String read;

    private ByteBuf requestBody;
    private ByteBuf[] reads;
    private Translator translator;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] b = "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        requestBody = PooledByteBufAllocator.DEFAULT.directBuffer(b.length).writeBytes(b);
        OpenAiRequest request = new OpenAiRequest(requestBody, SCANNER.scan(requestBody, false), false,
                JsonLimits.DEFAULT, "chatcmpl-1", 1L);
        Target target = new Target("bench", "openai", "https://vendor.test", "vendor-model", "k", Map.of(), Map.of());
        translator = VendorRegistry.vendor("openai").translator(request, target, "reject");
        byte[] stream = OpenAiStreams.sse(OpenAiStreams.textChunks(22));
        List<ByteBuf> parts = new ArrayList<>();
        if (read.equals("event")) {
            for (int at = 0; at < stream.length; ) {
                int n = new String(stream, at, stream.length - at, StandardCharsets.ISO_8859_1).indexOf("\n\n") + 2;
                parts.add(PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(stream, at, n));
                at += n;
            }
        } else {
            int size = read.equals("burst") ? stream.length : Integer.parseInt(read);
            for (int at = 0; at < stream.length; at += size) {
                int n = Math.min(size, stream.length - at);
                parts.add(PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(stream, at, n));
            }
        }
        reads = parts.toArray(new ByteBuf[0]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        requestBody.release();
        for (ByteBuf r : reads) {
            r.release();
        }
    }

    /** One stream: every read fed (as the upstream handler does, a read is released after feeding), the end judged. */
    @Benchmark
    public long stream() {
        StreamProcessor p = translator.streamProcessor();
        List<ByteBuf> out = new ArrayList<>(4);
        long bytes = 0;
        try {
            for (ByteBuf r : reads) {
                p.feed(r.duplicate(), PooledByteBufAllocator.DEFAULT, out);
                bytes += drain(out);
            }
            if (p.end(PooledByteBufAllocator.DEFAULT, out) != null) {
                throw new IllegalStateException("the recorded stream is incomplete");
            }
            bytes += drain(out);
        } finally {
            p.close();
        }
        return bytes;
    }

    private static long drain(List<ByteBuf> out) {
        long n = 0;
        for (ByteBuf f : out) {
            n += f.readableBytes();
            f.release();
        }
        out.clear();
        return n;
    }
}

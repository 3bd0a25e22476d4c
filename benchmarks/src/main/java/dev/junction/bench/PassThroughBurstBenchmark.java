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
 * ({@code read=burst}), or 1 KiB feeds; in every case into one client batch (one write per read, as the exchange
 * sends it). The
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

    /**
     * What the exchange does with the frames of the pieces of one read, all sent as one batch:
     * {@code copy}, each piece's frames written into a buffer of their own and copied into the batch
     * (the first buffer becomes the batch); {@code lend}, the batch handed to the processor, which
     * writes the next piece's frames after its bytes.
     */
    @Param({"lend", "copy"})
    public String exchange;

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

    /**
     * One stream: every piece fed (the caller still owns it, as the upstream handler does), its
     * frames appended to the batch as the exchange does, the end judged, the batch released.
     */
    @Benchmark
    public long stream() {
        StreamProcessor p = translator.streamProcessor();
        List<ByteBuf> out = new ArrayList<>(4);
        boolean lend = exchange.equals("lend");
        ByteBuf batch = null;
        try {
            for (ByteBuf r : reads) {
                if (lend && batch != null) {
                    p.feed(r.duplicate(), PooledByteBufAllocator.DEFAULT, out, batch);
                    batch = null;
                } else {
                    p.feed(r.duplicate(), PooledByteBufAllocator.DEFAULT, out);
                }
                batch = append(batch, out);
            }
            if (p.end(PooledByteBufAllocator.DEFAULT, out) != null) {
                throw new IllegalStateException("the recorded stream is incomplete");
            }
            batch = append(batch, out);
            return batch.readableBytes();
        } finally {
            p.close();
            if (batch != null) {
                batch.release();
            }
        }
    }

    /** The exchange's batching: the first buffer is the batch, the others are copied into it and released. */
    private static ByteBuf append(ByteBuf batch, List<ByteBuf> out) {
        for (ByteBuf f : out) {
            if (batch == null && f.isDirect() && f.refCnt() == 1 && f.unwrap() == null) {
                batch = f;
                continue;
            }
            if (batch == null) {
                batch = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
            }
            batch.writeBytes(f, f.readerIndex(), f.readableBytes());
            f.release();
        }
        out.clear();
        return batch;
    }
}

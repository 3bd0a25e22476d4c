package dev.junction.bench;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.messages.MessagesRequest;
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
 * One whole answer stream through a client door and a vendor, as the exchange runs it: the
 * {@link Translator} that {@code Vendor.translator} opens for the door's request, its stream
 * processor fed the vendor's recorded bytes in 1 KiB reads, the client's frames released. Per
 * stream, so the door × vendor pairs compare directly:
 * <ul>
 *   <li>{@code chat>openai}: the chat pass-through (the baseline);</li>
 *   <li>{@code messages>openai}: OpenAI chunks → canonical events → Anthropic's event stream;</li>
 *   <li>{@code messages>anthropic}: Anthropic's events forwarded as their bytes, judged through the
 *       Anthropic stream translator;</li>
 *   <li>{@code chat>anthropic}: Anthropic's events → canonical events → OpenAI chunks.</li>
 * </ul>
 * OpenAI streams are 52 text chunks with usage; Anthropic's 40 text deltas and a 10-fragment tool call.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar DoorStreamBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DoorStreamBenchmark {

    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(64, 32 << 20);
    private static final int READ = 1024;

    @Param({"chat>openai", "messages>openai", "messages>anthropic", "chat>anthropic"})
    public String pair;

    private ByteBuf requestBody;
    private byte[] vendorStream;
    private Translator translator;

    @Setup(Level.Trial)
    public void setUp() {
        String door = pair.substring(0, pair.indexOf('>'));
        String vendor = pair.substring(pair.indexOf('>') + 1);
        String json = door.equals("chat")
                ? "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"
                : "{\"model\":\"chat\",\"max_tokens\":1024,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        requestBody = PooledByteBufAllocator.DEFAULT.directBuffer(b.length).writeBytes(b);
        IngressRequest request = door.equals("chat")
                ? new OpenAiRequest(requestBody, SCANNER.scan(requestBody, false), false, JsonLimits.DEFAULT, "chatcmpl-1", 1L)
                : new MessagesRequest(requestBody, SCANNER.scan(requestBody), JsonLimits.DEFAULT, false, null, null, "msg_1", 1L);
        Target target = new Target("bench", vendor, "https://vendor.test", "vendor-model", "k", Map.of(), Map.of());
        translator = VendorRegistry.vendor(vendor).translator(request, target, "reject");
        vendorStream = vendor.equals("openai") ? OpenAiStreams.sse(OpenAiStreams.textChunks(52))
                : AnthropicTranslateBenchmark.recordedStream().getBytes(StandardCharsets.UTF_8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        requestBody.release();
    }

    /** One stream: every read fed, the end judged, every client frame released; returns the client's bytes. */
    @Benchmark
    public long stream() {
        StreamProcessor p = translator.streamProcessor();
        List<ByteBuf> out = new ArrayList<>(16);
        long bytes = 0;
        try {
            for (int at = 0; at < vendorStream.length; at += READ) {
                int n = Math.min(READ, vendorStream.length - at);
                ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(vendorStream, at, n);
                try {
                    p.feed(read, PooledByteBufAllocator.DEFAULT, out);
                } finally {
                    read.release();
                }
                bytes += drain(out);
            }
            if (p.end(PooledByteBufAllocator.DEFAULT, out) != null) {
                throw new IllegalStateException("the recorded stream is incomplete for " + pair);
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

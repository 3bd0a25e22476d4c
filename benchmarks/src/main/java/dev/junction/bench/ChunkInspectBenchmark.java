package dev.junction.bench;

import dev.junction.stream.OpenAiChunkInspector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Cost of the per-chunk scan on the OpenAI pass-through path: one {@link OpenAiChunkInspector}
 * pass over a chunk that the proxy then forwards unchanged.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar ChunkInspect -prof gc
 * java -jar benchmarks/target/benchmarks.jar ChunkInspect -p buffer=direct -prof gc    # scan vs jackson
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChunkInspectBenchmark {

    @Param({"content", "toolCall", "finish", "usage"})
    String kind;

    /** Where the SSE decoder's data lives: a slice of the (direct) network read, or a heap copy. */
    @Param({"direct", "heap"})
    String buffer;

    /**
     * {@code scan}: the shipped inspector (hand-written scanner, Jackson for chunks it cannot vouch
     * for); {@code jackson}: every chunk through the Jackson pass, the inspector's fallback (and the
     * whole inspector before the scanner), for a side-by-side figure.
     */
    @Param({"scan", "jackson"})
    String path;

    ByteBuf chunk;
    OpenAiChunkInspector inspector;

    @Setup
    public void setup() throws ReflectiveOperationException {
        byte[] bytes = OpenAiStreams.chunk(kind).getBytes(StandardCharsets.UTF_8);
        chunk = buffer.equals("direct")
                ? PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes)
                : Unpooled.wrappedBuffer(bytes);
        // The Jackson-only inspector is package-private (the tests compare the two paths with it).
        var constructor = OpenAiChunkInspector.class.getDeclaredConstructor(boolean.class);
        constructor.setAccessible(true);
        inspector = constructor.newInstance(path.equals("scan"));
        OpenAiChunkInspector.Result r = inspector.inspect(chunk);
        if (r.malformed() || r.error()) {
            throw new IllegalStateException("benchmark chunk not recognised: " + kind);
        }
    }

    @TearDown
    public void tearDown() {
        chunk.release();
    }

    @Benchmark
    public int inspect() {
        OpenAiChunkInspector.Result r = inspector.inspect(chunk);
        return (r.content() ? 1 : 0) + r.finishCount() + (r.hasUsage() ? 4 : 0);
    }
}

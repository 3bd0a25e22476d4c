package dev.junction.bench;

import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.SseListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost per event of decoding a realistic 200-chunk OpenAI stream (plus {@code [DONE]}) fed in
 * network-sized pieces, as the upstream client reads it (DESIGN house rule 12).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar SseDecode -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SseDecodeBenchmark {

    static final int CHUNKS = 200;
    static final int EVENTS = CHUNKS + 1;

    /** Bytes per network read; 1 KiB splits most events across two reads. */
    @Param({"1024"})
    int readSize;

    List<ByteBuf> reads;
    Listener listener;

    /** Consumes each event the way the pass-through path does: looks at its bytes, keeps nothing. */
    static final class Listener implements SseListener {
        Blackhole bh;
        int events;

        @Override
        public void onEvent(SseEvent event) {
            events++;
            bh.consume(event.data().getByte(event.data().readerIndex()));
        }
    }

    @Setup
    public void setup(Blackhole bh) {
        byte[] stream = OpenAiStreams.sse(OpenAiStreams.textChunks(CHUNKS));
        reads = new ArrayList<>();
        for (int i = 0; i < stream.length; i += readSize) {
            int n = Math.min(readSize, stream.length - i);
            reads.add(PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(stream, i, n));
        }
        listener = new Listener();
        listener.bh = bh;
        decode();
        if (listener.events != EVENTS) {
            throw new IllegalStateException("decoded " + listener.events + " events, expected " + EVENTS);
        }
    }

    @TearDown
    public void tearDown() {
        reads.forEach(ByteBuf::release);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int decode() {
        listener.events = 0;
        SseDecoder decoder = new SseDecoder(listener, 1 << 20);
        for (int i = 0; i < reads.size(); i++) {
            decoder.feed(reads.get(i)); // feed() does not move the reader index: the reads are reusable
        }
        decoder.close();
        return listener.events;
    }
}

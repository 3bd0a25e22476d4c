package dev.junction.bench;

import dev.junction.stream.FinishReason;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cost per canonical event of rendering OpenAI chunks on a translated stream (Anthropic, Gemini →
 * OpenAI): a 200-event stream written by a fresh {@link OpenAiChunkWriter}, frames released as the
 * channel would after writing them.
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar ChunkWriter -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChunkWriterBenchmark {

    static final int EVENTS = 200;
    private static final String[] TOKENS = {"The", " quick", " brown", " fox", " jumps", " over", " the", " lazy",
        " dog", ".", " Ça", " va", "?", " 日本", "語", " 👋", "\n", " \"quoted\"", ",", " and"};

    /** {@code text}: content deltas; {@code toolCall}: one call whose arguments stream in fragments. */
    @Param({"text", "toolCall"})
    String shape;

    List<StreamEvent> events;
    final List<ByteBuf> frames = new ArrayList<>(8);
    final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    @Setup
    public void setup() {
        events = new ArrayList<>(EVENTS);
        events.add(new StreamEvent.Start("msg_01", "claude-sonnet"));
        if (shape.equals("toolCall")) {
            events.add(new StreamEvent.ToolCallStart(0, 0, "toolu_01A09q90qw90lq917835lq9", "get_weather"));
        }
        while (events.size() < EVENTS - 2) {
            String token = TOKENS[events.size() % TOKENS.length];
            events.add(shape.equals("text") ? new StreamEvent.TextDelta(0, token)
                    : new StreamEvent.ToolCallArguments(0, 0, token));
        }
        events.add(new StreamEvent.UsageReport(new Usage(1117, 197, 1024, 0, 0)));
        events.add(new StreamEvent.Finish(0, shape.equals("text") ? FinishReason.STOP : FinishReason.TOOL_CALLS));
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long write() {
        OpenAiChunkWriter writer = new OpenAiChunkWriter("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", 1741569952L,
                "claude-sonnet", true);
        long bytes = 0;
        for (int i = 0; i < events.size(); i++) {
            writer.write(events.get(i), alloc, frames);
            bytes += drain();
        }
        writer.finish(alloc, frames);
        return bytes + drain();
    }

    private long drain() {
        long bytes = 0;
        for (int i = 0; i < frames.size(); i++) {
            ByteBuf f = frames.get(i);
            bytes += f.readableBytes();
            f.release();
        }
        frames.clear();
        return bytes;
    }
}

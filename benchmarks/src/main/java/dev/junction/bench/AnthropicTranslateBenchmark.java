package dev.junction.bench;

import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Anthropic translator's hot paths (DESIGN house rule 12): building the vendor request from a
 * decoded chat request (typical, and with a 10 MB image, which is spliced in as a slice, so its cost
 * must not grow with the image), and translating a recorded stream, reported per vendor event.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar AnthropicTranslateBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AnthropicTranslateBenchmark {

    /** A text answer of 40 deltas followed by one tool call of 10 argument fragments. */
    static String recordedStream() {
        StringBuilder sb = new StringBuilder();
        sb.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":412,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":2048,\"output_tokens\":1}}}\n\n");
        sb.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (int i = 0; i < 40; i++) {
            sb.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                    + "\"text\":\"word").append(i).append(" and some more \"}}\n\n");
            if (i % 10 == 0) {
                sb.append("event: ping\ndata: {\"type\":\"ping\"}\n\n");
            }
        }
        sb.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        sb.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_01\",\"name\":\"get_weather\",\"input\":{}}}\n\n");
        for (int i = 0; i < 10; i++) {
            sb.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                    + "\"partial_json\":\"{\\\"k").append(i).append("\\\":1,\"}}\n\n");
        }
        sb.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n");
        sb.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                + "\"usage\":{\"output_tokens\":160}}\n\n");
        sb.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return sb.toString();
    }

    static final int STREAM_EVENTS = 1 + 1 + 40 + 4 + 1 + 1 + 10 + 1 + 1 + 1;

    private final AnthropicAdapter adapter = new AnthropicAdapter();
    private final Target target = new Target("anthropic", "anthropic", "https://api.anthropic.com", "claude-sonnet-4-5",
            "bench-key", Map.of(), Map.of("max-output", "64000"));

    ByteBuf typicalBody;
    ByteBuf smallBody;
    ChatRequest small;
    ByteBuf imageBody;
    ChatRequest typical;
    ChatRequest image;
    List<SseEvent> events;

    @Setup(Level.Trial)
    public void setUp() {
        typicalBody = OpenAiCodecBenchmark.direct(OpenAiCodecBenchmark.TYPICAL.getBytes(StandardCharsets.UTF_8));
        typical = OpenAiRequestDecoder.decodeChat(typicalBody, JsonLimits.DEFAULT);
        smallBody = OpenAiCodecBenchmark.direct(OpenAiCodecBenchmark.SMALL.getBytes(StandardCharsets.UTF_8));
        small = OpenAiRequestDecoder.decodeChat(smallBody, JsonLimits.DEFAULT);
        imageBody = OpenAiCodecBenchmark.direct(OpenAiCodecBenchmark.imageRequest(OpenAiCodecBenchmark.IMAGE_BYTES));
        image = OpenAiRequestDecoder.decodeChat(imageBody, JsonLimits.DEFAULT);
        events = new ArrayList<>();
        byte[] sse = recordedStream().getBytes(StandardCharsets.UTF_8);
        ByteBuf chunk = OpenAiCodecBenchmark.direct(sse);
        try (SseDecoder decoder = new SseDecoder(e -> events.add(new SseEvent(e.event(), e.data().copy(), e.id(),
                e.retryMillis())), 1 << 20)) {
            decoder.feed(chunk);
        } finally {
            chunk.release();
        }
        if (events.size() != STREAM_EVENTS) {
            throw new IllegalStateException("recorded stream has " + events.size() + " events, expected " + STREAM_EVENTS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        typicalBody.release();
        smallBody.release();
        imageBody.release();
        events.forEach(e -> e.data().release());
    }

    @Benchmark
    public int translateRequest() {
        UpstreamRequest up = adapter.chatRequest(typical, target, PooledByteBufAllocator.DEFAULT, new Warnings());
        int n = up.body().readableBytes();
        up.body().release();
        return n;
    }

    /** The one-message request of {@code run-overhead.sh}'s translated load. */
    @Benchmark
    public int translateSmallRequest() {
        UpstreamRequest up = adapter.chatRequest(small, target, PooledByteBufAllocator.DEFAULT, new Warnings());
        int n = up.body().readableBytes();
        up.body().release();
        return n;
    }

    @Benchmark
    public int translateTenMegabyteImageRequest() {
        UpstreamRequest up = adapter.chatRequest(image, target, PooledByteBufAllocator.DEFAULT, new Warnings());
        int n = up.body().readableBytes();
        up.body().release();
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(STREAM_EVENTS)
    public void translateStreamPerEvent(Blackhole bh) {
        StreamTranslator t = adapter.streamTranslator(typical);
        java.util.function.Consumer<StreamEvent> sink = bh::consume;
        for (SseEvent e : events) {
            t.onEvent(e, sink);
        }
        t.onEnd(sink);
    }
}

package dev.junction.bench;

import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The OpenAI ingress codec (DESIGN house rule 12). {@code decodeTypical}: a multi-turn chat request
 * with tools. {@code decodeTenMegabyteImage}: a request carrying a 10 MB data-URL image; with
 * {@code -prof gc} its {@code gc.alloc.rate.norm} must stay far below 10 MB per operation, since the
 * base64 is recorded as a span of the body and never becomes a Java string.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar OpenAiCodecBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OpenAiCodecBenchmark {

    static final String TYPICAL = """
            {"model":"smart","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,
             "max_completion_tokens":1024,"messages":[
              {"role":"system","content":"You are a helpful assistant that answers concisely and cites sources."},
              {"role":"user","content":"What's the weather in Paris and what time is it there?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{\\"tz\\":\\"Europe/Paris\\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C, cloudy, wind 12 km/h from the west"},
              {"role":"tool","tool_call_id":"call_2","content":"14:05 CEST"},
              {"role":"user","content":[{"type":"text","text":"Great, and should I take an umbrella this afternoon?"}]}],
             "tools":[
              {"type":"function","function":{"name":"get_weather","description":"Current weather for a city",
                "parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}}},
              {"type":"function","function":{"name":"get_time","description":"Local time in a time zone",
                "parameters":{"type":"object","properties":{"tz":{"type":"string"}},"required":["tz"]}}}],
             "tool_choice":"auto","user":"user-1234"}
            """;

    static final int IMAGE_BYTES = 10 * 1024 * 1024;

    /** The streaming request of {@code run-overhead.sh}'s translated load (a one-message chat). */
    static final String SMALL =
            "{\"model\":\"claude-haiku-4-5\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story. [[sim tokens=20]]\"}]}";

    ByteBuf typical;
    ByteBuf small;
    ByteBuf image;

    static ByteBuf direct(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    static byte[] imageRequest(int base64Bytes) {
        byte[] data = new byte[base64Bytes];
        Arrays.fill(data, (byte) 'A');
        String head = "{\"model\":\"smart\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,";
        String tail = "\"}}]}]}";
        byte[] out = new byte[head.length() + data.length + tail.length()];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, out, 0, head.length());
        System.arraycopy(data, 0, out, head.length(), data.length);
        System.arraycopy(tail.getBytes(StandardCharsets.US_ASCII), 0, out, head.length() + data.length, tail.length());
        return out;
    }

    @Setup(Level.Trial)
    public void setUp() {
        typical = direct(TYPICAL.getBytes(StandardCharsets.UTF_8));
        small = direct(SMALL.getBytes(StandardCharsets.UTF_8));
        image = direct(imageRequest(IMAGE_BYTES));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        typical.release();
        small.release();
        image.release();
    }

    @Benchmark
    public ChatRequest decodeTypical() {
        return OpenAiRequestDecoder.decodeChat(typical, JsonLimits.DEFAULT);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public ChatRequest decodeSmall() {
        return OpenAiRequestDecoder.decodeChat(small, JsonLimits.DEFAULT);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public ChatRequest decodeTenMegabyteImage() {
        return OpenAiRequestDecoder.decodeChat(image, JsonLimits.DEFAULT);
    }
}

package dev.junction.bench;

import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
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
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Gemini translation hot paths (DESIGN house rule 12): building the vendor request from a decoded
 * OpenAI request (a multi-turn tool conversation with a 48 KiB inline image, which must be carried
 * as a slice, not copied), and translating one stream event (a text chunk, a function-call chunk).
 * Run with allocation figures:
 * {@code java -jar benchmarks/target/benchmarks.jar GeminiTranslate -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class GeminiTranslateBenchmark {

    private static final Target TARGET = new Target("gemini", "gemini", "https://generativelanguage.googleapis.com",
            "gemini-2.5-flash", "bench-key", Map.of(), Map.of());

    private final GeminiAdapter adapter = new GeminiAdapter();
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf clientBody;
    private ChatRequest request;
    private ByteBuf textChunk;
    private ByteBuf callChunk;
    private StreamTranslator translator;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] image = new byte[48 * 1024];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 31);
        }
        String json = "{\"model\":\"chat\",\"temperature\":0.2,\"max_completion_tokens\":512,"
                + "\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are a helpful assistant that answers briefly.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in this picture, and what is the weather there?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(image) + "\"}}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_abc__thought__c2lnbmF0dXJl\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"c\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_abc__thought__c2lnbmF0dXJl\",\"content\":\"18C and sunny\"},"
                + "{\"role\":\"user\",\"content\":\"Thanks. Summarise in one sentence.\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                + "\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}}}],"
                + "\"tool_choice\":\"auto\",\"stream\":true}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        clientBody = alloc.directBuffer(bytes.length).writeBytes(bytes);
        request = OpenAiRequestDecoder.decodeChat(clientBody, JsonLimits.DEFAULT);
        textChunk = Unpooled.directBuffer().writeBytes(("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":"
                + "[{\"text\":\"The picture shows a street in Paris on a sunny afternoon, \"}]},\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":1290,\"candidatesTokenCount\":14,\"totalTokenCount\":1304},"
                + "\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"mOxpaL2dKpSs1dkP2o2zqQk\"}")
                .getBytes(StandardCharsets.UTF_8));
        callChunk = Unpooled.directBuffer().writeBytes(("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":"
                + "[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Rome\",\"unit\":\"c\"}},"
                + "\"thoughtSignature\":\"EqUCAb+/9xQ1c2lnbmF0dXJlIGJ5dGVz\"}]},\"index\":0}],"
                + "\"usageMetadata\":{\"promptTokenCount\":1290,\"candidatesTokenCount\":20,\"totalTokenCount\":1310},"
                + "\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"mOxpaL2dKpSs1dkP2o2zqQk\"}")
                .getBytes(StandardCharsets.UTF_8));
        translator = adapter.streamTranslator(request);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        clientBody.release();
        textChunk.release();
        callChunk.release();
    }

    /** Canonical request → Gemini body (a composite of JSON pieces and the image slice). */
    @Benchmark
    public int translateRequest() {
        UpstreamRequest up = adapter.chatRequest(request, TARGET, alloc, new Warnings());
        int size = up.body().readableBytes();
        up.body().release();
        return size;
    }

    /** One streamed text chunk → canonical events. */
    @Benchmark
    public void streamTextEvent(Blackhole bh) {
        Consumer<StreamEvent> out = bh::consume;
        translator.onEvent(new SseEvent(null, textChunk, null, null), out);
    }

    /** One streamed function-call chunk (whole call, with signature) → canonical events. */
    @Benchmark
    public void streamFunctionCallEvent(Blackhole bh) {
        Consumer<StreamEvent> out = bh::consume;
        translator.onEvent(new SseEvent(null, callChunk, null, null), out);
    }
}

package dev.junction.translators.ingress;

import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.golden.GoldenRunner;
import dev.junction.translators.golden.SseFraming;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.VendorAdapter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The vendor golden scenarios ({@code golden/<vendor>/<scenario>/}) as canonical answers and
 * streams, so every ingress door can be run over every vendor's recorded answers (the cross
 * product of doors × vendors). Each translated vendor is built as its own golden test builds it:
 * fixed clock, tool-call ids {@code call_1, call_2, ...} restarting per answer.
 */
public final class VendorScenarios {

    /** One translated vendor: its golden directory name and a fresh adapter per answer. */
    public record Vendor(String name, Supplier<VendorAdapter> adapter) {
    }

    public static final List<Vendor> VENDORS = List.of(
            new Vendor("anthropic", () -> new AnthropicAdapter(
                    Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))),
            new Vendor("gemini", () -> {
                AtomicInteger n = new AtomicInteger();
                return new GeminiAdapter(() -> "call_" + n.incrementAndGet());
            }),
            new Vendor("openai", () -> VendorRegistry.canonicalAdapter("openai")));

    private VendorScenarios() {
    }

    /** The scenario directories of a vendor, sorted. */
    public static List<Path> scenarios(Vendor v) {
        Path root;
        try {
            root = Paths.get(VendorScenarios.class.getClassLoader().getResource("golden/" + v.name()).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scenario's chat request (the OpenAI codec over {@code openai-request.json}), or a one-message default. */
    public static ChatRequest request(Path dir) {
        ByteBuf body = Files.exists(dir.resolve("openai-request.json")) ? read(dir, "openai-request.json")
                : buf("{\"model\":\"golden\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        try {
            return OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
        } finally {
            body.release(); // answers and streams never read the request's media spans
        }
    }

    public static boolean hasResponse(Path dir) {
        return Files.exists(dir.resolve("vendor-response.json"));
    }

    public static boolean hasStream(Path dir) {
        return Files.exists(dir.resolve("vendor-stream.txt"));
    }

    public static ChatResponse response(Vendor v, Path dir) {
        ByteBuf body = read(dir, "vendor-response.json");
        try {
            return v.adapter().get().chatResponse(request(dir), body);
        } finally {
            body.release();
        }
    }

    /** Every chunk-boundary framing of the vendor's stream: the whole file, then 1, 2, 3, 5, ... bytes at a time. */
    public static Map<String, GoldenRunner.Framing> framings() {
        return SseFraming.sweep();
    }

    /** The canonical events of the vendor's stream, framed with {@code framing}, ending with the translator's end. */
    public static List<StreamEvent> stream(Vendor v, Path dir, GoldenRunner.Framing framing) {
        List<SseEvent> events;
        try {
            events = framing.frame(Files.readAllBytes(dir.resolve("vendor-stream.txt")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamTranslator translator = v.adapter().get().streamTranslator(request(dir));
        List<StreamEvent> out = new ArrayList<>();
        try {
            for (SseEvent e : events) {
                translator.onEvent(e, out::add);
            }
        } finally {
            events.forEach(e -> e.data().release());
        }
        translator.onEnd(out::add);
        return out;
    }

    public static ByteBuf read(Path dir, String file) {
        try {
            byte[] bytes = Files.readAllBytes(dir.resolve(file));
            return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ByteBuf buf(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }
}

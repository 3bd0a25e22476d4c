package dev.junction.translators.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.GatewayError;
import dev.junction.stream.JsonTextSink;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.stream.StreamProcessor;
import dev.junction.translators.stream.TranslatedStreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translated stream's fast path — each data line read while its end is looked for, and the
 * text, thinking and tool-argument fragments copied as their JSON bytes into the client's chunks —
 * gives the client exactly what the reference path gives (no line scanner, each event read by
 * Jackson, each fragment decoded to a string and escaped again): the golden corpus' Anthropic
 * streams and random streams (texts escaped every way JSON allows, control characters, surrogate
 * pairs raw and escaped, lone surrogates, forced-json-tool mode, corrupted bytes), fed in random
 * pieces from heap and direct buffers.
 */
class AnthropicStreamBytesTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String[] PIECES = {
        "Hello", " ", "world", "\"", "\\", "/", "\u007f", "\u0000", "\u001f", "\b", "\t", "\n", "\f", "\r",
        "\u00e9", "\u07ff", "\u0800", "\u2028", "\ufeff", "\uffff", "\ud83d\ude42", "\udbff\udfff", "\ud83d", "\ude42",
        "{\"city\":", "\"Paris\"}", "\u65e5\u672c", "</script>", "\\u0041", ""};

    @Test
    void theGoldenStreamsGiveTheReferenceBytes() throws IOException {
        Random random = new Random(21);
        List<Path> files;
        try (Stream<Path> dirs = Files.list(Path.of("src/test/resources/golden/anthropic"))) {
            files = dirs.map(d -> d.resolve("vendor-stream.txt")).filter(Files::exists).sorted().toList();
        }
        assertTrue(files.size() >= 10, "the golden streams were found: " + files.size());
        for (Path file : files) {
            byte[] stream = Files.readAllBytes(file);
            for (int round = 0; round < 20; round++) {
                compare(stream, random, file.getParent().getFileName().toString());
            }
        }
    }

    @Test
    void randomStreamsGiveTheReferenceBytes() {
        Random random = new Random(22);
        for (int round = 0; round < 800; round++) {
            byte[] stream = stream(random);
            if (random.nextInt(5) == 0) {
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits; e++) {
                    stream[random.nextInt(stream.length)] = (byte) random.nextInt(256);
                }
            }
            compare(stream, random, "random stream " + round);
        }
    }

    /**
     * The translator offers every fragment the scanner read as bytes, and a consumer that declines
     * some of them gets those as events: the events, with each accepted fragment decoded by Jackson,
     * are the reference translator's events.
     */
    @Test
    void fragmentsAreOfferedAsBytesAndDeclinedOnesComeAsEvents() {
        Random random = new Random(23);
        int offered = 0;
        for (int round = 0; round < 800; round++) {
            byte[] stream = stream(random);
            boolean json = random.nextInt(4) == 0;
            Recorder fast = new Recorder(random);
            feed(new AnthropicStreamTranslator(json, true), stream, fast);
            List<StreamEvent> reference = new ArrayList<>();
            feed(new AnthropicStreamTranslator(json, false), stream, reference::add);
            assertEquals(reference, fast.events, () -> "stream: " + new String(stream, StandardCharsets.UTF_8));
            offered += fast.offered;
        }
        assertTrue(offered > 4_000, "fragments were offered as bytes: " + offered);
    }

    private static void compare(byte[] stream, Random random, String what) {
        boolean json = random.nextInt(4) == 0;
        int[] cuts = cuts(random, stream.length);
        boolean direct = random.nextBoolean();
        String fast = run(new AnthropicStreamTranslator(json, true), stream, cuts, direct);
        String reference = run(new AnthropicStreamTranslator(json, false), stream, cuts, direct);
        assertEquals(reference, fast, () -> what + ": " + new String(stream, StandardCharsets.UTF_8));
    }

    /** The client's bytes, then how the stream ended. */
    private static String run(AnthropicStreamTranslator translator, byte[] stream, int[] cuts, boolean direct) {
        StreamProcessor p = new TranslatedStreamProcessor(translator,
                new OpenAiChunkWriter("chatcmpl-1", 1L, "claude", true), 1);
        List<ByteBuf> out = new ArrayList<>();
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        String end;
        try {
            int from = 0;
            for (int cut : cuts) {
                ByteBuf piece = direct ? ALLOC.directBuffer(cut - from) : ALLOC.heapBuffer(cut - from);
                piece.writeBytes(stream, from, cut - from);
                try {
                    p.feed(piece, ALLOC, out);
                } finally {
                    piece.release();
                }
                from = cut;
            }
            GatewayError error = p.end(ALLOC, out);
            end = error == null ? "complete" : error.code() + ": " + error.message();
        } finally {
            for (ByteBuf b : out) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                client.writeBytes(bytes);
                b.release();
            }
            p.close();
        }
        return client.toString(StandardCharsets.UTF_8) + "\n-- " + end + ", content " + p.hasContent();
    }

    /** Feeds the whole stream to the translator through a decoder with the translator's line scanner, as the processor does. */
    private static void feed(AnthropicStreamTranslator translator, byte[] stream, Consumer<StreamEvent> out) {
        dev.junction.stream.SseDecoder decoder = new dev.junction.stream.SseDecoder(new dev.junction.stream.SseListener() {
            @Override
            public void onEvent(dev.junction.stream.SseEvent event) {
                translator.onEvent(event, out);
            }

            @Override
            public void onEvent(String event, ByteBuf src, int index, int length, String id, Long retryMillis) {
                translator.onEvent(event, src, index, length, out);
            }
        }, 1 << 20, ALLOC, translator.lineScanner());
        ByteBuf chunk = Unpooled.directBuffer(stream.length).writeBytes(stream);
        try {
            decoder.feed(chunk);
        } finally {
            chunk.release();
            decoder.close();
        }
        translator.onEnd(out);
    }

    /** Takes fragments as bytes at random, recording each as the event its Jackson-decoded text makes. */
    private static final class Recorder implements Consumer<StreamEvent>, JsonTextSink {
        final List<StreamEvent> events = new ArrayList<>();
        final Random random;
        int offered;

        Recorder(Random random) {
            this.random = random;
        }

        @Override
        public void accept(StreamEvent e) {
            events.add(e);
        }

        @Override
        public boolean jsonText(Kind kind, int choice, int toolIndex, byte[] json, int from, int to) {
            offered++;
            assertTrue(from < to, "fragments offered are not empty");
            if (random.nextInt(4) == 0) {
                return false;
            }
            String text = jacksonString(json, from, to);
            events.add(switch (kind) {
                case TEXT -> new StreamEvent.TextDelta(choice, text);
                case REASONING -> new StreamEvent.ReasoningDelta(choice, text);
                case TOOL_ARGUMENTS -> new StreamEvent.ToolCallArguments(choice, toolIndex, text);
            });
            return true;
        }
    }

    private static String jacksonString(byte[] json, int from, int to) {
        byte[] quoted = new byte[to - from + 2];
        quoted[0] = '"';
        System.arraycopy(json, from, quoted, 1, to - from);
        quoted[quoted.length - 1] = '"';
        try (JsonParser p = new JsonFactory().createParser(quoted)) {
            assertEquals(JsonToken.VALUE_STRING, p.nextToken());
            return p.getText();
        } catch (IOException e) {
            throw new AssertionError("a fragment offered as bytes is a valid JSON string's content", e);
        }
    }

    /** A random Anthropic stream: text, thinking and tool blocks with random escaped texts, pings, usage, a stop. */
    private static byte[] stream(Random random) {
        StringBuilder sb = new StringBuilder();
        String eol = random.nextInt(5) == 0 ? "\r\n" : "\n";
        event(sb, eol, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude\",\"content\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}");
        int blocks = 1 + random.nextInt(4);
        for (int b = 0; b < blocks; b++) {
            int kind = random.nextInt(4);
            switch (kind) {
                case 0 -> event(sb, eol, "content_block_start", "{\"type\":\"content_block_start\",\"index\":" + b
                        + ",\"content_block\":{\"type\":\"text\",\"text\":\"" + escaped(random) + "\"}}");
                case 1 -> event(sb, eol, "content_block_start", "{\"type\":\"content_block_start\",\"index\":" + b
                        + ",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}");
                default -> event(sb, eol, "content_block_start", "{\"type\":\"content_block_start\",\"index\":" + b
                        + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_" + b + "\",\"name\":\""
                        + (random.nextBoolean() ? "json" : "get_weather") + "\",\"input\":{}}}");
            }
            int deltas = random.nextInt(8);
            for (int d = 0; d < deltas; d++) {
                String delta = switch (kind) {
                    case 0 -> "{\"type\":\"text_delta\",\"text\":\"" + escaped(random) + "\"}";
                    case 1 -> random.nextInt(4) == 0 ? "{\"type\":\"signature_delta\",\"signature\":\"c2ln\"}"
                            : "{\"type\":\"thinking_delta\",\"thinking\":\"" + escaped(random) + "\"}";
                    default -> "{\"type\":\"input_json_delta\",\"partial_json\":\"" + escaped(random) + "\"}";
                };
                if (random.nextInt(10) == 0) {
                    delta = "{\"text\":\"" + escaped(random) + "\",\"type\":\"text_delta\",\"text\":\"" + escaped(random) + "\"}";
                }
                String spacing = random.nextInt(10) == 0 ? " " : "";
                event(sb, eol, "content_block_delta", "{\"type\":\"content_block_delta\"," + spacing + "\"index\":" + b
                        + ",\"delta\":" + delta + "}" + spacing);
                if (random.nextInt(10) == 0) {
                    event(sb, eol, "ping", "{\"type\":\"ping\"}");
                }
            }
            event(sb, eol, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + b + "}");
        }
        if (random.nextInt(10) != 0) {
            event(sb, eol, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\""
                    + (random.nextBoolean() ? "end_turn" : "tool_use") + "\"},\"usage\":{\"output_tokens\":9}}");
            event(sb, eol, "message_stop", "{\"type\":\"message_stop\"}");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void event(StringBuilder sb, String eol, String name, String data) {
        sb.append("event: ").append(name).append(eol).append("data: ").append(data).append(eol).append(eol);
    }

    /** A random text as the content of a JSON string, each character escaped or not at random, as JSON allows. */
    private static String escaped(Random random) {
        StringBuilder text = new StringBuilder();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            text.append(random.nextInt(5) == 0 ? String.valueOf((char) random.nextInt(0x10000)) : PIECES[random.nextInt(PIECES.length)]);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair && random.nextBoolean()) {
                sb.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c) || c < 0x20 || random.nextInt(8) == 0) {
                String hex = String.format("%04x", (int) c);
                sb.append("\\u").append(random.nextBoolean() ? hex.toUpperCase(Locale.ROOT) : hex);
            } else if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '/' && random.nextBoolean()) {
                sb.append("\\/");
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int[] cuts(Random random, int length) {
        List<Integer> cuts = new ArrayList<>();
        int at = 0;
        while (at < length) {
            at = Math.min(length, at + 1 + random.nextInt(random.nextBoolean() ? 16 : 700));
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }
}

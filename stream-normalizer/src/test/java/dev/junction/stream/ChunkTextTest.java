package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chunk writer's hand-written path must write exactly the bytes of its Jackson path, frame by
 * frame, for random streams of random text (quotes, backslashes, every control character, DEL,
 * two- and three-byte characters, surrogate pairs, lone surrogates, long strings); and writing the
 * frames into shared buffers must give the same bytes, frame for frame, as a buffer each.
 */
class ChunkTextTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String[] PIECES = {
        "Hello", " ", "world", "\"", "\\", "/", "\u007f", "\u0000", "\u001f", "\b", "\t", "\n", "\f", "\r", "\u000b",
        "\u00e9", "\u00ff", "\u0100", "\u07ff", "\u0800", "\u2028", "\u2029", "\ufeff", "\uffff", "\ud83d\ude42",
        "\udbff\udfff", "\ud800\udc00", "\ud83d", "\ude42", "{\"city\":", "\"Paris\"}", "\u65e5\u672c", "</script>",
        "\\u0041", "null", ""};

    @Test
    void handWrittenChunksAreJacksonsBytes() {
        Random random = new Random(7);
        int fastFrames = 0;
        for (int stream = 0; stream < 3_000; stream++) {
            List<StreamEvent> events = randomStream(random);
            boolean usage = random.nextBoolean();
            // The stream's id, created and model (its head, written once per stream) are random too.
            String id = random.nextInt(10) == 0 ? "chatcmpl-\u00e9\"x" : "chatcmpl-" + text(random);
            long created = random.nextInt(10) == 0 ? random.nextLong() : 1_711_357_598L + random.nextInt(1000);
            String model = random.nextInt(10) == 0 ? "m\u00f6del" : text(random);
            List<String> jackson = run(new OpenAiChunkWriter(id, created, model, usage, false), events, false);
            List<String> fast = run(new OpenAiChunkWriter(id, created, model, usage, true), events, false);
            if (!jackson.equals(fast)) {
                assertEquals(visible(jackson), visible(fast), "events: " + visible(events));
            }
            List<String> shared = run(new OpenAiChunkWriter(id, created, model, usage, true), events, true);
            if (!jackson.equals(shared)) {
                assertEquals(visible(jackson), visible(shared), "events (shared buffers): " + visible(events));
            }
            fastFrames += fast.size();
        }
        assertTrue(fastFrames > 10_000, "streams of some length were compared: " + fastFrames);
    }

    @Test
    void theHandWrittenHeadIsJacksons() {
        Random random = new Random(11);
        byte[] tail = "[{\"index\":".getBytes(StandardCharsets.US_ASCII);
        int byHand = 0;
        for (int i = 0; i < 20_000; i++) {
            String id = random.nextBoolean() ? "chatcmpl-" + text(random) : text(random);
            String model = random.nextInt(50) == 0 ? "x".repeat(ChunkText.MAX_CHARS + random.nextInt(2)) : text(random);
            long created = switch (random.nextInt(4)) {
                case 0 -> random.nextLong();
                case 1 -> random.nextInt(10);
                case 2 -> Long.MIN_VALUE + random.nextInt(2);
                default -> 1_700_000_000L + random.nextInt(100_000_000);
            };
            byte[] head = ChunkText.head(id, created, model, tail);
            if (head == null) {
                assertTrue(id.length() > ChunkText.MAX_CHARS || model.length() > ChunkText.MAX_CHARS, "declined: " + id);
                continue;
            }
            byHand++;
            String expected = new String(OpenAiChunkWriter.jacksonHead(id, created, model), StandardCharsets.UTF_8)
                    + "[{\"index\":";
            assertEquals(visible(expected), visible(new String(head, StandardCharsets.UTF_8)));
        }
        assertTrue(byHand > 19_000, "most heads are written by hand: " + byHand);
    }

    @Test
    void encodesAsJacksonDoesOrDeclines() {
        assertEquals(7, ChunkText.encode("a\ud83d"), "a lone surrogate is escaped on its own");
        assertEquals(12, ChunkText.encode("\ud83d\ude42"), "so is each of a pair");
        assertEquals(-1, ChunkText.encode("x".repeat(ChunkText.MAX_CHARS + 1)), "long text is left to Jackson");
        assertEquals(8, ChunkText.encode("\u0001\n"));
    }

    /** Non-ASCII and control characters as escapes, so that a failure message shows them. */
    private static String visible(Object o) {
        StringBuilder sb = new StringBuilder();
        for (char c : String.valueOf(o).toCharArray()) {
            if (c < 0x20 || c >= 0x7f) {
                sb.append(String.format("<%04x>", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static List<StreamEvent> randomStream(Random random) {
        List<StreamEvent> events = new ArrayList<>();
        events.add(new StreamEvent.Start("id", "m"));
        int choices = 1 + (random.nextInt(4) == 0 ? 1 : 0);
        int n = 1 + random.nextInt(12);
        int tools = 0;
        for (int i = 0; i < n; i++) {
            int choice = random.nextInt(choices);
            switch (random.nextInt(7)) {
                case 0, 1 -> events.add(new StreamEvent.TextDelta(choice, text(random)));
                case 2 -> events.add(new StreamEvent.ReasoningDelta(choice, text(random)));
                case 3 -> events.add(new StreamEvent.RefusalDelta(choice, text(random)));
                case 4 -> events.add(new StreamEvent.ToolCallStart(choice, tools++,
                        random.nextInt(8) == 0 ? null : "call_" + text(random), random.nextInt(8) == 0 ? null : text(random)));
                case 5 -> events.add(new StreamEvent.ToolCallArguments(choice, random.nextInt(tools + 1), text(random)));
                default -> events.add(new StreamEvent.UsageReport(new Usage(random.nextInt(100_000), random.nextInt(9),
                        random.nextInt(3), random.nextInt(2) * random.nextInt(1_000_000), random.nextLong() & 0xffffffffL)));
            }
        }
        if (random.nextInt(4) != 0) {
            for (int c = 0; c < choices; c++) {
                events.add(new StreamEvent.Finish(c, FinishReason.values()[random.nextInt(FinishReason.values().length)]));
            }
        }
        return events;
    }

    private static String text(Random random) {
        if (random.nextInt(150) == 0) {
            return "long \"" + "\u00e9a\n".repeat(1000 + random.nextInt(5000)); // past MAX_CHARS sometimes
        }
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (random.nextInt(4) == 0) {
                sb.append((char) random.nextInt(0x10000));
            } else {
                sb.append(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        return sb.toString();
    }

    /**
     * The stream's frames as text, one element per frame, then "threw X" if a write threw. With
     * {@code shared}, frames go into shared buffers (a new one after every third frame asked) that
     * are split back into frames at their blank-line ends.
     */
    private static List<String> run(OpenAiChunkWriter w, List<StreamEvent> events, boolean shared) {
        List<ByteBuf> out = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        int[] asked = {0};
        ByteBuf[] current = {null};
        StreamEncoder.FrameBuffers sink = size -> {
            if (current[0] == null || asked[0]++ % 3 == 2 || out.isEmpty() || out.get(out.size() - 1) != current[0]) {
                current[0] = ALLOC.directBuffer(16);
                out.add(current[0]);
            }
            return current[0];
        };
        String threw = null;
        try {
            for (StreamEvent e : events) {
                if (shared) {
                    w.write(e, sink, ALLOC, out);
                } else {
                    w.write(e, ALLOC, out);
                }
            }
            w.finish(ALLOC, out);
        } catch (RuntimeException e) {
            threw = "threw " + e.getClass().getSimpleName();
        }
        for (ByteBuf b : out) {
            String s = b.toString(StandardCharsets.UTF_8);
            b.release();
            if (shared) {
                for (String f : s.split("(?<=\n\n)")) {
                    if (!f.isEmpty()) {
                        frames.add(f);
                    }
                }
            } else {
                frames.add(s);
            }
        }
        if (threw != null) {
            frames.add(threw);
        }
        return frames;
    }
}

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

    private static final byte[] PREFIX = "data: {\"id\":\"c\",\"choices\":[{\"index\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SUFFIX = ",\"finish_reason\":null}]}\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final String[] FIELDS = {"content", "reasoning_content", "refusal"};

    /**
     * A fragment given as a JSON string's bytes (a vendor's escaped text, escaped every way JSON
     * allows: raw or escaped non-ASCII, surrogate pairs as four-byte UTF-8 or two escapes, lone
     * surrogates, upper- and lower-case hex, {@code \/}) makes exactly the frame its decoded text
     * makes on the string path.
     */
    @Test
    void jsonTextFramesAreTheStringPathsFrames() throws Exception {
        Random random = new Random(13);
        int byHand = 0;
        for (int i = 0; i < 40_000; i++) {
            String text = text(random);
            byte[] json = escapeRandomly(text, random);
            assertEquals(text, jacksonString(json, 0, json.length), "the generator writes valid JSON");
            int pad = random.nextInt(3);
            byte[] padded = new byte[pad + json.length + 2];
            System.arraycopy(json, 0, padded, pad, json.length);
            int choice = random.nextInt(3);
            String field = FIELDS[random.nextInt(FIELDS.length)];
            String got = frame(ChunkText.textFrameJson(PREFIX, choice, field, padded, pad, pad + json.length, SUFFIX));
            if (got == null) {
                assertTrue(json.length > ChunkText.MAX_CHARS, () -> "declined: " + shortly(text));
                continue; // long bytes are left to the string path
            }
            assertEquals(frame(ChunkText.textFrame(PREFIX, choice, field, text, SUFFIX)), got,
                    () -> "text " + shortly(text) + " as " + shortly(new String(json, StandardCharsets.UTF_8)));
            int tool = random.nextInt(12);
            String arguments = frame(ChunkText.argumentsFrameJson(PREFIX, choice, tool, padded, pad, pad + json.length, SUFFIX));
            assertEquals(frame(ChunkText.argumentsFrame(PREFIX, choice, tool, text, SUFFIX)), arguments,
                    () -> "arguments " + shortly(text));
            byHand++;
        }
        assertTrue(byHand > 39_000, "almost every fragment was written from its bytes: " + byHand);
    }

    /**
     * Corrupted JSON string bytes (raw quotes and control characters, broken escapes, malformed,
     * overlong and surrogate UTF-8, truncation) are declined, or written as the frame of the text
     * Jackson reads from them: never a frame for bytes Jackson rejects.
     */
    @Test
    void corruptedJsonTextIsDeclinedOrReadAsJacksonReadsIt() throws Exception {
        Random random = new Random(17);
        byte[][] inserts = {{'"'}, {'\\'}, {0}, {0x1f}, {'\n'}, {'\\', 'x'}, {'\\', 'u', '1', '2'}, {'\\', 'u', 'g', '0', '0', '0'},
            {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xe2, (byte) 0x82}, {(byte) 0x80}, {(byte) 0xff}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x99, (byte) 0x82},
            {'\\', 'u', 'D', '8', '3', 'D'}, {'\\', '/'}, {0x7f}};
        int vouched = 0;
        int declined = 0;
        for (int i = 0; i < 40_000; i++) {
            byte[] json = escapeRandomly(text(random), random);
            int edits = 1 + random.nextInt(2);
            for (int e = 0; e < edits; e++) {
                int at = json.length == 0 ? 0 : random.nextInt(json.length + 1);
                switch (random.nextInt(4)) {
                    case 0 -> {
                        if (at < json.length) {
                            json[at] = (byte) random.nextInt(256);
                        }
                    }
                    case 1 -> json = java.util.Arrays.copyOf(json, Math.min(at, json.length));
                    default -> {
                        byte[] piece = inserts[random.nextInt(inserts.length)];
                        byte[] longer = new byte[json.length + piece.length];
                        System.arraycopy(json, 0, longer, 0, at);
                        System.arraycopy(piece, 0, longer, at, piece.length);
                        System.arraycopy(json, at, longer, at + piece.length, json.length - at);
                        json = longer;
                    }
                }
            }
            byte[] bytes = json;
            String jackson = jacksonString(bytes, 0, bytes.length);
            String got = frame(ChunkText.textFrameJson(PREFIX, 0, "content", bytes, 0, bytes.length, SUFFIX));
            if (got == null) {
                declined++;
                continue;
            }
            vouched++;
            assertTrue(jackson != null, () -> "accepted bytes Jackson rejects: " + shortly(new String(bytes, StandardCharsets.ISO_8859_1)));
            assertEquals(frame(ChunkText.textFrame(PREFIX, 0, "content", jackson, SUFFIX)), got,
                    () -> "bytes " + shortly(new String(bytes, StandardCharsets.ISO_8859_1)));
        }
        assertTrue(vouched > 5_000 && declined > 5_000, "both outcomes were seen: " + vouched + " / " + declined);
    }

    /** {@link #visible} cut to 300 characters, for a failure message. */
    private static String shortly(String s) {
        String v = visible(s);
        return v.length() > 300 ? v.substring(0, 300) + "..." : v;
    }

    /** The frame assembled in the scratch array, or null when declined (-1). */
    private static String frame(int length) {
        return length < 0 ? null : new String(ChunkText.frameBytes(), 0, length, StandardCharsets.UTF_8);
    }

    /** The text Jackson reads from {@code "<json[from, to)>"}, or null when that is not exactly one valid JSON string. */
    private static String jacksonString(byte[] json, int from, int to) throws java.io.IOException {
        byte[] quoted = new byte[to - from + 2];
        quoted[0] = '"';
        System.arraycopy(json, from, quoted, 1, to - from);
        quoted[quoted.length - 1] = '"';
        try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory().createParser(quoted)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                return null;
            }
            String s = p.getText();
            return p.nextToken() == null ? s : null;
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            return null;
        }
    }

    /** {@code text} as the content of a JSON string, each character escaped or not at random, as JSON allows. */
    private static byte[] escapeRandomly(String text, Random random) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            if (pair && random.nextBoolean()) {
                sb.append(c).append(text.charAt(++i)); // four-byte UTF-8
            } else if (Character.isSurrogate(c) || random.nextInt(8) == 0) {
                sb.append(unicodeEscape(c, random));
            } else if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '/' && random.nextBoolean()) {
                sb.append("\\/");
            } else if (c < 0x20) {
                String shortForm = switch (c) {
                    case '\b' -> "\\b";
                    case '\f' -> "\\f";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    case '\t' -> "\\t";
                    default -> null;
                };
                sb.append(shortForm != null && random.nextBoolean() ? shortForm : unicodeEscape(c, random));
            } else {
                sb.append(c);
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String unicodeEscape(char c, Random random) {
        String hex = String.format("%04x", (int) c);
        return "\\u" + (random.nextBoolean() ? hex.toUpperCase(java.util.Locale.ROOT) : hex);
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

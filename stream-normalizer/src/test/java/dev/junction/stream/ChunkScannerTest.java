package dev.junction.stream;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written scan must give the Jackson pass's answer for every chunk: realistic chunks of
 * every vendor shape, and thousands of corrupted, truncated and spliced variants of them.
 */
class ChunkScannerTest {

    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";

    static final List<String> CHUNKS = List.of(
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},"
                    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            HEAD + "\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello, \\\"wörld\\\" 🙂 \\u00e9\\n\"},"
                    + "\"logprobs\":null,\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[]},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"name\":\"f\",\"arguments\":\"\"}},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"\",\"refusal\":\"no\"},\"finish_reason\":null}]}",
            HEAD + "\"choices\":[{\"finish_reason\":\"length\",\"delta\":{},\"index\":1},"
                    + "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":2,\"delta\":{},\"finish_reason\":\"eos_token\"}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":null}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":53,\"completion_tokens\":17,\"total_tokens\":70,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":12,\"audio_tokens\":0,\"cache_write_tokens\":3},"
                    + "\"completion_tokens_details\":{\"reasoning_tokens\":5,\"accepted_prediction_tokens\":null}}}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":1,\"total_tokens\":101,"
                    + "\"prompt_cache_hit_tokens\":64,\"prompt_cache_miss_tokens\":36,\"prompt_tokens_details\":null}}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                    + "\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13,"
                    + "\"queue_time\":0.01,\"prompt_time\":1.5e-3}}}",
            HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3},"
                    + "\"x_groq\":{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}}",
            "{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":"
                    + "[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"safe\"}}}]}",
            "{\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}",
            "{\"object\":\"error\",\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":400}",
            HEAD + "\"choices\":[],\"error\":null}",
            " \t{ \"choices\" : [ { \"index\" : -0 , \"delta\" : { \"content\" : \"x\" } , \"finish_reason\" : \"stop\" } ] , "
                    + "\"usage\" : { \"prompt_tokens\" : 1.0 , \"completion_tokens\" : -3 , \"x\" : [ true , false , null , 1E+2 ] } }\r\n",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}],\"choices\":[{\"index\":1,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1},\"usage\":{\"completion_tokens\":2}}",
            HEAD + "\"choices\":[1,\"x\",null,[],{}],\"object\":\"\\u0065rror\"}",
            HEAD + "\"choices\":[{\"index\":0,\"finish_reason\":\"st\\u006fp\"}]}",
            HEAD + "\"choices\":[{\"index\":2147483648,\"finish_reason\":\"stop\"}]}",
            HEAD + "\"choices\":[{\"index\":7,\"finish_reason\":null,\"delta\":{\"content\":null,\"tool_calls\":null}}]}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":{\"a\":1}}}]}",
            HEAD + "\"object\":{\"a\":1}}",
            HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":{\"a\":1}}}]}",
            HEAD + "\"usage\":{\"prompt_tokens\":99999999999999999999}}",
            "{\"\\u0063hoices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}",
            "{}",
            "[DONE]",
            "[1,2]",
            "");

    @Test
    void givesTheJacksonAnswerForEveryRealisticChunk() {
        for (String chunk : CHUNKS) {
            compare(chunk.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void givesTheJacksonAnswerForCorruptedTruncatedAndSplicedChunks() {
        Random random = new Random(42);
        byte[] alphabet = "{}[]\":,\\ .-+eE0123456789abfnrtuxlsNaIT\u0000\n\t".getBytes(StandardCharsets.UTF_8);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && bytes.length > 0; e++) {
                int at = random.nextInt(bytes.length);
                switch (random.nextInt(5)) {
                    case 0 -> bytes[at] = alphabet[random.nextInt(alphabet.length)];
                    case 1 -> bytes[at] = (byte) random.nextInt(256);
                    case 2 -> bytes = java.util.Arrays.copyOf(bytes, at); // truncate
                    case 3 -> { // delete one byte
                        byte[] shorter = new byte[bytes.length - 1];
                        System.arraycopy(bytes, 0, shorter, 0, at);
                        System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                        bytes = shorter;
                    }
                    default -> { // append a piece of another chunk
                        byte[] other = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
                        int from = other.length == 0 ? 0 : random.nextInt(other.length);
                        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + other.length - from);
                        System.arraycopy(other, from, longer, bytes.length, other.length - from);
                        bytes = longer;
                    }
                }
            }
            compare(bytes);
        }
    }

    /**
     * Line mode (the chunk read while the SSE decoder looks for its line's end, the rest of the read
     * after it) vouches exactly when the scan of the line's bytes does, with the same answer, and
     * reports the line's first CR or LF as its end.
     */
    @Test
    void lineModeGivesTheScanOfTheLine() {
        Random random = new Random(7);
        String[] after = {"\n\n", "\r\n\r\n", "\r\r", " \n\n", "\t \r\n", "", "x\n", "\n\ndata: {}\n\n", "}\n"};
        int vouched = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] chunk = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
            if (round >= CHUNKS.size() * after.length) {
                chunk = corrupt(chunk, random);
            } else {
                chunk = CHUNKS.get(round % CHUNKS.size()).getBytes(StandardCharsets.UTF_8);
            }
            byte[] tail = after[round < CHUNKS.size() * after.length ? round / CHUNKS.size() : random.nextInt(after.length)]
                    .getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[6 + chunk.length + tail.length];
            System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 6);
            System.arraycopy(chunk, 0, bytes, 6, chunk.length);
            System.arraycopy(tail, 0, bytes, 6 + chunk.length, tail.length);
            if (compareLine(bytes, 6)) {
                vouched++;
            }
        }
        assertTrue(vouched > 1_000, "line mode vouches for the valid lines: " + vouched);
    }

    /** Whether line mode vouched for the line at {@code from}; asserts it agrees with the scan of that line. */
    private static boolean compareLine(byte[] bytes, int from) {
        int lineEnd = from;
        while (lineEnd < bytes.length && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
            lineEnd++;
        }
        OpenAiChunkInspector.Result inLine = new OpenAiChunkInspector.Result();
        int eol = new ChunkScanner().scanLine(bytes, from, bytes.length, inLine);
        OpenAiChunkInspector.Result ofLine = new OpenAiChunkInspector.Result();
        boolean scanned = lineEnd < bytes.length && new ChunkScanner().scan(bytes, from, lineEnd - from, ofLine);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(scanned, eol >= 0, () -> "line mode vouches as the scan of the line does: " + text);
        if (eol >= 0) {
            assertEquals(lineEnd, eol, () -> "line end of " + text);
            assertEquals(describe(ofLine), describe(inLine), () -> "line: " + text);
        }
        return eol >= 0;
    }

    /** One to three random edits: a byte changed, the chunk truncated, a byte deleted, a piece of another appended. */
    static byte[] corrupt(byte[] bytes, Random random) {
        byte[] alphabet = "{}[]\":,\\ .-+eE0123456789abfnrtuxlsNaIT\u0000\n\r\t".getBytes(StandardCharsets.UTF_8);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(5)) {
                case 0 -> bytes[at] = alphabet[random.nextInt(alphabet.length)];
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> bytes = java.util.Arrays.copyOf(bytes, at);
                case 3 -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
                default -> {
                    byte[] other = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
                    int from = other.length == 0 ? 0 : random.nextInt(other.length);
                    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + other.length - from);
                    System.arraycopy(other, from, longer, bytes.length, other.length - from);
                    bytes = longer;
                }
            }
        }
        return bytes;
    }

    @Test
    void anInspectionIsReusedOnlyForTheBytesTheLineScanRead() {
        String chunk = CHUNKS.get(8); // finishes choice 0
        byte[] line = ("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8);
        int from = 6;
        int to = from + chunk.length();
        OpenAiChunkInspector inspector = new OpenAiChunkInspector();
        assertEquals(to, inspector.lineEnd(line, from, line.length));
        String fresh = describe(new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(line, from, to - from)));
        assertTrue(fresh.contains("finishes=[0=tool_calls]"), fresh);
        assertEquals(fresh, describe(inspector.inspect(Unpooled.wrappedBuffer(line), from, to - from)));

        // Scanned again, then another range inspected: the kept answer is dropped, so the line's
        // bytes, changed in place, are inspected afresh.
        assertEquals(to, inspector.lineEnd(line, from, line.length));
        assertTrue(inspector.inspect(Unpooled.wrappedBuffer(line), from, to - from - 1).malformed());
        int index = new String(line, StandardCharsets.ISO_8859_1).indexOf("\"index\":0") + 8;
        line[index] = '1';
        assertTrue(describe(inspector.inspect(Unpooled.wrappedBuffer(line), from, to - from)).contains("finishes=[1=tool_calls]"));
        // A line the scan cannot vouch for keeps nothing either.
        assertEquals(-1, inspector.lineEnd(line, from, to));
        line[index] = '2';
        assertTrue(describe(inspector.inspect(Unpooled.wrappedBuffer(line), from, to - from)).contains("finishes=[2=tool_calls]"));
    }

    @Test
    void bytesAfterTheChunkInTheSameArrayAreNotRead() {
        // A heap buffer's array may hold the next event: the scan must stop at the chunk's end.
        byte[] whole = (HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ab\"}}]}").getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < whole.length; cut++) {
            OpenAiChunkInspector.Result r = new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(whole, 0, cut));
            assertTrue(r.malformed(), "a chunk cut at " + cut + " is malformed");
        }
        assertFalse(new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(whole)).malformed());
    }

    /**
     * Strings are read eight bytes at a time up to the first byte that needs a look: every kind of
     * such byte (the closing quote, an escape, a control character, valid and broken UTF-8, the
     * plain bytes nearest to them) at every place in and across a word, in content strings, member
     * names and skipped values, whole, cut inside the string and as an SSE line, gets the Jackson
     * answer.
     */
    @Test
    void stringsGetTheJacksonAnswerWhereverTheirSpecialBytesFallInAWord() {
        byte[][] pieces = {
            bytes("\\\""), bytes("\\\\"), bytes("\\n"), bytes("\\u00e9"), bytes("\\u00g9"), bytes("\\x"),
            bytes("é"), bytes("€"), bytes("🙂"), {0x7f}, {0x1f}, {0x01}, {0x00}, {'\n'}, {'\t'}, {' '}, {'!'}, {'#'},
            {'['}, {']'}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
            {(byte) 0xe2, (byte) 0x82}, {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xff}};
        int vouched = 0;
        for (byte[] piece : pieces) {
            for (int before = 0; before <= 17; before++) {
                for (int after = 0; after <= 9; after++) {
                    byte[] text = new byte[before + piece.length + after];
                    java.util.Arrays.fill(text, 0, before, (byte) 'a');
                    System.arraycopy(piece, 0, text, before, piece.length);
                    java.util.Arrays.fill(text, before + piece.length, text.length, (byte) 'z');
                    String t = new String(text, StandardCharsets.ISO_8859_1);
                    for (String shape : new String[] {
                        HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}",
                        HEAD + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}]}",
                        HEAD + "\"%s\":1,\"choices\":[]}",
                        "{\"x\":[\"%s\"],\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}"}) {
                        byte[] chunk = shape.replace("%s", t).getBytes(StandardCharsets.ISO_8859_1);
                        compare(chunk);
                        byte[] line = new byte[chunk.length + 8];
                        System.arraycopy(bytes("data: "), 0, line, 0, 6);
                        System.arraycopy(chunk, 0, line, 6, chunk.length);
                        line[line.length - 2] = '\n';
                        line[line.length - 1] = '\n';
                        if (compareLine(line, 6)) {
                            vouched++;
                        }
                        // Cut inside or right after the string: never vouched for, as Jackson finds it broken.
                        int at = shape.indexOf("%s");
                        for (int cut = at; after <= 1 && cut <= at + text.length + 1 && cut < chunk.length; cut++) {
                            compare(java.util.Arrays.copyOf(chunk, cut));
                        }
                    }
                }
            }
        }
        assertTrue(vouched > 1_000, "the valid strings are vouched for: " + vouched);
    }

    /** The word test marks exactly the bytes the byte loop stops at, and its lowest mark is the first of them. */
    @Test
    void theWordTestFindsTheFirstByteThatNeedsALook() {
        Random random = new Random(11);
        byte[] common = bytes("aZ09 !~#[]{}:,\"\\");
        for (int round = 0; round < 300_000; round++) {
            long w = 0;
            int first = 8;
            for (int i = 0; i < 8; i++) {
                int c = random.nextInt(4) == 0 ? random.nextInt(256) : common[random.nextInt(common.length)] & 0xff;
                w |= (long) c << (8 * i);
                boolean plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
                if (!plain && first == 8) {
                    first = i;
                }
            }
            long marks = ChunkScanner.needsLook(w);
            int found = marks == 0 ? 8 : Long.numberOfTrailingZeros(marks) >>> 3;
            long word = w;
            assertEquals(first, found, () -> Long.toHexString(word));
        }
        for (int c = 0; c < 256; c++) {
            boolean plain = c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
            for (int i = 0; i < 8; i++) {
                long w = 0x6161616161616161L & ~(0xffL << (8 * i)) | ((long) c << (8 * i));
                assertEquals(plain ? 0 : 0x80L << (8 * i), ChunkScanner.needsLook(w), "byte " + c + " at " + i);
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A scanner kept across the chunks of a stream resumes after the members a chunk shares with the
     * last one it vouched for; its verdict and answer are always those of a fresh scanner (whose
     * answers the tests above hold to Jackson's): for realistic, corrupted, truncated and spliced
     * chunks one after the other, in both modes, interleaved.
     */
    @Test
    void aScannerKeptAcrossChunksAnswersAsAFreshOne() {
        Random random = new Random(99);
        ChunkScanner kept = new ChunkScanner();
        for (int round = 0; round < 40_000; round++) {
            byte[] chunk = CHUNKS.get(random.nextInt(CHUNKS.size())).getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(3) == 0) {
                chunk = corrupt(chunk, random);
            }
            if (random.nextBoolean()) {
                sameAsFresh(kept, chunk);
            } else {
                String[] after = {"\n\n", "\r\n", " \n", "x\n", ""};
                byte[] tail = after[random.nextInt(after.length)].getBytes(StandardCharsets.US_ASCII);
                byte[] line = new byte[6 + chunk.length + tail.length];
                System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, line, 0, 6);
                System.arraycopy(chunk, 0, line, 6, chunk.length);
                System.arraycopy(tail, 0, line, 6 + chunk.length, tail.length);
                sameLineAsFresh(kept, line, 6);
            }
        }
        assertTrue(kept.resumed > 5_000, "resumed after the known start: " + kept.resumed);
    }

    /** Every byte of a chunk changed, after the unchanged chunk was vouched for: the answer of a fresh scanner. */
    @Test
    void aChangeAnywhereInTheKnownStartIsSeen() {
        byte[] clean = CHUNKS.get(1).getBytes(StandardCharsets.UTF_8);
        byte[] replacements = "\",:{}[] \n\\0a".getBytes(StandardCharsets.US_ASCII);
        ChunkScanner kept = new ChunkScanner();
        for (int at = 0; at < clean.length; at++) {
            for (byte c : replacements) {
                assertTrue(kept.scan(clean, 0, clean.length, new OpenAiChunkInspector.Result()));
                byte[] changed = clean.clone();
                changed[at] = c;
                sameAsFresh(kept, changed);
                byte[] cut = java.util.Arrays.copyOf(clean, at);
                sameAsFresh(kept, cut);
            }
        }
        assertTrue(kept.resumed >= clean.length * replacements.length, "the clean chunk resumed: " + kept.resumed);
    }

    /** A start read as a whole chunk (where CR and LF are whitespace) is not resumed in line mode (where they end it). */
    @Test
    void aKnownStartIsResumedOnlyInTheModeItWasReadIn() {
        String chunk = "{\"id\":\"c\",\n\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}";
        byte[] bytes = chunk.getBytes(StandardCharsets.US_ASCII);
        ChunkScanner kept = new ChunkScanner();
        assertTrue(kept.scan(bytes, 0, bytes.length, new OpenAiChunkInspector.Result()));
        assertTrue(kept.scan(bytes, 0, bytes.length, new OpenAiChunkInspector.Result()));
        assertEquals(1, kept.resumed);
        byte[] line = ("data: " + chunk + "\n\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(-1, kept.scanLine(line, 6, line.length, new OpenAiChunkInspector.Result()));
        assertEquals(1, kept.resumed);
    }

    private static void sameAsFresh(ChunkScanner kept, byte[] bytes) {
        OpenAiChunkInspector.Result a = new OpenAiChunkInspector.Result();
        OpenAiChunkInspector.Result b = new OpenAiChunkInspector.Result();
        boolean vouched = kept.scan(bytes, 0, bytes.length, a);
        boolean fresh = new ChunkScanner().scan(bytes, 0, bytes.length, b);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(fresh, vouched, () -> "verdict of a kept scanner: " + text);
        if (vouched) {
            assertEquals(describe(b), describe(a), () -> "answer of a kept scanner: " + text);
        }
    }

    private static void sameLineAsFresh(ChunkScanner kept, byte[] line, int from) {
        OpenAiChunkInspector.Result a = new OpenAiChunkInspector.Result();
        OpenAiChunkInspector.Result b = new OpenAiChunkInspector.Result();
        int eol = kept.scanLine(line, from, line.length, a);
        int fresh = new ChunkScanner().scanLine(line, from, line.length, b);
        String text = new String(line, StandardCharsets.UTF_8);
        assertEquals(fresh, eol, () -> "line verdict of a kept scanner: " + text);
        if (eol >= 0) {
            assertEquals(describe(b), describe(a), () -> "line answer of a kept scanner: " + text);
        }
    }

    @Test
    void deepNestingIsLeftToJackson() {
        String deep = "[".repeat(600) + "]".repeat(600);
        compare((HEAD + "\"x\":" + deep + ",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}").getBytes(StandardCharsets.UTF_8));
    }

    private static void compare(byte[] bytes) {
        String fast = describe(new OpenAiChunkInspector(true).inspect(Unpooled.wrappedBuffer(bytes)));
        String jackson = describe(new OpenAiChunkInspector(false).inspect(Unpooled.wrappedBuffer(bytes)));
        assertEquals(jackson, fast, () -> "chunk: " + new String(bytes, StandardCharsets.UTF_8));
    }

    static String describe(OpenAiChunkInspector.Result r) {
        List<String> finishes = new ArrayList<>();
        for (int i = 0; i < r.finishCount(); i++) {
            finishes.add(r.finishedChoice(i) + "=" + r.finishReason(i));
        }
        return "done=" + r.done() + " malformed=" + r.malformed() + " error=" + r.error() + " usage=" + r.usage()
                + " top=" + r.usageTopLevel() + " choices=" + r.choiceCount() + " content=" + r.content()
                + " finishes=" + finishes;
    }
}

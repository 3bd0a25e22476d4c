package dev.junction.translators.passthrough;

import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte scan of request bodies must give the Jackson pass's verdict and facts for every body:
 * realistic requests of every door, and thousands of corrupted, truncated and spliced variants of
 * them, in heap, direct and multi-piece buffers and under tight limits. Whenever the byte scan
 * vouches for a body, the Jackson pass must accept it with identical facts (offsets included).
 */
class RequestByteScanTest {

    private static final String IMAGE = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB".repeat(140);

    private static final List<String> BODIES = List.of(
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"Hello, \\\"wörld\\\" 🙂 \\u00e9\\n\\t\\/\\b\\f\\r\\\\\"}],"
                    + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"temperature\":0.7,\"top_p\":1e-2,"
                    + "\"max_tokens\":256,\"n\":2,\"user\":\"u-1\",\"metadata\":{\"model\":\"x\",\"n\":[1,2,{}]}}",
            "{\n  \"model\" : \"claude-haiku\" ,\n  \"messages\" : [\n    { \"role\" : \"user\" , \"content\" : [\n"
                    + "      { \"type\" : \"text\" , \"text\" : \"What is this?\" } ,\n"
                    + "      { \"type\" : \"image_url\" , \"image_url\" : { \"url\" : \"" + IMAGE + "\" , \"detail\" : \"low\" } }\n"
                    + "    ] }\n  ] ,\r\n  \"max_completion_tokens\" : 100 , \"stream\" : false , \"stream_options\" : null\n}\n",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_data\":\""
                    + IMAGE + "\"}},{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"" + IMAGE.substring(0, 3000)
                    + "\",\"format\":\"wav\"}},{\"type\":\"image_url\",\"image_url\":\"https://example.com/a.png\"}]}],"
                    + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                    + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}},{\"type\":\"function\"}],"
                    + "\"tool_choice\":\"auto\",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
                    + "\"schema\":{\"type\":\"object\"}}},\"seed\":-12,\"logit_bias\":{\"50256\":-100},\"stop\":[\"\\n\"]}",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\","
                    + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"42\"}],\"response_format\":{\"type\":\"text\"},"
                    + "\"tools\":null,\"n\":null,\"max_tokens\":null,\"max_completion_tokens\":0,\"parallel_tool_calls\":true}",
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\",\"dimensions\":256}",
            "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}",
            "{\"model\":\"gpt-4o\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"store\":false}",
            "{\"model\":\"\",\"messages\":[],\"stream\":null,\"response_format\":\"json\",\"n\":300,\"x\":[[[[[]]]]],"
                    + "\"y\":-0.0e+0,\"z\":[true,false,null,0,-1,1.5E3]}",
            "{\"model\":\"m\",\"messages\":[{\"content\":[\"" + "x".repeat(4090) + "\",\"" + "y".repeat(5000) + "\"   ,   "
                    + "{\"url\":{\"url\":1}},\"after\"]}],\"data\":\"" + "z".repeat(6000) + "\"}",
            "{\"model\":\"\\u0067pt\",\"messages\":[]}",
            "{\"mod\\u0065l\":\"gpt\",\"messages\":[]}",
            "{\"model\":\"m\",\"messages\":[{\"im\\u0061ge_url\":\"u\"}]}",
            "{\"model\":\"m\",\"messages\":[],\"max_tokens\":99999999999999999999}",
            "{\"model\":\"m\",\"messages\":[],\"max_tokens\":1.0,\"n\":-1}",
            "{\"model\":\"m\",\"messages\":[],\"n\":0}",
            "{\"model\":\"m\"}",
            "{\"messages\":[]}",
            "{}",
            "[]",
            "",
            "\uFEFF{\"model\":\"bom\",\"messages\":[]}",
            "\uFEFF\uFEFF{\"model\":\"bom\",\"messages\":[]}",
            "{\"model\":\"m\",\"messages\":[]} {}",
            "{\"model\":\"m\",\"messages\":[],}",
            "{\"model\":\"m\",\"messages\":[1,]}",
            "{\"model\":\"m\",\"messages\":[],\"x\":01}",
            "{\"model\":\"m\",\"messages\":[],\"x\":\"a\u0001b\"}",
            "{\"model\":\"m\",\"messages\":[],\"x\":\"\\x\"}",
            "{\"model\":\"m\",\"messages\":[],\"x\":\"\\u12G4\"}",
            "{'model':'m','messages':[]}",
            "{\"model\":\"m\",\"messages\":[] /* c */}",
            "{\"model\":\"m\",\"messages\":[],\"x\":NaN}",
            "{\"model\":\"m\",\"messages\":[],\"x\":truex}");

    /** Raw byte sequences the byte rules refuse or accept (overlong, surrogate, too large, truncated, NUL, valid). */
    private static final byte[][] RAW = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xC2}, {(byte) 0xE2, (byte) 0x82}, {0}, {(byte) 0xE2, (byte) 0x82, (byte) 0xAC},
            {(byte) 0xF0, (byte) 0x9F, (byte) 0x99, (byte) 0x82}, {(byte) 0xED, (byte) 0x9F, (byte) 0xBF},
            {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {(byte) 0x7F}};

    private static final byte[] ALPHABET = "{}[]\":,\\ .-+eE0123456789abfnrtuxlsNaIT\u0000\u0001\n\t\r/é"
            .getBytes(StandardCharsets.UTF_8);

    private static final OpenAiRequestScanner WIDE = new OpenAiRequestScanner(64, 32 << 20);
    private static final OpenAiRequestScanner TIGHT = new OpenAiRequestScanner(6, 5000);
    private static final OpenAiRequestScanner SMALL = new OpenAiRequestScanner(16, 1000);

    private int vouched;

    @Test
    void realisticRequestsTakeTheByteScanAndGiveTheJacksonFacts() {
        for (int k = 0; k < 8; k++) {
            byte[] body = BODIES.get(k).getBytes(StandardCharsets.UTF_8);
            ByteBuf b = Unpooled.wrappedBuffer(body);
            try {
                assertNotNull(RequestByteScan.scan(b, k >= 5 ? "input" : "messages", 64, 32 << 20), BODIES.get(k));
            } finally {
                b.release();
            }
        }
        for (String body : BODIES) {
            for (OpenAiRequestScanner s : List.of(WIDE, TIGHT, SMALL)) {
                for (String required : new String[] {"messages", "input", null}) {
                    compare(s, body.getBytes(StandardCharsets.UTF_8), required);
                }
            }
        }
    }

    @Test
    void whatTheByteScanCannotVouchForIsLeftToJackson() {
        for (String body : List.of("{\"mod\\u0065l\":\"gpt\",\"messages\":[]}", "{\"model\":\"\\u0067pt\",\"messages\":[]}",
                "{\"model\":\"m\",\"messages\":[],\"max_tokens\":99999999999999999999}",
                "{\"model\":\"m\",\"messages\":[],\"model\":\"n\"}", "{\"model\":\"m\",\"messages\":[]}x")) {
            ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            try {
                assertNull(RequestByteScan.scan(b, "messages", 64, 1 << 20), body);
            } finally {
                b.release();
            }
        }
    }

    @Test
    void givesTheJacksonAnswerForCorruptedTruncatedAndSplicedBodies() {
        Random random = new Random(7);
        int rounds = 10_000;
        for (int round = 0; round < rounds; round++) {
            // Half the rounds start from the realistic requests (the first ten), half from any body.
            int pick = round % 2 == 0 ? random.nextInt(10) : random.nextInt(BODIES.size());
            byte[] bytes = BODIES.get(pick).getBytes(StandardCharsets.UTF_8);
            int edits = round % 2 == 0 ? 1 : 1 + random.nextInt(3);
            for (int e = 0; e < edits && bytes.length > 0; e++) {
                bytes = round % 4 == 0 ? gentle(random, bytes) : mutate(random, bytes);
            }
            OpenAiRequestScanner s = switch (round % 3) {
                case 0 -> WIDE;
                case 1 -> TIGHT;
                default -> SMALL;
            };
            compare(s, bytes, round % 5 == 0 ? "input" : "messages");
        }
        // Not a vacuous comparison: a good share of the mutated bodies is still accepted by the byte scan.
        assertTrue(vouched > rounds / 10, "byte scan vouched for " + vouched + " of " + rounds);
    }

    @Test
    void deepNestingIsLeftToJackson() {
        for (int depth = 1; depth < 70; depth++) {
            String deep = "[".repeat(depth) + "]".repeat(depth);
            compare(WIDE, ("{\"model\":\"m\",\"messages\":[],\"x\":" + deep + "}").getBytes(StandardCharsets.UTF_8), "messages");
            compare(TIGHT, ("{\"model\":\"m\",\"messages\":" + deep.replaceFirst("\\[", "[{\"a\":") .replaceFirst("]", "}]")
                    + "}").getBytes(StandardCharsets.UTF_8), "messages");
        }
    }

    /** An edit that often keeps the body valid: whitespace between tokens, or a letter replacing a letter. */
    private static byte[] gentle(Random random, byte[] bytes) {
        int at = random.nextInt(bytes.length);
        byte c = bytes[at];
        if (c >= 'a' && c <= 'z') {
            bytes[at] = (byte) ('a' + random.nextInt(26));
            return bytes;
        }
        if (c == ',' || c == ':' || c == '{' || c == '[') {
            byte[] longer = new byte[bytes.length + 1];
            System.arraycopy(bytes, 0, longer, 0, at + 1);
            longer[at + 1] = (byte) " \n\t\r".charAt(random.nextInt(4));
            System.arraycopy(bytes, at + 1, longer, at + 2, bytes.length - at - 1);
            return longer;
        }
        return bytes;
    }

    private static byte[] mutate(Random random, byte[] bytes) {
        int at = random.nextInt(bytes.length);
        switch (random.nextInt(8)) {
            case 0 -> bytes[at] = ALPHABET[random.nextInt(ALPHABET.length)];
            case 1 -> bytes[at] = (byte) random.nextInt(256);
            case 2 -> bytes = Arrays.copyOf(bytes, at);
            case 3 -> { // delete one byte
                byte[] shorter = new byte[bytes.length - 1];
                System.arraycopy(bytes, 0, shorter, 0, at);
                System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                bytes = shorter;
            }
            case 4 -> { // insert whitespace or a member-ish piece
                String[] pieces = {" ", "\n\t", ",\"model\":\"x\"", ",\"stream\":true", "\"n\":3,", "\\\"", "{}", "[1,",
                        ",\"include_usage\":false", "\"type\":\"json_schema\",", "\"image_url\":{\"url\":\"u\"},"};
                byte[] piece = pieces[random.nextInt(pieces.length)].getBytes(StandardCharsets.UTF_8);
                byte[] longer = new byte[bytes.length + piece.length];
                System.arraycopy(bytes, 0, longer, 0, at);
                System.arraycopy(piece, 0, longer, at, piece.length);
                System.arraycopy(bytes, at, longer, at + piece.length, bytes.length - at);
                bytes = longer;
            }
            case 5 -> { // insert a raw byte sequence, well-formed UTF-8 or not
                byte[] piece = RAW[random.nextInt(RAW.length)];
                byte[] longer = new byte[bytes.length + piece.length];
                System.arraycopy(bytes, 0, longer, 0, at);
                System.arraycopy(piece, 0, longer, at, piece.length);
                System.arraycopy(bytes, at, longer, at + piece.length, bytes.length - at);
                bytes = longer;
            }
            case 6 -> { // duplicate a slice in place
                int len = 1 + random.nextInt(Math.min(40, bytes.length - at));
                byte[] longer = new byte[bytes.length + len];
                System.arraycopy(bytes, 0, longer, 0, at + len);
                System.arraycopy(bytes, at, longer, at + len, bytes.length - at);
                bytes = longer;
            }
            default -> { // append a piece of another body
                byte[] other = BODIES.get(random.nextInt(BODIES.size())).getBytes(StandardCharsets.UTF_8);
                int from = other.length == 0 ? 0 : random.nextInt(other.length);
                byte[] longer = Arrays.copyOf(bytes, at + other.length - from);
                System.arraycopy(other, from, longer, at, other.length - from);
                bytes = longer;
            }
        }
        return bytes;
    }

    /**
     * The full scan (byte scan first) gives the Jackson pass's verdict, in a heap, a direct and a
     * three-piece buffer and in a slice of a larger array; and where the byte scan vouches, Jackson
     * agrees on every fact.
     */
    private void compare(OpenAiRequestScanner s, byte[] bytes, String required) {
        String jackson = outcome(heap(bytes), b -> s.scanWithJackson(b, required));
        String why = new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.UTF_8);
        assertEquals(jackson, outcome(heap(bytes), b -> s.scanFor(b, required)), () -> "heap: " + why);
        // RawBodyCheck's offsets in its messages depend on how the bytes are split, so each layout
        // is compared with the Jackson pass over the same layout.
        for (Supplier<ByteBuf> layout : List.<Supplier<ByteBuf>>of(() -> direct(bytes), () -> pieces(bytes),
                () -> inLargerArray(bytes))) {
            assertEquals(outcome(layout.get(), b -> s.scanWithJackson(b, required)),
                    outcome(layout.get(), b -> s.scanFor(b, required)), () -> "layout: " + why);
        }
        ByteBuf b = heap(bytes);
        try {
            // The byte scan holds the byte rules itself: whatever it vouches for, the byte check
            // and the Jackson pass accept with the same facts.
            OpenAiRequestFacts fast = RequestByteScan.scan(b, required, s.maxDepth(), s.maxStringLength());
            if (fast != null) {
                vouched++;
                assertEquals(jackson, fast.toString(), () -> "vouched: " + why);
            }
        } finally {
            b.release();
        }
    }

    private static String outcome(ByteBuf body, Function<ByteBuf, OpenAiRequestFacts> scan) {
        try {
            return scan.apply(body).toString();
        } catch (TranslationException e) {
            return "refused " + e.error();
        } finally {
            body.release();
        }
    }

    private static ByteBuf heap(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes.clone());
    }

    private static ByteBuf direct(byte[] bytes) {
        ByteBuf b = Unpooled.directBuffer(Math.max(1, bytes.length));
        return b.writeBytes(bytes);
    }

    private static ByteBuf pieces(byte[] bytes) {
        CompositeByteBuf c = Unpooled.compositeBuffer();
        int a = bytes.length / 3;
        int b = 2 * bytes.length / 3;
        c.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, 0, a)));
        c.addComponent(true, Unpooled.directBuffer(Math.max(1, b - a)).writeBytes(bytes, a, b - a));
        c.addComponent(true, Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, b, bytes.length)));
        return c;
    }

    /** The body between other bytes of one array (as a read's buffer holds it): nothing outside is read. */
    private static ByteBuf inLargerArray(byte[] bytes) {
        byte[] whole = new byte[bytes.length + 16];
        Arrays.fill(whole, (byte) '"');
        System.arraycopy(bytes, 0, whole, 8, bytes.length);
        return Unpooled.wrappedBuffer(whole, 8, bytes.length);
    }
}

package dev.junction.translators.anthropic;

import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written event scan must give the Jackson pass's answer for every Anthropic stream event
 * it accepts: realistic events of every type, and thousands of corrupted, truncated, spliced and
 * escaped variants of them (the others go to Jackson, which then answers for them).
 */
class EventScannerTest {

    private static final List<String> EVENTS = List.of(
            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\","
                    + "\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,"
                    + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,"
                    + "\"cache_read_input_tokens\":12,\"output_tokens\":1,\"service_tier\":\"standard\"}}}",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
            "{\"type\":\"ping\"}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                    + "\"text\":\"Hello, \\\"w\u00f6rld\\\" \ud83d\ude42 \\u00e9\\n\\t\\\\ \\/ \\b\\f\\r \\ud83d\\ude00 \\ud83d x \\u0000\"}}",
            "{\"type\":\"content_block_delta\",\"index\":12,\"delta\":{\"type\":\"text_delta\",\"text\":\"\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\"}}",
            "{\"type\":\"content_block_stop\",\"index\":0}",
            "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                    + "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\","
                    + "\"partial_json\":\"{\\\"location\\\": \\\"San Fra\"}}",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\","
                    + "\"thinking\":\"Let me solve this step by step:\\n\\n1. First break down 27 * 453\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\","
                    + "\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/=\"}}",
            "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"abc\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":"
                    + "{\"type\":\"char_location\",\"cited_text\":\"x\",\"document_index\":0,\"start_char_index\":0,\"end_char_index\":1}}}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":15}}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                    + "\"usage\":{\"input_tokens\":472,\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":0,"
                    + "\"output_tokens\":89,\"output_tokens_details\":{\"thinking_tokens\":40},\"server_tool_use\":{\"web_search_requests\":1}}}",
            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":1.5,"
                    + "\"input_tokens\":\"7\",\"cache_read_input_tokens\":true,\"cache_creation_input_tokens\":null}}",
            "{\"type\":\"message_stop\"}",
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}",
            "{\"type\":\"error\",\"error\":{\"details\":null,\"type\":\"api_error\",\"message\":\"Internal server error \\u2014 retry\"}}",
            "{\"type\":\"some_new_event\",\"payload\":[1,2.5e-3,-0,true,false,null,{\"a\":[]}]}",
            "{\"index\":3,\"delta\":{\"text\":\"no type: the SSE name decides\",\"type\":\"text_delta\"}}",
            " \t{ \"type\" : \"content_block_delta\" , \"index\" : -0 , \"delta\" : { \"type\" : \"text_delta\" , \"text\" : \"x\" } }\r\n",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"},"
                    + "\"delta\":{\"text\":\"b\",\"text\":null},\"type\":\"content_block_delta\",\"index\":4}",
            "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{\"input_tokens\":1}},"
                    + "\"message\":{\"model\":\"y\",\"usage\":{\"output_tokens\":2}}}",
            "{\"type\":5,\"index\":0}",
            "{\"type\":\"content_block_stop\",\"index\":\"2\"}",
            "{\"type\":\"content_block_stop\",\"index\":2.7}",
            "{\"type\":\"content_block_stop\",\"index\":99999999999}",
            "{\"type\":\"content_block_stop\",\"index\":true}",
            "{\"type\":{\"nested\":\"x\"},\"delta\":[\"a\"]}",
            "{\"t\\u0079pe\":\"ping\"}",
            "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":99999999999999999999}}",
            "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":-3,\"input_tokens\":9007199254740993}}",
            "{\"type\":\"ping\"} ",
            "{\"type\":\"ping\"}{\"type\":\"message_stop\"}",
            "{}",
            "[]",
            "\"ping\"",
            "",
            "null");

    @Test
    void givesTheJacksonAnswerForEveryRealisticEvent() {
        int vouched = 0;
        for (String event : EVENTS) {
            vouched += compare(event.getBytes(StandardCharsets.UTF_8)) ? 1 : 0;
        }
        assertTrue(vouched >= 30, "the scan answers for the common events itself: " + vouched);
    }

    @Test
    void answersForTheEventsThatDominateAStream() {
        for (int i = 0; i < 20; i++) {
            byte[] bytes = EVENTS.get(i).getBytes(StandardCharsets.UTF_8);
            assertTrue(EventScanner.get().scan(bytes, 0, bytes.length, new Parsing.Fields()), EVENTS.get(i));
        }
    }

    @Test
    void givesTheJacksonAnswerForCorruptedTruncatedAndSplicedEvents() {
        Random random = new Random(10);
        int vouched = 0;
        for (int round = 0; round < 30_000; round++) {
            vouched += compare(variant(random)) ? 1 : 0;
        }
        assertTrue(vouched > 3_000, "the variants include many the scan answers for: " + vouched);
    }

    /**
     * The scan of an SSE data line whose end it finds itself reads what the scan of the line's
     * bytes reads, and finds the first CR or LF: realistic and corrupted events (some with line
     * ends inside), ended by LF, CR or CRLF and followed by more of the stream, or not ended at all.
     */
    @Test
    void aLineScanFindsTheLineEndAndReadsWhatTheScanOfTheLineReads() {
        Random random = new Random(12);
        String[] ends = {"\n", "\r", "\r\n", "\n\n", ""};
        String[] tails = {"", "event: content_block_delta\n", "data: {\"type\":\"ping\"}\n\n", "\n", "x"};
        int vouched = 0;
        for (int round = 0; round < 30_000; round++) {
            byte[] event = random.nextInt(3) == 0 ? EVENTS.get(random.nextInt(EVENTS.size())).getBytes(StandardCharsets.UTF_8)
                    : variant(random);
            int pad = random.nextInt(4);
            byte[] line = insert(insert(new byte[pad], pad, event), pad + event.length,
                    (ends[random.nextInt(ends.length)] + tails[random.nextInt(tails.length)]).getBytes(StandardCharsets.UTF_8));
            int first = pad;
            while (first < line.length && line[first] != '\n' && line[first] != '\r') {
                first++;
            }
            Parsing.Fields scanned = new Parsing.Fields();
            boolean lineVouched = first < line.length && EventScanner.get().scan(line, pad, first - pad, scanned);
            Parsing.Fields read = new Parsing.Fields();
            int eol = EventScanner.get().scanLine(line, pad, line.length, read);
            String what = new String(line, StandardCharsets.UTF_8);
            if (lineVouched) {
                vouched++;
                assertEquals(first, eol, () -> "line: " + what);
                assertEquals(describe(scanned), describe(read), () -> "line: " + what);
            } else {
                assertEquals(-1, eol, () -> "line: " + what);
            }
        }
        assertTrue(vouched > 6_000, "many lines were read in one pass: " + vouched);
    }

    /** A realistic event corrupted, truncated, escaped or spliced with a piece of another. */
    private static byte[] variant(Random random) {
        byte[] alphabet = "{}[]\":,\\ .-+eE0123456789abfnrtuxlsNaIT/\u0000\n\t\u00e9\ud83d\ude42".getBytes(StandardCharsets.UTF_8);
        String[] escapes = {"\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\ude00", "\\ud83d", "\\u0000",
            "\\uD834\\uDD1E", "\\x", "\\u12", "\u00e9", "\ud83d\ude42", "\u2028", "\\t"};
        byte[] bytes = EVENTS.get(random.nextInt(EVENTS.size())).getBytes(StandardCharsets.UTF_8);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && bytes.length > 0; e++) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(6)) {
                case 0 -> bytes[at] = alphabet[random.nextInt(alphabet.length)];
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> bytes = Arrays.copyOf(bytes, at); // truncate
                case 3 -> { // delete one byte
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
                case 4 -> bytes = insert(bytes, at, escapes[random.nextInt(escapes.length)].getBytes(StandardCharsets.UTF_8));
                default -> { // append a piece of another event
                    byte[] other = EVENTS.get(random.nextInt(EVENTS.size())).getBytes(StandardCharsets.UTF_8);
                    int from = other.length == 0 ? 0 : random.nextInt(other.length);
                    bytes = insert(bytes, bytes.length, Arrays.copyOfRange(other, from, other.length));
                }
            }
        }
        return bytes;
    }

    @Test
    void bytesAfterTheEventInTheSameArrayAreNotRead() {
        byte[] whole = EVENTS.get(3).getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < whole.length; cut++) {
            assertFalse(EventScanner.get().scan(whole, 0, cut, new Parsing.Fields()), "an event cut at " + cut);
        }
        byte[] padded = new byte[whole.length + 20];
        Arrays.fill(padded, (byte) 'x');
        System.arraycopy(whole, 0, padded, 10, whole.length);
        assertTrue(EventScanner.get().scan(padded, 10, whole.length, new Parsing.Fields()));
    }

    @Test
    void directBuffersAreScannedToo() {
        byte[] bytes = EVENTS.get(4).getBytes(StandardCharsets.UTF_8);
        ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        try {
            SseEvent sse = new SseEvent("content_block_delta", direct, null, null);
            assertEquals(AnthropicEvent.parse(sse, false), AnthropicEvent.parse(sse, true));
            assertEquals(bytes.length, direct.readableBytes(), "the event is not consumed");
        } finally {
            direct.release();
        }
    }

    /** A quote, backslash, control or non-ASCII byte at every position of a long text is found as the byte-wise scan finds it. */
    @Test
    void specialBytesAtEveryOffsetOfALongText() {
        String[] specials = {"\\\"", "\\n", "\\\\", "\u00e9", "\ud83d\ude42", "\u0001", "\"", "\\u00e9"};
        for (String special : specials) {
            for (int at = 0; at < 40; at++) {
                String text = "x".repeat(at) + special + "y".repeat(40 - at);
                compare(("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\""
                        + text + "\"}}").getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void deepNestingIsLeftToJackson() {
        String deep = "[".repeat(600) + "]".repeat(600);
        compare(("{\"x\":" + deep + ",\"type\":\"ping\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] insert(byte[] bytes, int at, byte[] piece) {
        byte[] longer = new byte[bytes.length + piece.length];
        System.arraycopy(bytes, 0, longer, 0, at);
        System.arraycopy(piece, 0, longer, at, piece.length);
        System.arraycopy(bytes, at, longer, at + piece.length, bytes.length - at);
        return longer;
    }

    /** Compares both passes on {@code bytes}; returns whether the scan answered itself. */
    private static boolean compare(byte[] bytes) {
        String what = new String(bytes, StandardCharsets.UTF_8);
        Parsing.Fields fast = new Parsing.Fields();
        boolean vouched = EventScanner.get().scan(bytes, 0, bytes.length, fast);
        String jackson;
        try {
            jackson = describe(AnthropicEvent.readWithJackson(sse(bytes)));
        } catch (IllegalArgumentException e) {
            jackson = "rejected";
        }
        if (vouched) {
            assertEquals(jackson, describe(fast), () -> "event: " + what);
        }
        // And the public entry point: the same event (or the same rejection) either way.
        assertEquals(outcome(bytes, false), outcome(bytes, true), () -> "event: " + what);
        return vouched;
    }

    private static String outcome(byte[] bytes, boolean fast) {
        try {
            return String.valueOf(AnthropicEvent.parse(sse(bytes), fast));
        } catch (IllegalArgumentException e) {
            return "rejected: " + e.getMessage();
        }
    }

    private static SseEvent sse(byte[] bytes) {
        return new SseEvent("content_block_delta", Unpooled.wrappedBuffer(bytes), null, null);
    }

    private static String describe(Parsing.Fields f) {
        return String.join("|", f.type, String.valueOf(f.index), f.messageId, f.messageModel, f.blockType, f.blockId,
                f.blockName, f.blockText, f.deltaType, f.deltaText(), f.deltaPartialJson(), f.deltaThinking(),
                f.deltaSignature, f.stopReason, f.errorType, f.errorMessage, String.valueOf(f.input),
                String.valueOf(f.output), String.valueOf(f.cacheRead), String.valueOf(f.cacheCreation),
                String.valueOf(f.thinking));
    }
}

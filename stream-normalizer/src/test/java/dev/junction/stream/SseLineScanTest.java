package dev.junction.stream;

import dev.junction.stream.SseRecorder.Item;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoder whose line scanner (the pass-through's chunk inspector) finds data lines' ends while
 * reading their chunks decodes exactly what the plain decoder decodes, and each event's inspection
 * is what a fresh inspector says of its data: random streams of realistic and corrupted chunks,
 * with every SSE framing the decoder accepts (LF, CRLF, CR, {@code data:} with and without the
 * space, several data lines, comments, event/id/retry fields, a byte order mark, line ends inside
 * the JSON), fed in random pieces from direct and heap buffers.
 */
class SseLineScanTest {

    @Test
    void decodesAsThePlainDecoderForRandomStreamsAndPieces() {
        Random random = new Random(11);
        int vouched = 0;
        for (int round = 0; round < 1_500; round++) {
            byte[] stream = stream(random);
            int[] cuts = cuts(random, stream.length);
            boolean heap = random.nextBoolean();
            List<Item> plain = decode(stream, cuts, heap, null);
            LineScanCheck check = new LineScanCheck();
            List<Item> scanned = decode(stream, cuts, heap, check);
            assertEquals(plain, scanned, () -> "stream: " + new String(stream, StandardCharsets.UTF_8)
                    + " cut at " + Arrays.toString(cuts));
            vouched += check.vouched;
        }
        assertTrue(vouched > 1_000, "the line scanner found many chunks' line ends: " + vouched);
    }

    /**
     * Event lines naming events seen before are recognised without a line search over heap
     * chunks; they decode exactly as the general line parse decodes them over direct chunks:
     * random streams of event lines (names that are prefixes of one another, with and without the
     * space, with a trailing or second space, misspelt fields, every line ending) with data lines,
     * comments and blank lines, in random pieces.
     */
    @Test
    void eventLinesDecodeAsTheGeneralLineParse() {
        Random random = new Random(12);
        String[] names = {"message_start", "content_block_delta", "content_block_delta_x", "ping", "a", "ab", "abc", "",
            "x y", "\u00e9v\u00e9nement"};
        String[] forms = {"event: %s", "event:%s", "event:  %s", "event: %s ", "eventx: %s", "event", "Event: %s", "event :%s"};
        for (int round = 0; round < 3_000; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int lines = 1 + random.nextInt(40);
            for (int l = 0; l < lines; l++) {
                String eol = List.of("\n", "\r\n", "\r").get(random.nextInt(3));
                String line = switch (random.nextInt(6)) {
                    case 0, 1, 2 -> String.format(forms[random.nextInt(forms.length)], names[random.nextInt(names.length)]);
                    case 3 -> "data: {\"n\":" + l + "}";
                    case 4 -> ": note";
                    default -> "";
                };
                out.writeBytes(utf8(line + eol));
            }
            byte[] stream = out.toByteArray();
            int[] cuts = cuts(random, stream.length);
            List<Item> direct = decode(stream, cuts, false, null);
            List<Item> heap = decode(stream, cuts, true, null);
            assertEquals(direct, heap, () -> "stream: " + new String(stream, StandardCharsets.UTF_8) + " cut at "
                    + Arrays.toString(cuts));
        }
    }

    private static byte[] stream(Random random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (random.nextInt(20) == 0) {
            out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        String eol = List.of("\n", "\r\n", "\r").get(random.nextInt(3));
        int events = 1 + random.nextInt(8);
        for (int e = 0; e < events; e++) {
            String chunk = ChunkScannerTest.CHUNKS.get(random.nextInt(ChunkScannerTest.CHUNKS.size()));
            byte[] data = chunk.getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0) {
                data = ChunkScannerTest.corrupt(data, random);
            }
            switch (random.nextInt(12)) {
                case 0 -> out.writeBytes(utf8(": keepalive" + eol + eol));
                case 1 -> out.writeBytes(utf8("event: message" + eol));
                case 2 -> out.writeBytes(utf8("id: " + e + eol));
                case 3 -> out.writeBytes(utf8("retry: 1000" + eol));
                default -> {
                }
            }
            if (random.nextInt(10) == 0 && data.length > 2) {
                // The chunk over two data lines (joined with a line feed again by the decoder).
                int at = 1 + random.nextInt(data.length - 1);
                out.writeBytes(utf8("data: "));
                out.write(data, 0, at);
                out.writeBytes(utf8(eol + "data:"));
                out.write(data, at, data.length - at);
            } else {
                out.writeBytes(utf8(random.nextInt(5) == 0 ? "data:" : "data: "));
                out.writeBytes(data);
            }
            if (random.nextInt(10) == 0) {
                out.writeBytes(utf8(" \t"));
            }
            out.writeBytes(utf8(eol));
            if (random.nextInt(15) != 0) {
                out.writeBytes(utf8(eol)); // else the next lines join this event
            }
        }
        if (random.nextBoolean()) {
            out.writeBytes(utf8("data: [DONE]" + eol + eol));
        }
        return out.toByteArray();
    }

    private static int[] cuts(Random random, int length) {
        int n = random.nextInt(4);
        int[] cuts = new int[n];
        for (int i = 0; i < n; i++) {
            cuts[i] = random.nextInt(length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    private static List<Item> decode(byte[] stream, int[] cuts, boolean heap, LineScanCheck check) {
        SseRecorder r = new SseRecorder(check);
        SseDecoder d = check == null ? new SseDecoder(r, 1 << 20)
                : new SseDecoder(r, 1 << 20, PooledByteBufAllocator.DEFAULT, check);
        int at = 0;
        List<int[]> pieces = new ArrayList<>();
        for (int cut : cuts) {
            pieces.add(new int[] {at, cut - at});
            at = cut;
        }
        pieces.add(new int[] {at, stream.length - at});
        for (int[] p : pieces) {
            // Heap pieces from the pooled allocator sit at an offset inside a larger array.
            ByteBuf chunk = heap ? PooledByteBufAllocator.DEFAULT.heapBuffer(Math.max(p[1], 1))
                    : PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(p[1], 1));
            try {
                chunk.writeBytes(stream, p[0], p[1]);
                d.feed(chunk);
            } finally {
                chunk.release();
            }
        }
        d.close();
        return r.items;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

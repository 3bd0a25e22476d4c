package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An {@link OpenAiChunkInspector} as a decoder's line scanner, checked as it runs: every line end
 * it reports must be the first CR or LF after the value's start (what the decoder's own search
 * finds), and every event's inspection — the one kept from the line scan, when the event is that
 * line — must equal a fresh inspector's inspection of a copy of the event's data.
 */
final class LineScanCheck implements SseDecoder.LineScanner {

    final OpenAiChunkInspector inspector = new OpenAiChunkInspector();
    /** Lines whose end the inspector found while reading them. */
    int vouched;
    /** Events inspected. */
    int events;

    @Override
    public int lineEnd(byte[] bytes, int from, int to) {
        int eol = inspector.lineEnd(bytes, from, to);
        if (eol >= 0) {
            vouched++;
            int first = from;
            while (first < to && bytes[first] != '\n' && bytes[first] != '\r') {
                first++;
            }
            assertEquals(first, eol, "the line end is the first CR or LF");
        }
        return eol;
    }

    /** An event the decoder dispatched: inspected as the pass-through processor does, and checked. */
    void event(ByteBuf src, int index, int length) {
        events++;
        String got = ChunkScannerTest.describe(inspector.inspect(src, index, length));
        byte[] copy = new byte[length];
        src.getBytes(index, copy);
        String fresh = ChunkScannerTest.describe(new OpenAiChunkInspector().inspect(Unpooled.wrappedBuffer(copy)));
        assertEquals(fresh, got, () -> "event data: " + new String(copy, java.nio.charset.StandardCharsets.UTF_8));
    }
}

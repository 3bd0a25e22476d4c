package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class SseDecoderNameTest {

    @Test
    void nameComparisonAgreesWithABytewiseCompareForEveryLengthAndMismatchPosition() {
        String alphabet = "content_block_delta:message_start";
        for (int len = 0; len <= 24; len++) {
            byte[] name = alphabet.substring(0, len).getBytes(StandardCharsets.US_ASCII);
            for (int wrong = -1; wrong < len; wrong++) {
                byte[] field = name.clone();
                if (wrong >= 0) {
                    field[wrong] ^= 0x20;
                }
                for (ByteBuf b : new ByteBuf[] {Unpooled.buffer(), Unpooled.directBuffer()}) {
                    try {
                        b.writeBytes("xx".getBytes(StandardCharsets.US_ASCII)).writeBytes(field).writeByte(':');
                        assertEquals(wrong < 0, SseDecoder.nameIs(b, 2, len, name), len + "/" + wrong);
                        assertEquals(false, SseDecoder.nameIs(b, 2, len + 1, name));
                    } finally {
                        b.release();
                    }
                }
            }
        }
    }

    /** The event names one decoder reports for {@code sse}, fed from a heap or a direct buffer. */
    private static List<String> names(String sse, boolean direct) {
        List<String> names = new ArrayList<>();
        SseDecoder d = new SseDecoder(event -> names.add(event.event()), 1024);
        ByteBuf b = (direct ? Unpooled.directBuffer() : Unpooled.buffer()).writeBytes(sse.getBytes(StandardCharsets.UTF_8));
        try {
            d.feed(b);
        } finally {
            b.release();
            d.close();
        }
        return names;
    }

    @Test
    void wellKnownNamesAreSharedByEveryDecoderAndOthersDecodedAsSent() {
        String sse = "event: content_block_delta\ndata: {}\n\n"
                + "event: message\ndata: {}\n\n" // a prefix of a known name
                + "event: message_stop_x\ndata: {}\n\n" // a known name as a prefix
                + "event: response.output_text.delta\ndata: {}\n\n"
                + "event: content_block_delta\ndata: {}\n\n" // again: the decoder's own cache
                + "event: caf\u00e9\ndata: {}\n\n";
        List<String> expected = List.of("content_block_delta", "message", "message_stop_x",
                "response.output_text.delta", "content_block_delta", "caf\u00e9");
        for (boolean direct : new boolean[] {false, true}) {
            List<String> a = names(sse, direct);
            List<String> b = names(sse, !direct);
            assertEquals(expected, a);
            assertEquals(expected, b);
            assertSame(a.get(0), b.get(0), "one string for a well-known name, whichever decoder met it");
            assertSame(a.get(3), b.get(3));
            assertSame(a.get(0), a.get(4));
            assertNotSame(a.get(1), b.get(1), "other names are each decoder's own");
        }
    }
}

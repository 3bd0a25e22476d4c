package dev.junction.translators.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NullUsageSearchTest {

    private static int find(String s, int offset) {
        ByteBuf b = Unpooled.wrappedBuffer(("x".repeat(offset) + s).getBytes(StandardCharsets.US_ASCII));
        b.readerIndex(offset);
        try {
            int at = PassThroughStreamProcessor.indexOfNullUsage(b);
            return at < 0 ? -1 : at - offset;
        } finally {
            b.release();
        }
    }

    @Test
    void findsTheMemberWhereverItIs() {
        String member = ",\"usage\":null";
        for (int prefix : new int[] {0, 1, 10, 40, 50, 51, 60, 200}) {
            for (int suffix : new int[] {1, 2, 30, 60, 70, 300}) {
                String s = "{" + "a".repeat(prefix) + member + "}".repeat(suffix);
                assertEquals(prefix + 1, find(s, 0), prefix + "/" + suffix);
                assertEquals(prefix + 1, find(s, 7), "with a reader offset " + prefix + "/" + suffix);
            }
        }
    }

    @Test
    void absentOrAlmostIsNotFound() {
        assertEquals(-1, find("{\"choices\":[],\"usage\":{\"a\":1}}", 0));
        assertEquals(-1, find("{\"x\":1," + "b".repeat(300) + ",\"usage\":nul}", 0));
        assertEquals(-1, find("{}", 0));
        assertEquals(-1, find(",\"usage\":nul", 0));
        assertEquals(-1, find("{" + ",,\"usage\":nulL".repeat(20) + "}", 0));
    }
}

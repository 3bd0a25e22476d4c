package dev.junction.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonInputTest {

    private static final JsonFactory FACTORY = new JsonFactory();

    /** The string value of the object's "v" field, read through JsonInput. */
    private static String value(ByteBuf b) throws Exception {
        try (JsonParser p = JsonInput.parser(FACTORY, b)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            assertEquals(JsonToken.FIELD_NAME, p.nextToken());
            p.nextToken();
            return p.getText();
        }
    }

    private static String json(String v) {
        return "{\"v\":\"" + v + "\"}";
    }

    @Test
    void readsHeapDirectAndLargeBuffersFromTheirReaderIndexWithoutConsumingThem() throws Exception {
        String large = "x".repeat(JsonInput.SCRATCH_MAX + 10);
        for (String v : new String[] {"héllo", "", large}) {
            byte[] bytes = ("junk" + json(v)).getBytes(StandardCharsets.UTF_8);
            ByteBuf heap = Unpooled.wrappedBuffer(bytes).skipBytes(4);
            ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes).skipBytes(4);
            try {
                assertEquals(v, value(heap));
                assertEquals(v, value(direct));
                assertEquals(4, direct.readerIndex());
                assertEquals(4, heap.readerIndex());
            } finally {
                heap.release();
                direct.release();
            }
        }
    }

    @Test
    void theScratchArrayIsReusedAndGrownWithoutMixingBuffers() throws Exception {
        for (int n : new int[] {10, 3000, 5, 40_000, 7}) {
            String v = "a".repeat(n);
            ByteBuf direct = Unpooled.directBuffer().writeBytes(json(v).getBytes(StandardCharsets.UTF_8));
            try {
                assertEquals(v, value(direct));
            } finally {
                direct.release();
            }
        }
    }
}

package dev.junction.translators.stream;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.spi.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A stream fed piece by piece into the caller's buffer (the exchange's unsent batch) gives the
 * client the same bytes as one fed into buffers of its own, and writes them after the buffer's
 * earlier bytes without a buffer per piece.
 */
class FeedIntoTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
    private static final String STREAM = event("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]")
            + event("[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]")
            + event("[{\"index\":0,\"delta\":{\"content\":\" world\"},\"finish_reason\":null}]")
            + ": keepalive\n\n"
            + event("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]")
            + "data: " + HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}\n\n"
            + "data: [DONE]\n\n";

    private static String event(String choices) {
        return "data: " + HEAD + "\"choices\":" + choices + ",\"usage\":null}\n\n";
    }

    private static StreamProcessor processor(boolean clientWantsUsage) {
        Target t = new Target("p", "openai", "http://h", "m", null, Map.of(), Map.of());
        return new PassThroughStreamProcessor(clientWantsUsage, 1, VendorRegistry.passThrough("openai"), t);
    }

    @Test
    void framesGoAfterTheBatchAndMatchTheOwnBufferPath() {
        for (boolean usage : new boolean[] {false, true}) {
            for (int piece : new int[] {1, 7, 64, 1 << 20}) {
                assertEquals(run(processor(usage), piece, false), run(processor(usage), piece, true),
                        "usage " + usage + ", pieces of " + piece);
            }
        }
    }

    @Test
    void eachPieceWritesIntoTheLentBufferAndNothingElse() {
        StreamProcessor p = processor(false);
        ByteBuf batch = ALLOC.directBuffer(16).writeBytes("earlier\n\n".getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        int pieceEnd = STREAM.indexOf("\n\n") + 2;
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf piece = ALLOC.directBuffer(pieceEnd).writeBytes(bytes, 0, pieceEnd);
        try {
            p.feed(piece, ALLOC, out, batch);
        } finally {
            piece.release();
        }
        assertEquals(1, out.size(), "the piece's frame is written into the lent buffer");
        assertSame(batch, out.get(0));
        String text = batch.toString(StandardCharsets.UTF_8);
        assertEquals("earlier\n\n" + STREAM.substring(0, pieceEnd).replace(",\"usage\":null", ""), text);
        assertEquals(1, p.frames());
        batch.release();
        p.close();
    }

    /** The client's bytes: pieces of {@code piece} bytes, each fed into the previous output when {@code into}. */
    private static String run(StreamProcessor p, int piece, boolean into) {
        byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
        StringBuilder client = new StringBuilder();
        ByteBuf batch = null;
        List<ByteBuf> out = new ArrayList<>();
        try {
            for (int at = 0; at < bytes.length; at += piece) {
                int n = Math.min(piece, bytes.length - at);
                ByteBuf part = ALLOC.directBuffer(n).writeBytes(bytes, at, n);
                try {
                    if (into && batch != null) {
                        p.feed(part, ALLOC, out, batch);
                        batch = null;
                    } else {
                        p.feed(part, ALLOC, out);
                    }
                } finally {
                    part.release();
                }
                batch = collect(out, batch, client, into);
            }
            assertNull(p.end(ALLOC, out));
            if (batch != null) {
                out.add(0, batch);
            }
            collect(out, null, client, false);
        } finally {
            p.close();
        }
        return client.toString();
    }

    /** Keeps the first buffer open as the next batch (when {@code into}); the rest goes to the client. */
    private static ByteBuf collect(List<ByteBuf> out, ByteBuf batch, StringBuilder client, boolean into) {
        for (int i = 0; i < out.size(); i++) {
            ByteBuf f = out.get(i);
            if (into && i == 0 && batch == null && f.isDirect() && f.refCnt() == 1) {
                batch = f;
                continue;
            }
            if (batch != null && into) {
                batch.writeBytes(f);
            } else {
                client.append(f.toString(StandardCharsets.UTF_8));
            }
            f.release();
        }
        out.clear();
        if (!into && batch != null) {
            client.append(batch.toString(StandardCharsets.UTF_8));
            batch.release();
            return null;
        }
        return batch;
    }
}

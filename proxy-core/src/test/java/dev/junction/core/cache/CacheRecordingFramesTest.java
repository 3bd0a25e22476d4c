package dev.junction.core.cache;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A buffer of several whole frames (one upstream read, written together) is recorded frame by frame. */
class CacheRecordingFramesTest {

    @Test
    void splitsABufferIntoItsFrames() {
        String a = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"a\\n\\nb\"}}]}\n\n";
        String b = ": keepalive\n\n";
        String c = "data: [DONE]\n\n";
        assertEquals(List.of(a, b, c), split(a + b + c));
        assertEquals(List.of(a), split(a));
        assertEquals(List.of("data: {}\n"), split("data: {}\n"), "an unterminated tail is one piece");
    }

    private static List<String> split(String s) {
        ByteBuf buf = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        List<String> frames = new ArrayList<>();
        int at = buf.readerIndex();
        while (at < buf.writerIndex()) {
            int stop = CacheRecording.endOfFrame(buf, at, buf.writerIndex());
            frames.add(buf.toString(at, stop - at, StandardCharsets.UTF_8));
            at = stop;
        }
        buf.release();
        return frames;
    }
}

package dev.junction.translators.golden;

import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Whole-text SSE framing for golden files (wire-formats §0.1): events end at a blank line, lines end
 * at LF, CR or CRLF, {@code data} lines join with LF, comments and unknown fields are skipped. The
 * production decoder is incremental; this one only reads complete fixture files.
 */
public final class SimpleSse {

    private SimpleSse() {
    }

    /** The events of a complete SSE text; each event's buffer is owned by the caller. */
    public static List<SseEvent> frame(byte[] sse) {
        String text = new String(sse, StandardCharsets.UTF_8);
        List<SseEvent> out = new ArrayList<>();
        String event = null;
        String id = null;
        Long retry = null;
        StringBuilder data = null;
        for (String line : text.split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                if (data != null) {
                    byte[] bytes = data.toString().getBytes(StandardCharsets.UTF_8);
                    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
                    out.add(new SseEvent(event, buf, id, retry));
                }
                event = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> event = value;
                case "data" -> {
                    if (data == null) {
                        data = new StringBuilder(value);
                    } else {
                        data.append('\n').append(value);
                    }
                }
                case "id" -> id = value;
                case "retry" -> {
                    if (value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
                        retry = Long.parseLong(value);
                    }
                }
                default -> { }
            }
        }
        return out;
    }
}

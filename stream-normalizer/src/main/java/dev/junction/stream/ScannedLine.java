package dev.junction.stream;

import io.netty.buffer.ByteBuf;

/**
 * The line a {@link SseDecoder.LineScanner} last read while the decoder looked for its end:
 * {@code array[from, to)}. When the decoder then dispatches an event whose data is exactly those
 * bytes, the scanner's reading still holds and the line is not read again. Remembered for one
 * event only: {@link #matches} forgets it either way.
 */
public final class ScannedLine {

    private byte[] array;
    private int from;
    private int to;

    /** Remembers {@code array[from, end)} when the scan vouched for it ({@code end >= 0}), else nothing. */
    public void remember(byte[] array, int from, int end) {
        if (end < 0) {
            this.array = null;
            return;
        }
        this.array = array;
        this.from = from;
        this.to = end;
    }

    public void forget() {
        array = null;
    }

    /** Whether {@code src[index, index + length)} is the remembered line (forgotten either way). */
    public boolean matches(ByteBuf src, int index, int length) {
        byte[] a = array;
        if (a == null) {
            return false;
        }
        array = null;
        return src.hasArray() && src.array() == a && src.arrayOffset() + index == from && from + length == to;
    }
}

package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.FastThreadLocal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Incremental server-sent-events decoder over Netty buffers, following the HTML Living Standard
 * "Parsing an event stream" algorithm (the rules the OpenAI and Anthropic SDKs apply, wire-formats
 * §0.1):
 *
 * <ul>
 *   <li>lines end with LF, CR or CRLF, and a CRLF may be split across two fed chunks;</li>
 *   <li>a UTF-8 byte order mark at the very start of the stream is skipped;</li>
 *   <li>{@code field: value} with one optional space after the colon stripped; a line without a
 *       colon is a field with an empty value; unknown fields are ignored;</li>
 *   <li>several {@code data} lines are joined with {@code \n}; {@code event} names the event;
 *       {@code id} sets the last event id (ignored when it contains NUL; it persists across events
 *       as the spec says); {@code retry} is accepted only when it is all ASCII digits;</li>
 *   <li>a line starting with {@code :} is a comment and goes to {@link SseListener#onComment};</li>
 *   <li>a blank line dispatches the event, but only when it had at least one {@code data} line (an
 *       empty {@code data:} line counts and yields empty data);</li>
 *   <li>an unterminated event at {@link #close()} is discarded.</li>
 * </ul>
 *
 * <p>The decoder works on bytes, so a chunk boundary may fall anywhere, including inside a
 * multi-byte UTF-8 sequence; only the short {@code event}, {@code id} and {@code retry} values are
 * decoded to strings. Data is delivered zero-copy when it is a single line wholly inside one fed
 * chunk (a range of that chunk); otherwise it is accumulated in a buffer the decoder owns. Either
 * way it is valid only during the listener's call. The decoder calls
 * {@link SseListener#onEvent(String, ByteBuf, int, int, String, Long)} with the range itself; its
 * default builds the {@link SseEvent} (data as a slice) for {@link SseListener#onEvent(SseEvent)}.
 *
 * <p>{@code maxEventBytes} bounds the joined data of one event, and any single line may be at most
 * {@value #LINE_SLACK} bytes longer (room for {@code "data: "}), so a peer cannot make the decoder
 * buffer without limit. Exceeding either throws
 * {@link EventTooLargeException}; any exception thrown from {@link #feed} (including one thrown by
 * the listener) leaves the decoder closed with its buffers released.
 *
 * <p>Not thread-safe: one decoder per stream, fed from that stream's event loop.
 */
public final class SseDecoder implements AutoCloseable {

    /** An event or line exceeded {@code maxEventBytes}; the decoder is closed. */
    public static final class EventTooLargeException extends RuntimeException {
        public EventTooLargeException(int maxEventBytes) {
            super("server-sent event larger than " + maxEventBytes + " bytes");
        }
    }

    /**
     * Reads the value of a {@code data:} line whose end is not known yet and finds that end on the
     * way, so that the decoder does not search the same bytes for it first: a listener whose data
     * values are one JSON object each (a vendor's stream chunks) scans them anyway.
     */
    public interface LineScanner {
        /**
         * Reads the value that starts at {@code bytes[from]}, with {@code bytes[from, to)} the rest of
         * what was read. Returns the index of the CR or LF that ends the line, which must be the
         * first CR or LF at or after {@code from}; or -1 when it cannot tell (the decoder then
         * searches for the line end itself). Called for the first {@code data} line of an event that
         * lies in the fed bytes, and then, if that event is dispatched with the line's value as its
         * data, that dispatch follows before any other call.
         */
        int lineEnd(byte[] bytes, int from, int to);
    }

    private static final byte[] DATA = ascii("data");
    private static final byte[] EVENT = ascii("event");
    private static final byte[] ID = ascii("id");
    private static final byte[] RETRY = ascii("retry");
    private static final int RETAINED_CAPACITY = 64 * 1024;
    /** How much longer than {@code maxEventBytes} a line may be: a field name, colon and space. */
    public static final int LINE_SLACK = 16;
    private static final int NAME_CACHE = 8;

    private final SseListener listener;
    private final int maxEventBytes;
    private final int maxLineBytes;
    private final ByteBufAllocator alloc;
    /** Finds the end of data lines while reading them, or null (the decoder searches). */
    private final LineScanner lineScanner;

    /** Bytes of a line that started in an earlier chunk and has not ended yet. */
    private ByteBuf lineBuf;
    /** Joined data of the current event when it cannot be a slice of the current chunk. */
    private ByteBuf dataAcc;
    /** Single data line of the current event still inside the chunk being fed (not retained). */
    private ByteBuf pendingSrc;
    private int pendingIndex;
    private int pendingLength;
    private int dataLines;

    private String eventType;
    private String lastEventId;
    private Long retry;

    private boolean skipLf;
    private boolean firstLine = true;
    private boolean closed;

    /** Event names decoded so far (made at the first {@code event} line: OpenAI streams have none). */
    private byte[][] nameBytes;
    private String[] names;
    private int nameNext;

    public SseDecoder(SseListener listener, int maxEventBytes) {
        this(listener, maxEventBytes, ByteBufAllocator.DEFAULT);
    }

    /** @param alloc allocates the decoder's internal buffers (heap buffers, for fast JSON parsing) */
    public SseDecoder(SseListener listener, int maxEventBytes, ByteBufAllocator alloc) {
        this(listener, maxEventBytes, alloc, null);
    }

    /**
     * @param lineScanner reads the value of each data line as the decoder meets it and finds the
     *                    line's end ({@link LineScanner}), or null. With one, fed bytes that are not
     *                    in a heap array are copied into one (a per-thread array, one copy per feed)
     *                    so that it can read them; the listener gets its data as ranges of that array.
     */
    public SseDecoder(SseListener listener, int maxEventBytes, ByteBufAllocator alloc, LineScanner lineScanner) {
        this.lineScanner = lineScanner;
        this.listener = Objects.requireNonNull(listener, "listener");
        if (maxEventBytes <= 0) {
            throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
        }
        this.maxEventBytes = maxEventBytes;
        this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE, (long) maxEventBytes + LINE_SLACK);
        this.alloc = Objects.requireNonNull(alloc, "alloc");
    }

    /**
     * Decodes the readable bytes of {@code chunk}, calling the listener for every event and comment
     * completed by them. Does not take ownership of {@code chunk} and does not move its reader
     * index: the caller releases it after the call.
     */
    public void feed(ByteBuf chunk) {
        if (closed) {
            throw new IllegalStateException("decoder is closed");
        }
        Scratch scratch = null;
        try {
            if (lineScanner != null && !chunk.hasArray() && chunk.isReadable()) {
                scratch = Scratch.take(chunk);
                decode(scratch.buf);
            } else {
                decode(chunk);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        } finally {
            if (scratch != null) {
                scratch.give();
            }
        }
    }

    /**
     * A heap copy of the bytes of one feed, for the {@link LineScanner}: one per thread, reused (the
     * decoder keeps nothing of it after the feed: a pending data line is copied out, as from any
     * fed chunk). A feed that runs while the thread's copy is in use (a listener feeding another
     * decoder) gets one of its own.
     */
    private static final class Scratch {
        private static final int KEPT = 64 * 1024;
        /** A Netty {@link FastThreadLocal}: asked once per feed, an array index on an event loop. */
        private static final FastThreadLocal<Scratch> PER_THREAD = new FastThreadLocal<>() {
            @Override
            protected Scratch initialValue() {
                return new Scratch(8192);
            }
        };

        private ByteBuf buf;
        private boolean busy;

        private Scratch(int capacity) {
            buf = Unpooled.wrappedBuffer(new byte[capacity]);
        }

        static Scratch take(ByteBuf chunk) {
            int n = chunk.readableBytes();
            Scratch s = PER_THREAD.get();
            if (s.busy || n > KEPT) {
                s = new Scratch(n); // not kept: a rare nested feed or a huge read
            } else if (s.buf.capacity() < n) {
                s.buf = Unpooled.wrappedBuffer(new byte[Math.min(KEPT, Math.max(n, s.buf.capacity() * 2))]);
            }
            s.busy = true;
            chunk.getBytes(chunk.readerIndex(), s.buf.array(), s.buf.arrayOffset(), n);
            s.buf.setIndex(0, n);
            return s;
        }

        void give() {
            busy = false;
        }
    }

    private void decode(ByteBuf chunk) {
        int i = chunk.readerIndex();
        final int end = chunk.writerIndex();
        if (skipLf && i < end) {
            // The previous chunk ended with CR: an LF here completes that CRLF (HTML SSE: CRLF is one line end).
            if (chunk.getByte(i) == '\n') {
                i++;
            }
            skipLf = false;
        }
        while (i < end) {
            int eol = -1;
            boolean lineStart = !firstLine && (lineBuf == null || !lineBuf.isReadable()) && chunk.hasArray();
            if (lineStart && lineScanner != null && dataLines == 0) {
                eol = scannedDataLine(chunk, i, end);
            }
            if (eol >= 0) {
                // A data line whose value the scanner read: it is the event's first data line, and
                // wholly in this chunk (what processLine would find out again).
                checkLine(eol - i);
                onData(chunk, scannedValue, eol - scannedValue, true);
            } else if (lineStart && nameBytes != null && (eol = knownEventLine(chunk, i, end)) >= 0) {
                checkLine(eol - i); // an event line naming an event seen before: eventType is set
            } else if ((eol = indexOfLineEnd(chunk, i, end)) < 0) {
                appendToLine(chunk, i, end - i);
                break;
            } else if (lineBuf != null && lineBuf.isReadable()) {
                appendToLine(chunk, i, eol - i);
                processLine(lineBuf, lineBuf.readerIndex(), lineBuf.readableBytes(), false);
                if (lineBuf != null) {
                    lineBuf.clear();
                }
            } else {
                checkLine(eol - i);
                processLine(chunk, i, eol - i, true);
            }
            if (closed) {
                return; // the listener closed the decoder
            }
            byte terminator = chunk.getByte(eol);
            i = eol + 1;
            if (terminator == '\r') {
                if (i < end) {
                    if (chunk.getByte(i) == '\n') {
                        i++;
                    }
                } else {
                    skipLf = true;
                }
            }
        }
        // The chunk belongs to the caller and is released after this call: copy a pending single
        // data line out of it before returning.
        if (pendingSrc != null) {
            materializePending();
        }
    }

    /**
     * At the start of a line: when it is a {@code data} line ({@code data:}, one optional space),
     * its end as the {@link LineScanner} finds it while reading the value, else -1.
     */
    private int scannedDataLine(ByteBuf chunk, int i, int end) {
        if (end - i < 6 || chunk.getInt(i) != DATA_WORD || chunk.getByte(i + 4) != ':') {
            return -1;
        }
        int value = i + 5;
        if (chunk.getByte(value) == ' ') {
            value++;
        }
        int base = chunk.arrayOffset();
        int eol = lineScanner.lineEnd(chunk.array(), base + value, base + end);
        scannedValue = value;
        return eol < 0 ? -1 : eol - base;
    }

    /**
     * At the start of a line of a heap chunk: when it is {@code event:} (one optional space) with a
     * name decoded before ({@link #name}) and then a CR or LF, sets {@link #eventType} to that name
     * and returns the index of the line end; else -1 (nothing changed), and the line is searched
     * for and parsed as any other. Anthropic names every event and repeats a handful of names, so
     * this spares the line search, the field parse and the name lookup of most event lines.
     */
    private int knownEventLine(ByteBuf chunk, int i, int end) {
        byte[] a = chunk.array();
        int base = chunk.arrayOffset();
        int k = base + i;
        int stop = base + end;
        if (stop - k < 7 || !Arrays.equals(a, k, k + 6, EVENT_COLON, 0, 6)) {
            return -1;
        }
        int value = a[k + 6] == ' ' ? k + 7 : k + 6;
        for (int c = 0; c < NAME_CACHE; c++) {
            byte[] name = nameBytes[c];
            if (name == null) {
                continue;
            }
            int after = value + name.length;
            if (after < stop && (a[after] == '\n' || a[after] == '\r')
                    && Arrays.equals(a, value, after, name, 0, name.length)) {
                eventType = names[c];
                return after - base;
            }
        }
        return -1;
    }

    private static final byte[] EVENT_COLON = ascii("event:");

    /** Where the value of the line {@link #scannedDataLine} read starts. */
    private int scannedValue;

    /** {@code "data"} as {@link ByteBuf#getInt} reads it. */
    private static final int DATA_WORD = ('d' << 24) | ('a' << 16) | ('t' << 8) | 'a';

    private void appendToLine(ByteBuf src, int index, int length) {
        if (length == 0) {
            return;
        }
        if (lineBuf == null) {
            lineBuf = alloc.heapBuffer(Math.min(Math.max(length, 256), maxLineBytes));
        }
        checkLine(lineBuf.readableBytes() + length);
        lineBuf.writeBytes(src, index, length);
    }

    private void checkLine(int length) {
        if (length > maxLineBytes) {
            throw new EventTooLargeException(maxEventBytes);
        }
    }

    private void processLine(ByteBuf src, int start, int length, boolean inChunk) {
        if (firstLine) {
            firstLine = false;
            if (length >= 3 && src.getByte(start) == (byte) 0xEF && src.getByte(start + 1) == (byte) 0xBB
                    && src.getByte(start + 2) == (byte) 0xBF) {
                start += 3;
                length -= 3;
            }
        }
        if (length == 0) {
            dispatch();
            return;
        }
        if (src.getByte(start) == ':') {
            int from = start + 1;
            if (length > 1 && src.getByte(from) == ' ') {
                from++;
            }
            listener.onComment(src.slice(from, start + length - from));
            if (!inChunk) {
                dropIfRetained();
            }
            return;
        }
        int colon = indexOfColon(src, start, start + length);
        int nameLength;
        int valueIndex;
        int valueLength;
        if (colon < 0) {
            nameLength = length;
            valueIndex = start + length;
            valueLength = 0;
        } else {
            nameLength = colon - start;
            valueIndex = colon + 1;
            if (valueIndex < start + length && src.getByte(valueIndex) == ' ') {
                valueIndex++;
            }
            valueLength = start + length - valueIndex;
        }
        if (nameIs(src, start, nameLength, DATA)) {
            onData(src, valueIndex, valueLength, inChunk);
        } else if (nameIs(src, start, nameLength, EVENT)) {
            eventType = name(src, valueIndex, valueLength);
        } else if (nameIs(src, start, nameLength, ID)) {
            if (src.indexOf(valueIndex, valueIndex + valueLength, (byte) 0) < 0) {
                lastEventId = src.toString(valueIndex, valueLength, StandardCharsets.UTF_8);
            }
        } else if (nameIs(src, start, nameLength, RETRY)) {
            onRetry(src, valueIndex, valueLength);
        }
    }

    private void onData(ByteBuf src, int index, int length, boolean inChunk) {
        if (length > maxEventBytes) {
            throw new EventTooLargeException(maxEventBytes);
        }
        if (dataLines == 0 && inChunk) {
            pendingSrc = src;
            pendingIndex = index;
            pendingLength = length;
            dataLines = 1;
            return;
        }
        if (pendingSrc != null) {
            materializePending();
        }
        ByteBuf acc = dataAcc(length + 1);
        int newLength = acc.readableBytes() + (dataLines > 0 ? 1 : 0) + length;
        if (newLength > maxEventBytes) {
            throw new EventTooLargeException(maxEventBytes);
        }
        if (dataLines > 0) {
            acc.writeByte('\n');
        }
        acc.writeBytes(src, index, length);
        dataLines++;
    }

    private void materializePending() {
        ByteBuf acc = dataAcc(pendingLength);
        acc.writeBytes(pendingSrc, pendingIndex, pendingLength);
        pendingSrc = null;
    }

    private ByteBuf dataAcc(int hint) {
        if (dataAcc == null) {
            dataAcc = alloc.heapBuffer(Math.min(Math.max(hint, 256), maxEventBytes));
        }
        return dataAcc;
    }

    private void onRetry(ByteBuf src, int index, int length) {
        if (length == 0 || length > 18) {
            return; // not a valid value, or one beyond a long; HTML SSE ignores invalid retry values
        }
        long value = 0;
        for (int k = 0; k < length; k++) {
            byte b = src.getByte(index + k);
            if (b < '0' || b > '9') {
                return;
            }
            value = value * 10 + (b - '0');
        }
        retry = value;
    }

    private void dispatch() {
        if (dataLines == 0) {
            eventType = null;
            retry = null;
            return;
        }
        ByteBuf src;
        int index;
        int length;
        if (pendingSrc != null) {
            src = pendingSrc;
            index = pendingIndex;
            length = pendingLength;
        } else {
            src = dataAcc;
            index = dataAcc.readerIndex();
            length = dataAcc.readableBytes();
        }
        String type = eventType;
        Long retryMillis = retry;
        pendingSrc = null;
        dataLines = 0;
        eventType = null;
        retry = null;
        try {
            listener.onEvent(type, src, index, length, lastEventId, retryMillis);
        } finally {
            resetData();
        }
    }

    /**
     * Where the first CR or LF of {@code src[from, to)} is, or -1. Eight bytes per step (a word
     * compared against both bytes at once) rather than one call per byte: this runs over every byte
     * of the stream. The lowest flagged byte of a word is exact (the borrow of the zero-byte test
     * only spreads towards higher bytes), so the answer is the first line end, as a byte loop finds it.
     */
    static int indexOfLineEnd(ByteBuf src, int from, int to) {
        if (src.hasArray()) {
            int base = src.arrayOffset();
            int at = indexOfLineEnd(src.array(), base + from, base + to);
            return at < 0 ? -1 : at - base;
        }
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long hit = lineEnds(src.getLongLE(i));
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
        }
        for (; i < to; i++) {
            byte c = src.getByte(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The high bit of every byte of the little-endian word {@code w} that may be a CR or LF: exact for
     * the lowest flagged byte (the zero-byte test's borrow only spreads towards higher bytes).
     */
    private static long lineEnds(long w) {
        long lf = w ^ 0x0A0A0A0A0A0A0A0AL;
        long cr = w ^ 0x0D0D0D0D0D0D0D0DL;
        return ((lf - 0x0101010101010101L) & ~lf | (cr - 0x0101010101010101L) & ~cr) & 0x8080808080808080L;
    }

    /** The same over {@code a[from, to)}, a word per read through a little-endian view of the array. */
    static int indexOfLineEnd(byte[] a, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long hit = lineEnds((long) LONG_LE.get(a, i));
            if (hit != 0) {
                return i + (Long.numberOfTrailingZeros(hit) >>> 3);
            }
        }
        for (; i < to; i++) {
            byte c = a[i];
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private void resetData() {
        if (dataAcc == null) {
            return;
        }
        // A listener that retained the data keeps our accumulator alive: stop reusing it.
        if (dataAcc.refCnt() != 1 || dataAcc.capacity() > RETAINED_CAPACITY) {
            dataAcc.release();
            dataAcc = null;
        } else {
            dataAcc.clear();
        }
    }

    private void dropIfRetained() {
        if (lineBuf != null && (lineBuf.refCnt() != 1 || lineBuf.capacity() > RETAINED_CAPACITY)) {
            lineBuf.release();
            lineBuf = null;
        }
    }

    /**
     * Whether {@code src} holds {@code name} at {@code index}: over a heap buffer's array by
     * {@link Arrays#equals(byte[], int, int, byte[], int, int)}, else eight and four bytes per read
     * (one bounds check each) rather than one byte per read, since this runs for every field line.
     */
    static boolean nameIs(ByteBuf src, int index, int length, byte[] name) {
        if (length != name.length) {
            return false;
        }
        if (src.hasArray()) {
            int from = src.arrayOffset() + index;
            return Arrays.equals(src.array(), from, from + length, name, 0, length);
        }
        int k = 0;
        for (; k + 8 <= length; k += 8) {
            if (src.getLong(index + k) != (long) LONG_BE.get(name, k)) {
                return false;
            }
        }
        if (k + 4 <= length) {
            if (src.getInt(index + k) != (int) INT_BE.get(name, k)) {
                return false;
            }
            k += 4;
        }
        for (; k < length; k++) {
            if (src.getByte(index + k) != name[k]) {
                return false;
            }
        }
        return true;
    }

    /** Big-endian views of a byte[], matching {@link ByteBuf#getLong}/{@link ByteBuf#getInt}. */
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /** Event names repeat on every event of a stream (Anthropic): reuse the decoded strings. */
    private String name(ByteBuf src, int index, int length) {
        if (nameBytes == null) {
            nameBytes = new byte[NAME_CACHE][];
            names = new String[NAME_CACHE];
        }
        for (int k = 0; k < NAME_CACHE; k++) {
            byte[] cached = nameBytes[k];
            if (cached != null && nameIs(src, index, length, cached)) {
                return names[k];
            }
        }
        if (length > 64) {
            return src.toString(index, length, StandardCharsets.UTF_8);
        }
        byte[] bytes = null;
        String s = null;
        for (int k = 0; k < KNOWN_NAMES.length; k++) {
            if (nameIs(src, index, length, KNOWN_NAME_BYTES[k])) {
                bytes = KNOWN_NAME_BYTES[k]; // shared by every decoder, never written to
                s = KNOWN_NAMES[k];
                break;
            }
        }
        if (bytes == null) {
            bytes = new byte[length];
            src.getBytes(index, bytes);
            s = new String(bytes, StandardCharsets.UTF_8);
        }
        nameBytes[nameNext] = bytes;
        names[nameNext] = s;
        nameNext = (nameNext + 1) % NAME_CACHE;
        return s;
    }

    /**
     * Event names the vendors' streams use (Anthropic Messages, OpenAI Responses; wire-formats §0.1):
     * a decoder meeting one for the first time takes the shared string and bytes instead of
     * decoding its own copy (each stream has a decoder of its own, so its names were decoded again
     * for every stream).
     */
    private static final String[] KNOWN_NAMES = {
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "message_delta", "message_stop", "ping", "error",
        "response.created", "response.in_progress", "response.output_item.added", "response.output_item.done",
        "response.content_part.added", "response.content_part.done", "response.output_text.delta",
        "response.output_text.done", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.completed", "response.failed", "response.incomplete",
    };
    private static final byte[][] KNOWN_NAME_BYTES = new byte[KNOWN_NAMES.length][];

    static {
        for (int k = 0; k < KNOWN_NAMES.length; k++) {
            KNOWN_NAME_BYTES[k] = ascii(KNOWN_NAMES[k]);
        }
    }

    /** The first ':' of {@code src[from, to)}, or -1: a plain loop over a heap array (field names are short). */
    private static int indexOfColon(ByteBuf src, int from, int to) {
        if (!src.hasArray()) {
            return src.indexOf(from, to, (byte) ':');
        }
        byte[] a = src.array();
        int base = src.arrayOffset();
        for (int k = base + from, stop = base + to; k < stop; k++) {
            if (a[k] == ':') {
                return k - base;
            }
        }
        return -1;
    }

    /** Whether {@link #close()} was called or a {@link #feed} failed. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Ends the stream: releases the internal buffers and discards an unterminated trailing event,
     * as the HTML SSE spec does at end of stream. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        pendingSrc = null;
        if (lineBuf != null) {
            lineBuf.release();
            lineBuf = null;
        }
        if (dataAcc != null) {
            dataAcc.release();
            dataAcc = null;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

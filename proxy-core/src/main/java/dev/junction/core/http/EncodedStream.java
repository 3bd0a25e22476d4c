package dev.junction.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCounted;

import java.nio.charset.StandardCharsets;

/**
 * A streamed {@code 200} answer ({@code text/event-stream}, chunked) in wire form: its head, its
 * chunks with their size line and CRLF already around the bytes, and its end with the terminal
 * {@code 0\r\n\r\n}. Netty's response encoder would build a header map for the head and, for every
 * chunk, add a buffer for the size line and one for the CRLF and join the three writes with a
 * promise combiner; here the head is written once from constants and the exchange's headers, and a
 * chunk's framing goes into the buffer its bytes are in: the exchange's batch keeps
 * {@value #HEADROOM} bytes free in front ({@link #newBatch}) for the size line, and the CRLF (and
 * at the end the terminal chunk) go after the bytes. One buffer per chunk, one write.
 *
 * <p>To the handlers that look at answers (keep-alive, read-timeout) the parts are still what
 * they stand for: the {@link Head} is an {@link io.netty.handler.codec.http.HttpResponse} whose
 * {@link Head#headers()} are the framing headers its bytes carry ({@code transfer-encoding:
 * chunked}, and {@code connection: close} when the connection closes after it), a {@link Chunk} is
 * an {@link io.netty.handler.codec.http.HttpContent}, the {@link Last} a
 * {@link io.netty.handler.codec.http.LastHttpContent}. The server's codec ({@code ServerHttpCodec})
 * writes their bytes as they are (only the head's to a {@code HEAD} request); a stock encoder
 * would not, so the server pipeline must use that codec. The bytes are the ones Netty's encoder
 * writes for the same head and chunks.
 */
public final class EncodedStream {

    /** Room a batch keeps in front of its bytes: a chunk's size (up to eight hex digits) and CRLF. */
    public static final int HEADROOM = 10;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_SEPARATOR = {':', ' '};
    private static final byte[] OK_STREAM_HEAD = ascii("HTTP/1.1 200 OK\r\n"
            + "content-type: text/event-stream; charset=utf-8\r\n"
            + "cache-control: no-cache\r\n"
            + "transfer-encoding: chunked\r\n");
    private static final byte[] CONNECTION_CLOSE = ascii("connection: close\r\n");
    private static final byte[] LAST_CHUNK = ascii("0\r\n\r\n");
    private static final ByteBuf LAST_CHUNK_BUFFER =
            Unpooled.unreleasableBuffer(Unpooled.directBuffer(LAST_CHUNK.length).writeBytes(LAST_CHUNK)).asReadOnly();
    private static final byte[] HEX = ascii("0123456789abcdef");

    private EncodedStream() {
    }

    /** Starts the head of a {@code 200} event stream; add headers, then {@link Builder#build}. */
    public static Builder okEventStream(ByteBufAllocator alloc, boolean keepAlive) {
        return new Builder(alloc, keepAlive);
    }

    /** A buffer for a batch of frames, with {@link #HEADROOM} bytes free in front of where they go. */
    public static ByteBuf newBatch(ByteBufAllocator alloc, int capacity) {
        ByteBuf b = alloc.directBuffer(HEADROOM + capacity);
        return b.setIndex(HEADROOM, HEADROOM);
    }

    /** {@code batch}'s bytes (at least one; the buffer's ownership passes here) as one chunk. */
    public static Chunk chunk(ByteBuf batch, ByteBufAllocator alloc) {
        if (!batch.isReadable()) {
            batch.release();
            throw new IllegalArgumentException("an empty chunk would end the stream");
        }
        return new Chunk(frame(batch, false, alloc));
    }

    /**
     * The stream's end: {@code batch}'s bytes as a last chunk followed by the terminal chunk, or
     * the terminal chunk alone when {@code batch} is null or empty (its ownership passes here).
     */
    public static Last last(ByteBuf batch, ByteBufAllocator alloc) {
        if (batch == null || !batch.isReadable()) {
            if (batch != null) {
                batch.release();
            }
            return new Last(LAST_CHUNK_BUFFER.duplicate());
        }
        return new Last(frame(batch, true, alloc));
    }

    /**
     * Writes the size line into the room in front of {@code b}'s bytes and CRLF (and the terminal
     * chunk) after them; a buffer without that room is copied into one that has it.
     */
    private static ByteBuf frame(ByteBuf b, boolean last, ByteBufAllocator alloc) {
        int n = b.readableBytes();
        int digits = (35 - Integer.numberOfLeadingZeros(n)) >>> 2; // hex digits of n (n > 0)
        int front = digits + 2;
        int tail = last ? 2 + LAST_CHUNK.length : 2;
        if (b.readerIndex() < front || b.maxWritableBytes() < tail || b.refCnt() != 1) {
            ByteBuf copy = newBatch(alloc, n + tail);
            copy.writeBytes(b, b.readerIndex(), n);
            b.release();
            b = copy;
        }
        int at = b.readerIndex() - front;
        for (int i = digits - 1, v = n; i >= 0; i--, v >>>= 4) {
            b.setByte(at + i, HEX[v & 0xf]);
        }
        b.setBytes(at + digits, CRLF);
        b.readerIndex(at);
        b.writeBytes(CRLF);
        if (last) {
            b.writeBytes(LAST_CHUNK);
        }
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The head in wire form; holds one buffer (its reference count is the buffer's). */
    public static final class Head extends DefaultHttpResponse implements ReferenceCounted {

        private final ByteBuf wire;

        private Head(ByteBuf wire, HttpHeaders framing) {
            super(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, framing);
            this.wire = wire;
        }

        /** The status line and headers, up to and including the empty line. */
        public ByteBuf wire() {
            return wire;
        }

        @Override
        public int refCnt() {
            return wire.refCnt();
        }

        @Override
        public Head retain() {
            wire.retain();
            return this;
        }

        @Override
        public Head retain(int increment) {
            wire.retain(increment);
            return this;
        }

        @Override
        public Head touch() {
            wire.touch();
            return this;
        }

        @Override
        public Head touch(Object hint) {
            wire.touch(hint);
            return this;
        }

        @Override
        public boolean release() {
            return wire.release();
        }

        @Override
        public boolean release(int decrement) {
            return wire.release(decrement);
        }
    }

    /** A chunk in wire form: its {@link #content()} is the size line, the bytes and CRLF. */
    public static final class Chunk extends DefaultHttpContent {
        private Chunk(ByteBuf wire) {
            super(wire);
        }
    }

    /** The stream's end in wire form: its {@link #content()} ends with the terminal {@code 0\r\n\r\n}. */
    public static final class Last extends DefaultLastHttpContent {
        private Last(ByteBuf wire) {
            super(wire, EmptyHttpHeaders.INSTANCE); // its bytes end the stream: no trailers (and no map to allocate)
        }
    }

    /** Writes one stream head; see {@link EncodedStream}. Single use. */
    public static final class Builder implements HeadWriter {

        private final ByteBuf buf;
        private final boolean keepAlive;
        private boolean refused;

        private Builder(ByteBufAllocator alloc, boolean keepAlive) {
            this.keepAlive = keepAlive;
            buf = alloc.directBuffer(384);
            buf.writeBytes(OK_STREAM_HEAD);
        }

        @Override
        public Builder header(AsciiString name, CharSequence value) {
            if (refused) {
                return this;
            }
            int start = buf.writerIndex();
            buf.writeBytes(name.array(), name.arrayOffset(), name.length());
            buf.writeBytes(HEADER_SEPARATOR);
            for (int i = 0, n = value.length(); i < n; i++) {
                char c = value.charAt(i);
                if (!((c >= 0x20 && c < 0x7f) || c == '\t')) {
                    buf.writerIndex(start);
                    refused = true;
                    return this;
                }
            }
            if (value instanceof AsciiString a) {
                buf.writeBytes(a.array(), a.arrayOffset(), a.length());
            } else {
                buf.writeCharSequence(value, StandardCharsets.US_ASCII);
            }
            buf.writeBytes(CRLF);
            return this;
        }

        @Override
        public Builder refuse() {
            refused = true;
            return this;
        }

        /** The head, or null when a header was refused (nothing is left to release then). */
        public Head build() {
            if (refused) {
                buf.release();
                return null;
            }
            if (!keepAlive) {
                buf.writeBytes(CONNECTION_CLOSE);
            }
            buf.writeBytes(CRLF);
            HttpHeaders framing;
            if (keepAlive) {
                framing = new ReadOnlyHttpHeaders(false, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                // Modifiable: the keep-alive handler sets connection: close again on an answer that closes.
                framing = new DefaultHttpHeaders();
                framing.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                framing.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return new Head(buf, framing);
        }
    }
}

package dev.junction.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;

import java.nio.charset.StandardCharsets;

/**
 * A whole answer — status line, headers and body — already in its wire form, in one buffer, for
 * the answer every proxied request ends with: a {@code 200} JSON body with Junction's headers.
 * Netty's response encoder would build a header map of a dozen entries, check and encode each, and
 * send the head and the body as two buffers; here the fixed part of the head is a constant, the
 * per-request headers are written once into a reused array, and the head and the body are copied
 * into one buffer.
 *
 * <p>It is still a {@link io.netty.handler.codec.http.FullHttpResponse} to every handler that
 * looks at answers (keep-alive, read-timeout): its {@link #headers()} are the framing headers the
 * bytes carry ({@code content-length}, and {@code connection: close} when it closes), its
 * {@link #content()} is the body. The server's codec ({@code ServerHttpCodec}) writes
 * {@link #wire()} as it is; a stock encoder would write the framing headers and the body only, so
 * the server pipeline must use that codec.
 *
 * <p>Built by {@link Builder}: values are written only when every character is visible ASCII (or
 * a space or tab), the bytes Netty's encoder would write for them too; anything else (a value a
 * client sent with other characters) makes {@link Builder#build} answer null, and the caller sends a
 * {@link HttpResponses#json} answer instead, whose header map checks and encodes the value as usual.
 */
public final class EncodedResponse extends DefaultFullHttpResponse {

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_SEPARATOR = {':', ' '};
    private static final byte[] OK_JSON_HEAD = ascii("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ");
    private static final byte[] CONNECTION_CLOSE = ascii("connection: close\r\n");
    /** Bodies up to this size are copied behind the head (one buffer, one write); larger ones are not copied. */
    public static final int COPY_BODY_BYTES = 16 * 1024;

    private final ByteBuf wire;
    private final int headLength;
    private final boolean keepAlive;

    private EncodedResponse(ByteBuf wire, int headLength, HttpHeaders framing, boolean keepAlive) {
        // The body is a slice of the wire bytes: one reference count for the whole answer.
        super(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, wire.slice(headLength, wire.readableBytes() - headLength),
                framing, EmptyHttpHeaders.INSTANCE);
        this.wire = wire;
        this.headLength = headLength;
        this.keepAlive = keepAlive;
    }

    /**
     * Whether the bytes keep the connection alive (no {@code connection: close}): what
     * {@code HttpUtil.isKeepAlive} reads from {@link #headers()}, without the lookup. The answer
     * always has a length of its own ({@code content-length}).
     */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The whole answer in wire form (shares this answer's reference count). */
    public ByteBuf wire() {
        return wire;
    }

    /** Bytes of the status line and headers, up to and including the empty line (what a HEAD answer sends). */
    public int headLength() {
        return headLength;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Starts a {@code 200} JSON answer with a {@code bodyLength}-byte body; add headers, then {@link Builder#build}. */
    public static Builder okJson(ByteBufAllocator alloc, int bodyLength, boolean keepAlive) {
        return new Builder(alloc, bodyLength, keepAlive);
    }

    /**
     * A thread's spare head array: a builder takes it (or makes one when it is taken) and gives it
     * back when built or discarded, so writing a head allocates nothing.
     */
    private static final FastThreadLocal<byte[][]> SPARE_HEAD = new FastThreadLocal<>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[1][];
        }
    };
    private static final int HEAD_BYTES = 512;
    /** A head array that grew beyond this is not kept. */
    private static final int KEEP_HEAD_BYTES = 8 * 1024;

    /**
     * The framing headers of kept-alive answers by body length, made on first use and shared (read
     * only, so any thread may use one; a race makes an equal one twice): {@code content-length} alone.
     */
    private static final HttpHeaders[] FRAMING = new HttpHeaders[COPY_BODY_BYTES + 1];

    static HttpHeaders keptAliveFraming(int bodyLength) {
        HttpHeaders h = bodyLength < FRAMING.length ? FRAMING[bodyLength] : null;
        if (h == null) {
            h = new ReadOnlyHttpHeaders(false, HttpHeaderNames.CONTENT_LENGTH, AsciiString.of(Integer.toString(bodyLength)));
            if (bodyLength < FRAMING.length) {
                FRAMING[bodyLength] = h;
            }
        }
        return h;
    }

    /**
     * Writes one answer's head; see {@link EncodedResponse}. Single use. The head is gathered in a
     * plain array (a thread's spare one) and copied into the answer's buffer in {@link #build}, in
     * front of the body: one buffer write instead of three per header.
     */
    public static final class Builder implements HeadWriter {

        private final ByteBufAllocator alloc;
        private final int bodyLength;
        private final boolean keepAlive;
        private final boolean copyBody;
        private byte[] head;
        private int len;
        private boolean refused;

        private Builder(ByteBufAllocator alloc, int bodyLength, boolean keepAlive) {
            this.alloc = alloc;
            this.bodyLength = bodyLength;
            this.keepAlive = keepAlive;
            this.copyBody = bodyLength <= COPY_BODY_BYTES;
            byte[][] spare = SPARE_HEAD.get();
            byte[] h = spare[0];
            spare[0] = null;
            head = h != null ? h : new byte[HEAD_BYTES];
            put(OK_JSON_HEAD);
            putDigits(bodyLength);
            put(CRLF);
            if (!keepAlive) {
                put(CONNECTION_CLOSE);
            }
        }

        /**
         * Adds {@code name: value}. {@code name} is a lower-case header name constant of the code; a
         * value with a character outside visible ASCII, space and tab makes the answer fall back.
         */
        @Override
        public Builder header(AsciiString name, CharSequence value) {
            if (refused) {
                return this;
            }
            if (value instanceof AsciiString a) {
                return header(name, a.array(), a.arrayOffset(), a.length());
            }
            int n = value.length();
            int start = len;
            ensure(name.length() + n + 4);
            putName(name);
            byte[] b = head;
            int p = len;
            for (int i = 0; i < n; i++) {
                char c = value.charAt(i);
                if (!plain(c)) {
                    return refuse(start);
                }
                b[p++] = (byte) c;
            }
            b[p++] = '\r';
            b[p++] = '\n';
            len = p;
            return this;
        }

        /** Adds {@code name: value} with the value's ASCII bytes {@code value[offset, offset + length)}. */
        public Builder header(AsciiString name, byte[] value, int offset, int length) {
            if (refused) {
                return this;
            }
            int start = len;
            ensure(name.length() + length + 4);
            putName(name);
            byte[] b = head;
            int p = len;
            for (int i = offset, end = offset + length; i < end; i++) {
                byte c = value[i];
                if (!plain((char) (c & 0xff))) {
                    return refuse(start);
                }
                b[p++] = c;
            }
            b[p++] = '\r';
            b[p++] = '\n';
            len = p;
            return this;
        }

        /** Adds {@code name: } the USD amount {@code usd} as {@link HttpResponses#usd} writes it, without a String. */
        public Builder usd(AsciiString name, double usd) {
            if (refused) {
                return this;
            }
            long nanos = HttpResponses.usdNanos(usd);
            if (nanos < 0) {
                return header(name, HttpResponses.usdExact(usd));
            }
            ensure(name.length() + HttpResponses.NANOS_MAX + 4);
            putName(name);
            len = HttpResponses.putNanos(head, len, nanos);
            head[len++] = '\r';
            head[len++] = '\n';
            return this;
        }

        private void putName(AsciiString name) {
            int n = name.length();
            System.arraycopy(name.array(), name.arrayOffset(), head, len, n);
            len += n;
            head[len++] = ':';
            head[len++] = ' ';
        }

        /** Refuses the fast path for this answer (something to send that this form does not carry). */
        @Override
        public Builder refuse() {
            refused = true;
            return this;
        }

        private Builder refuse(int start) {
            len = start;
            refused = true;
            return this;
        }

        /**
         * The answer with {@code body} (whose ownership passes here either way), or null when a
         * header was refused: then {@code body} is untouched and still the caller's.
         */
        public EncodedResponse build(ByteBuf body) {
            if (refused) {
                giveBack();
                return null;
            }
            if (body.readableBytes() != bodyLength) {
                giveBack();
                throw new IllegalArgumentException("body of " + body.readableBytes() + " bytes, announced " + bodyLength);
            }
            put(CRLF);
            int headLength = len;
            ByteBuf buf = alloc.buffer(headLength + (copyBody ? bodyLength : 0));
            // Straight into the buffer's memory where it has an address: writeBytes of a pooled
            // direct buffer makes a java.nio view (an object per answer) to copy through.
            boolean direct = buf.hasMemoryAddress();
            if (direct) {
                int w = buf.writerIndex();
                PlatformDependent.copyMemory(head, 0, buf.memoryAddress() + w, headLength);
                buf.writerIndex(w + headLength);
            } else {
                buf.writeBytes(head, 0, headLength);
            }
            giveBack();
            ByteBuf wire;
            if (copyBody) {
                if (direct && body.hasMemoryAddress()) {
                    int w = buf.writerIndex();
                    PlatformDependent.copyMemory(body.memoryAddress() + body.readerIndex(), buf.memoryAddress() + w, bodyLength);
                    buf.writerIndex(w + bodyLength);
                } else {
                    buf.writeBytes(body, body.readerIndex(), bodyLength);
                }
                body.release();
                wire = buf;
            } else {
                wire = alloc.compositeBuffer(2).addComponents(true, buf, body);
            }
            HttpHeaders framing;
            if (keepAlive) {
                framing = keptAliveFraming(bodyLength);
            } else {
                // Modifiable: the keep-alive handler sets connection: close again on an answer that closes.
                framing = new DefaultHttpHeaders();
                framing.set(HttpHeaderNames.CONTENT_LENGTH, AsciiString.of(Integer.toString(bodyLength)));
                framing.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return new EncodedResponse(wire, headLength, framing, keepAlive);
        }

        /** Lets go of the head without sending it (the answer is not sent after all). */
        public void discard() {
            giveBack();
        }

        private void giveBack() {
            byte[] h = head;
            head = null;
            if (h != null && h.length <= KEEP_HEAD_BYTES) {
                SPARE_HEAD.get()[0] = h;
            }
        }

        private void put(byte[] bytes) {
            ensure(bytes.length);
            System.arraycopy(bytes, 0, head, len, bytes.length);
            len += bytes.length;
        }

        private void putDigits(int v) {
            ensure(10);
            int start = len;
            do {
                head[len++] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
            for (int i = start, j = len - 1; i < j; i++, j--) {
                byte t = head[i];
                head[i] = head[j];
                head[j] = t;
            }
        }

        private void ensure(int more) {
            if (len + more > head.length) {
                head = java.util.Arrays.copyOf(head, Math.max(head.length * 2, len + more));
            }
        }

        private static boolean plain(char c) {
            return (c >= 0x20 && c < 0x7f) || c == '\t';
        }

    }
}

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

import java.nio.charset.StandardCharsets;

/**
 * A whole answer — status line, headers and body — already in its wire form, in one buffer, for
 * the answer every proxied request ends with: a {@code 200} JSON body with Junction's headers.
 * Netty's response encoder would build a header map of a dozen entries, check and encode each, and
 * send the head and the body as two buffers; here the fixed part of the head is a constant, the
 * per-request headers are written once, straight into the buffer the body is copied into.
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

    private EncodedResponse(ByteBuf wire, int headLength, HttpHeaders framing) {
        // The body is a slice of the wire bytes: one reference count for the whole answer.
        super(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, wire.slice(headLength, wire.readableBytes() - headLength),
                framing, EmptyHttpHeaders.INSTANCE);
        this.wire = wire;
        this.headLength = headLength;
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

    /** Writes one answer's head; see {@link EncodedResponse}. Single use. */
    public static final class Builder implements HeadWriter {

        private final ByteBuf buf;
        private final int bodyLength;
        private final boolean keepAlive;
        private final boolean copyBody;
        private boolean refused;

        private Builder(ByteBufAllocator alloc, int bodyLength, boolean keepAlive) {
            this.bodyLength = bodyLength;
            this.keepAlive = keepAlive;
            this.copyBody = bodyLength <= COPY_BODY_BYTES;
            buf = alloc.buffer(384 + (copyBody ? bodyLength : 0));
            buf.writeBytes(OK_JSON_HEAD);
            writeDigits(buf, bodyLength);
            buf.writeBytes(CRLF);
            if (!keepAlive) {
                buf.writeBytes(CONNECTION_CLOSE);
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
            int start = buf.writerIndex();
            buf.writeBytes(name.array(), name.arrayOffset(), name.length());
            buf.writeBytes(HEADER_SEPARATOR);
            if (value instanceof AsciiString a) {
                if (!plain(a)) {
                    return refuse(start);
                }
                buf.writeBytes(a.array(), a.arrayOffset(), a.length());
            } else {
                for (int i = 0, n = value.length(); i < n; i++) {
                    if (!plain(value.charAt(i))) {
                        return refuse(start);
                    }
                }
                buf.writeCharSequence(value, StandardCharsets.US_ASCII);
            }
            buf.writeBytes(CRLF);
            return this;
        }

        /** Refuses the fast path for this answer (something to send that this form does not carry). */
        @Override
        public Builder refuse() {
            refused = true;
            return this;
        }

        private Builder refuse(int start) {
            buf.writerIndex(start);
            refused = true;
            return this;
        }

        /**
         * The answer with {@code body} (whose ownership passes here either way), or null when a
         * header was refused: then {@code body} is untouched and still the caller's.
         */
        public EncodedResponse build(ByteBuf body) {
            if (refused) {
                buf.release();
                return null;
            }
            if (body.readableBytes() != bodyLength) {
                buf.release();
                throw new IllegalArgumentException("body of " + body.readableBytes() + " bytes, announced " + bodyLength);
            }
            buf.writeBytes(CRLF);
            int headLength = buf.readableBytes();
            ByteBuf wire;
            if (copyBody) {
                buf.writeBytes(body, body.readerIndex(), bodyLength);
                body.release();
                wire = buf;
            } else {
                wire = buf.alloc().compositeBuffer(2).addComponents(true, buf, body);
            }
            AsciiString length = AsciiString.of(Integer.toString(bodyLength));
            HttpHeaders framing;
            if (keepAlive) {
                framing = new ReadOnlyHttpHeaders(false, HttpHeaderNames.CONTENT_LENGTH, length);
            } else {
                // Modifiable: the keep-alive handler sets connection: close again on an answer that closes.
                framing = new DefaultHttpHeaders();
                framing.set(HttpHeaderNames.CONTENT_LENGTH, length);
                framing.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            return new EncodedResponse(wire, headLength, framing);
        }

        /** Lets go of the head without sending it (the answer is not sent after all). */
        public void discard() {
            buf.release();
        }

        private static boolean plain(char c) {
            return (c >= 0x20 && c < 0x7f) || c == '\t';
        }

        private static boolean plain(AsciiString a) {
            byte[] b = a.array();
            for (int i = a.arrayOffset(), end = i + a.length(); i < end; i++) {
                if (!plain((char) (b[i] & 0xff))) {
                    return false;
                }
            }
            return true;
        }

        private static void writeDigits(ByteBuf b, int v) {
            if (v >= 10) {
                writeDigits(b, v / 10);
            }
            b.writeByte('0' + v % 10);
        }
    }
}

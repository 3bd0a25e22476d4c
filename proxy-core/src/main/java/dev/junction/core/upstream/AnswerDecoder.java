package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Decodes the answers of an upstream HTTP/1.1 connection from its wire form, in one pass over each
 * read: the status line and headers of an answer into a {@link HttpResponse} whose headers are one
 * copy of the head's bytes and the offsets of each name and value in them ({@link AnswerHeaders}:
 * no string or map entry per header unless something asks, nothing validated twice),
 * then its body as slices of the read buffer — one per read for a body framed by its length or by
 * the close, one per chunk for a chunked body. No message object per piece is built and nothing
 * passes through the pipeline: the decoder calls its {@link Sink}.
 *
 * <p>A head is read here only in its canonical form: {@code HTTP/1.1} or {@code HTTP/1.0}, a
 * three-digit status, a reason of visible characters, CRLF line ends, {@code name: value} lines
 * whose names are tokens and whose values are visible ASCII with inner spaces, within the size
 * limits. Any other head — a bare LF, a folded line, a space before a colon, an unusual version,
 * a control or non-ASCII byte — is handed whole to Netty's {@link HttpResponseDecoder} with the
 * same configuration, and its verdict (the message, or its failure) is taken as it is. The
 * framing rules are Netty's too: answers to HEAD and 1xx/204/304 answers have no body, both a
 * Content-Length and a chunked Transfer-Encoding is refused, several or non-numeric lengths are
 * refused, a chunk-size line must be hex digits with optional extensions ended by CRLF, chunk data
 * must be followed by CRLF; an answer with neither a length nor chunks runs until the connection
 * closes. Trailer lines are read and dropped (the gateway uses none). {@code AnswerDecoderTest}
 * holds this against Netty's decoder on generated and corrupted answers split at random reads.
 *
 * <p>Interim answers (1xx but 101) are read and dropped: their request waits on for its final
 * answer. A {@code 101} is refused (the gateway never switches a vendor connection's protocol).
 * After a malformed answer the decoder discards whatever follows: the connection is not reused.
 */
final class AnswerDecoder {

    /** Where decoded answers go, in order; called on the connection's event loop. */
    interface Sink {
        /** The head of a final answer. */
        void head(HttpResponse head);

        /** A piece of the body of the answer whose head came last; the sink owns {@code piece}. */
        void content(ByteBuf piece, boolean last);

        /** The answer could not be decoded; nothing more is delivered. */
        void malformed(String why);
    }

    private enum State { SKIP, HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILER, TO_CLOSE, BROKEN }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    /** Token characters of RFC 9110 §5.6.2, for header names. */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private final HttpDecoderConfig config;
    private final int maxHeaderSize;
    private final int maxInitialLine;
    /** The methods of the requests written whose answers have not begun, in order (the codec's queue). */
    private final ArrayDeque<HttpMethod> methods;

    private State state = State.SKIP;
    /** Bytes kept from earlier reads: an unfinished head, chunk-size line, chunk end or trailer. */
    private ByteBuf kept;
    /** Body bytes of the current answer left (LENGTH) or of the current chunk (CHUNK_DATA). */
    private long left;
    /** The piece being gathered in the current buffer: [pieceFrom, pieceTo), or none (-1). */
    private int pieceFrom = -1;
    private int pieceTo;
    /** What the fast path read of the last head's framing (see {@link #noteFraming}). */
    private long fastLength;
    private boolean fastChunked;
    private boolean fastSimple;
    /** Whether the last head read by the fast path has a {@code connection} header. */
    private boolean fastConnection;

    AnswerDecoder(HttpDecoderConfig config, ArrayDeque<HttpMethod> methods) {
        this.config = config;
        this.maxHeaderSize = config.getMaxHeaderSize();
        this.maxInitialLine = config.getMaxInitialLineLength();
        this.methods = methods;
    }

    /** Decodes what one read carried; takes {@code in}. */
    void decode(ByteBuf in, ByteBufAllocator alloc, Sink sink) {
        if (state == State.BROKEN) {
            in.release();
            return;
        }
        ByteBuf buf = in;
        if (kept != null) {
            // Rare: a head (or a framing line) split across reads. The rest is appended to it.
            ByteBuf k = kept;
            kept = null;
            if (k.writableBytes() < in.readableBytes()) {
                ByteBuf grown = alloc.buffer(k.readableBytes() + in.readableBytes());
                grown.writeBytes(k);
                k.release();
                k = grown;
            }
            k.writeBytes(in);
            in.release();
            buf = k;
        }
        try {
            run(buf, sink);
        } finally {
            if (state != State.BROKEN && buf.isReadable() && needsKeep()) {
                kept = alloc.buffer(Math.max(256, buf.readableBytes() * 2));
                kept.writeBytes(buf);
            }
            buf.release();
        }
    }

    private boolean needsKeep() {
        return state == State.HEAD || state == State.CHUNK_SIZE || state == State.CHUNK_END
                || state == State.TRAILER;
    }

    /**
     * The connection closed: an answer that runs until then ends. Returns whether the body of an
     * answer was cut short (a head cut short is no answer: the call waiting for it is told of the
     * close by the handler).
     */
    boolean closed(Sink sink) {
        release();
        if (state == State.TO_CLOSE) {
            state = State.BROKEN;
            sink.content(Unpooled.EMPTY_BUFFER, true);
            return false;
        }
        boolean cut = state != State.SKIP && state != State.HEAD && state != State.BROKEN;
        state = State.BROKEN;
        return cut;
    }


    void release() {
        if (kept != null) {
            kept.release();
            kept = null;
        }
    }

    private void run(ByteBuf buf, Sink sink) {
        while (buf.isReadable()) {
            switch (state) {
                case SKIP -> {
                    int i = buf.readerIndex();
                    int end = buf.writerIndex();
                    while (i < end && skippable(buf.getByte(i))) {
                        i++;
                    }
                    buf.readerIndex(i);
                    if (i < end) {
                        state = State.HEAD;
                    }
                }
                case HEAD -> {
                    if (!head(buf, sink)) {
                        return;
                    }
                }
                case LENGTH -> {
                    int n = (int) Math.min(left, buf.readableBytes());
                    gather(buf, buf.readerIndex(), n, sink);
                    buf.skipBytes(n);
                    left -= n;
                    if (left == 0) {
                        end(buf, sink);
                    }
                }
                case TO_CLOSE -> {
                    int n = buf.readableBytes();
                    gather(buf, buf.readerIndex(), n, sink);
                    buf.skipBytes(n);
                }
                case CHUNK_SIZE -> {
                    if (!chunkSize(buf, sink)) {
                        return;
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(left, buf.readableBytes());
                    gather(buf, buf.readerIndex(), n, sink);
                    buf.skipBytes(n);
                    left -= n;
                    if (left == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (buf.readableBytes() < 2) {
                        if (buf.getByte(buf.readerIndex()) != CR) {
                            fail("a chunk not ended by CRLF", buf, sink);
                        }
                        flushPiece(buf, sink);
                        return;
                    }
                    if (buf.getByte(buf.readerIndex()) != CR || buf.getByte(buf.readerIndex() + 1) != LF) {
                        fail("a chunk not ended by CRLF", buf, sink);
                        return;
                    }
                    buf.skipBytes(2);
                    state = State.CHUNK_SIZE;
                }
                case TRAILER -> {
                    if (!trailer(buf, sink)) {
                        return;
                    }
                }
                case BROKEN -> {
                    buf.skipBytes(buf.readableBytes());
                    return;
                }
            }
        }
        flushPiece(buf, sink);
    }

    /**
     * What is skipped before a status line here: the CR and LF a vendor may leave after an answer.
     * Anything else begins a head (an unusual one is Netty's to judge, see {@link #nettyHead}).
     */
    private static boolean skippable(byte b) {
        return b == CR || b == LF;
    }

    // ---- body pieces ----

    /**
     * Adds {@code n} body bytes at {@code from} to the piece of this read: the piece grows while
     * the bytes are contiguous (a length-framed body), and each chunk of a chunked body is a piece of
     * its own, a slice of the read buffer — a vendor's chunk is one event, and the stream consumers
     * rely on an event and the events before it arriving in separate pieces when an error follows.
     */
    private void gather(ByteBuf buf, int from, int n, Sink sink) {
        if (n == 0) {
            return;
        }
        if (pieceFrom >= 0 && pieceTo != from) {
            flushPiece(buf, sink);
        }
        if (pieceFrom < 0) {
            pieceFrom = from;
            pieceTo = from;
        }
        pieceTo += n;
    }

    /** Hands the piece gathered so far (not the last one) to the sink. */
    private void flushPiece(ByteBuf buf, Sink sink) {
        if (pieceFrom >= 0) {
            ByteBuf piece = buf.retainedSlice(pieceFrom, pieceTo - pieceFrom);
            pieceFrom = -1;
            sink.content(piece, false);
        }
    }

    /** The answer's body ended: its last piece (possibly empty) goes to the sink. */
    private void end(ByteBuf buf, Sink sink) {
        state = State.SKIP;
        ByteBuf piece = Unpooled.EMPTY_BUFFER;
        if (pieceFrom >= 0) {
            piece = buf.retainedSlice(pieceFrom, pieceTo - pieceFrom);
            pieceFrom = -1;
        }
        sink.content(piece, true);
    }

    private void fail(String why, ByteBuf buf, Sink sink) {
        flushPieceQuietly();
        state = State.BROKEN;
        buf.skipBytes(buf.readableBytes());
        sink.malformed(why);
    }

    private void flushPieceQuietly() {
        pieceFrom = -1; // what was gathered of a broken answer is not handed on
    }

    // ---- head ----

    /**
     * Reads a head if the buffer holds all of it (else returns false, the bytes kept for the next
     * read), hands it to the sink and sets the state for its body.
     */
    private boolean head(ByteBuf buf, Sink sink) {
        int start = buf.readerIndex();
        int end = buf.writerIndex();
        // Find the end of the head: an empty line. Lines end at LF; a canonical one with CR LF.
        int lineStart = start;
        int headEnd = -1;
        int lines = 0; // the status line and the header lines
        boolean canonical = true;
        while (true) {
            int lf = buf.indexOf(lineStart, end, LF);
            if (lf < 0) {
                if (end - start > maxInitialLine + maxHeaderSize + 2) {
                    fail("a response head larger than " + maxHeaderSize + " bytes", buf, sink);
                }
                return false;
            }
            int len = lf - lineStart;
            if (len == 0 || buf.getByte(lf - 1) != CR) {
                canonical = false;
            }
            if (len == 0 || (len == 1 && buf.getByte(lineStart) == CR)) {
                if (lineStart == start) {
                    canonical = false; // an empty status line: Netty's verdict
                }
                headEnd = lf + 1;
                break;
            }
            lines++;
            lineStart = lf + 1;
        }
        if (headEnd - start > maxInitialLine + maxHeaderSize + 2) {
            fail("a response head larger than " + maxHeaderSize + " bytes", buf, sink);
            return false;
        }
        HttpResponse r = canonical ? fastHead(buf, start, headEnd, lines - 1) : null;
        boolean simple = r != null && fastSimple;
        if (r == null) {
            r = nettyHead(buf, start, headEnd);
        }
        buf.readerIndex(headEnd);
        if (r == null) {
            fail("a malformed response head", buf, sink);
            return false;
        }
        return framing(r, simple, buf, sink);
    }

    /** Decides how the body of the answer {@code r} is framed, and hands the head on. */
    private boolean framing(HttpResponse r, boolean simple, ByteBuf buf, Sink sink) {
        int code = r.status().code();
        if (code >= 100 && code < 200) {
            if (code == 101) {
                fail("a protocol switch (101)", buf, sink);
                return false;
            }
            state = State.SKIP; // interim: its request waits on
            return true;
        }
        HttpMethod method = methods.poll();
        HttpHeaders h = r.headers();
        HttpVersion v = r.protocolVersion();
        boolean http10OrEarlier = v.majorVersion() < 1 || v.majorVersion() == 1 && v.minorVersion() == 0;
        long length = -1;
        boolean lengthed;
        boolean encoded;
        boolean chunked;
        if (simple) {
            // Read by the fast path: at most one plain length, at most one "chunked".
            length = fastLength;
            lengthed = length >= 0;
            encoded = chunked = fastChunked;
        } else {
            List<String> lengths = h.getAll(HttpHeaderNames.CONTENT_LENGTH);
            lengthed = !lengths.isEmpty();
            if (lengthed) {
                try {
                    length = HttpUtil.normalizeAndGetContentLength(lengths, http10OrEarlier, false);
                } catch (IllegalArgumentException e) {
                    fail("an invalid content-length", buf, sink);
                    return false;
                }
                if (length >= 0 && lengths.size() > 1) {
                    // As Netty does: one content-length, the number it read.
                    h.set(HttpHeaderNames.CONTENT_LENGTH, length);
                }
            }
            List<String> encodings = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            encoded = !encodings.isEmpty();
            chunked = chunked(encodings);
        }
        boolean bodyless = HttpMethod.HEAD.equals(method) || code == 204 || code == 304;
        if (bodyless) {
            if (encoded) {
                // As Netty does for an answer that has no body: it is not chunked, whatever it says.
                HttpUtil.setTransferEncodingChunked(r, false);
            }
        } else if (encoded && http10OrEarlier) {
            fail("a transfer-encoding in an HTTP/1.0 answer", buf, sink);
            return false;
        } else if (chunked && lengthed && v == HttpVersion.HTTP_1_1) {
            fail("both a content-length and a chunked transfer-encoding", buf, sink);
            return false;
        }
        sink.head(r);
        if (state == State.BROKEN) {
            return false;
        }
        if (bodyless || (!chunked && length == 0)) {
            end(buf, sink);
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (length > 0) {
            state = State.LENGTH;
            left = length;
        } else {
            state = State.TO_CLOSE;
        }
        return true;
    }

    /** Whether a transfer-encoding value lists {@code chunked} (comma-separated, any case). */
    private static boolean chunked(List<String> encodings) {
        for (String e : encodings) {
            int from = 0;
            while (from <= e.length()) {
                int comma = e.indexOf(',', from);
                int to = comma < 0 ? e.length() : comma;
                if (e.substring(from, to).trim().equalsIgnoreCase("chunked")) {
                    return true;
                }
                from = to + 1;
            }
        }
        return false;
    }

    /**
     * The head in its canonical form, read here; null when it is not in that form (Netty reads it).
     * {@code headerLines} is the number of lines after the status line (the size of the offsets).
     */
    private HttpResponse fastHead(ByteBuf buf, int start, int headEnd, int headerLines) {
        int n = headEnd - start;
        if (n > maxInitialLine + maxHeaderSize / 2) {
            return null; // near the limits: Netty counts
        }
        byte[] b = new byte[n];
        buf.getBytes(start, b);
        // "HTTP/1.x ddd[ reason]\r\n"
        if (n < 14 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || b[5] != '1'
                || b[6] != '.' || (b[7] != '1' && b[7] != '0') || b[8] != ' ') {
            return null;
        }
        int d0 = b[9] - '0';
        int d1 = b[10] - '0';
        int d2 = b[11] - '0';
        if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
            return null;
        }
        int code = d0 * 100 + d1 * 10 + d2;
        int i = 12;
        int reasonFrom;
        int reasonTo;
        if (b[i] == CR) {
            if (b[i + 1] != LF) {
                return null;
            }
            reasonFrom = reasonTo = i;
        } else if (b[i] == ' ') {
            reasonFrom = ++i;
            while (b[i] != CR) {
                int c = b[i];
                if (c < 0x20 || c > 0x7E) {
                    return null;
                }
                i++;
            }
            reasonTo = i;
            if (b[i + 1] != LF) {
                return null;
            }
            if (reasonTo > reasonFrom && (b[reasonFrom] == ' ' || b[reasonTo - 1] == ' ')) {
                return null; // Netty trims: its reading is the one that counts
            }
        } else {
            return null;
        }
        if (i + 16 > maxInitialLine) {
            return null; // near the limit: Netty counts
        }
        i += 2; // CR LF
        // Headers: "name: value\r\n" until "\r\n".
        int[] at = new int[4 * Math.max(1, headerLines)]; // a header per line (checked below)
        int count = 0;
        fastLength = -1;
        fastChunked = false;
        fastSimple = true;
        fastConnection = false;
        while (b[i] != CR) {
            int nameFrom = i;
            while (b[i] >= 0 && TOKEN[b[i]]) {
                i++;
            }
            if (i == nameFrom || b[i] != ':') {
                return null;
            }
            int nameTo = i++;
            while (b[i] == ' ' || b[i] == '\t') {
                i++;
            }
            int valueFrom = i;
            int valueTo = i;
            while (b[i] != CR) {
                int c = b[i];
                if (c > 0x20 && c < 0x7F) {
                    valueTo = i + 1;
                } else if (c != ' ' && c != '\t') {
                    return null;
                }
                i++;
            }
            if (b[i + 1] != LF) {
                return null;
            }
            i += 2;
            if (4 * count == at.length) {
                at = java.util.Arrays.copyOf(at, at.length * 2);
            }
            at[4 * count] = nameFrom;
            at[4 * count + 1] = nameTo - nameFrom;
            at[4 * count + 2] = valueFrom;
            at[4 * count + 3] = valueTo - valueFrom;
            count++;
            noteFraming(b, nameFrom, nameTo, valueFrom, valueTo);
        }
        if (i + 2 != n) {
            return null; // a line that begins with a CR before the end
        }
        HttpVersion version = b[7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpResponseStatus status = status(code, b, reasonFrom, reasonTo);
        return new DefaultHttpResponse(version, status, new AnswerHeaders(b, at, count, fastConnection));
    }

    /**
     * Notes a content-length or transfer-encoding header of a head read by the fast path: the
     * framing is then known without looking the headers up, unless it is not the simple case (one
     * length of plain digits, or one transfer-encoding of exactly {@code chunked}).
     */
    private void noteFraming(byte[] b, int nameFrom, int nameTo, int valueFrom, int valueTo) {
        int n = nameTo - nameFrom;
        if (n == CONNECTION.length && same(b, nameFrom, CONNECTION)) {
            fastConnection = true;
        } else if (n == CONTENT_LENGTH.length && same(b, nameFrom, CONTENT_LENGTH)) {
            if (fastLength >= 0 || valueTo == valueFrom || valueTo - valueFrom > 18) {
                fastSimple = false;
                return;
            }
            long v = 0;
            for (int i = valueFrom; i < valueTo; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    fastSimple = false;
                    return;
                }
                v = v * 10 + d;
            }
            fastLength = v;
        } else if (n == TRANSFER_ENCODING.length && same(b, nameFrom, TRANSFER_ENCODING)) {
            if (fastChunked || valueTo - valueFrom != CHUNKED.length || !same(b, valueFrom, CHUNKED)) {
                fastSimple = false;
                return;
            }
            fastChunked = true;
        }
    }

    /** Whether {@code b} holds {@code lower} at {@code from}, in any case (ASCII letters). */
    private static boolean same(byte[] b, int from, byte[] lower) {
        for (int i = 0; i < lower.length; i++) {
            if ((b[from + i] | 0x20) != lower[i] && b[from + i] != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private static final byte[] CONNECTION = "connection".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "chunked".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The status of that code and reason: the shared one when the reason is the usual one. */
    private static HttpResponseStatus status(int code, byte[] b, int from, int to) {
        HttpResponseStatus known = HttpResponseStatus.valueOf(code);
        String usual = known.reasonPhrase();
        if (usual.length() == to - from) {
            boolean same = true;
            for (int k = 0; k < usual.length(); k++) {
                if (usual.charAt(k) != b[from + k]) {
                    same = false;
                    break;
                }
            }
            if (same) {
                return known;
            }
        }
        return new HttpResponseStatus(code, new String(b, from, to - from, java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The head read by Netty's own decoder (same configuration); null when it refuses it. */
    private HttpResponse nettyHead(ByteBuf buf, int start, int headEnd) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(config));
        try {
            ch.writeInbound(buf.retainedSlice(start, headEnd - start));
            for (Object o; (o = ch.readInbound()) != null; ) {
                try {
                    if (o instanceof HttpResponse r && !r.decoderResult().isFailure()) {
                        return new DefaultHttpResponse(r.protocolVersion(), r.status(), r.headers());
                    }
                    if (o instanceof io.netty.handler.codec.http.HttpObject m && m.decoderResult().isFailure()) {
                        return null;
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
            return null;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    // ---- chunked framing ----

    /** Reads a chunk-size line if whole (else false, kept for the next read). */
    private boolean chunkSize(ByteBuf buf, Sink sink) {
        int start = buf.readerIndex();
        int lf = buf.indexOf(start, buf.writerIndex(), LF);
        if (lf < 0) {
            if (buf.readableBytes() > maxInitialLine) {
                fail("a chunk-size line too long", buf, sink);
            } else {
                flushPiece(buf, sink);
            }
            return false;
        }
        if (lf == start || buf.getByte(lf - 1) != CR) {
            fail("a chunk-size line not ended by CRLF", buf, sink);
            return false;
        }
        long size = 0;
        int i = start;
        int digits = 0;
        for (; i < lf - 1; i++) {
            int c = buf.getByte(i);
            int v = Character.digit(c, 16);
            if (v < 0) {
                break;
            }
            if (++digits > 15) {
                fail("a chunk size too large", buf, sink);
                return false;
            }
            size = size * 16 + v;
        }
        if (digits == 0 || (i < lf - 1 && !extensions(buf, i, lf - 1))) {
            fail("an invalid chunk size", buf, sink);
            return false;
        }
        buf.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILER;
        } else {
            state = State.CHUNK_DATA;
            left = size;
        }
        return true;
    }

    /**
     * Whether a chunk-size line with something after its digits, {@code [from, to)} (CRLF
     * excluded), is one Netty accepts: its own decoder judges it (rare: vendors send no extensions).
     */
    private boolean extensions(ByteBuf buf, int from, int to) {
        ByteBuf probe = Unpooled.buffer(CHUNKED_HEAD.length + to - from + 2);
        probe.writeBytes(CHUNKED_HEAD).writeBytes(buf, from, to - from).writeByte(CR).writeByte(LF);
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(config));
        try {
            ch.writeInbound(probe);
            for (Object o; (o = ch.readInbound()) != null; ) {
                try {
                    if (((io.netty.handler.codec.http.HttpObject) o).decoderResult().isFailure()) {
                        return false;
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
            return true;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static final byte[] CHUNKED_HEAD = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Reads the trailer section up to the empty line that ends the answer, once it is whole (else
     * false, kept). Trailer lines are checked as Netty checks header lines, by its own decoder
     * (rare: vendors send none), and dropped.
     */
    private boolean trailer(ByteBuf buf, Sink sink) {
        int start = buf.readerIndex();
        int lineStart = start;
        while (true) {
            int lf = buf.indexOf(lineStart, buf.writerIndex(), LF);
            if (lf < 0) {
                if (buf.readableBytes() > maxHeaderSize) {
                    fail("trailers larger than " + maxHeaderSize + " bytes", buf, sink);
                } else {
                    flushPiece(buf, sink);
                }
                return false;
            }
            if (lf == lineStart || buf.getByte(lf - 1) != CR) {
                fail("a trailer line not ended by CRLF", buf, sink);
                return false;
            }
            if (lf - lineStart == 1) {
                if (lineStart > start && !trailersValid(buf, start, lf + 1)) {
                    fail("malformed trailers", buf, sink);
                    return false;
                }
                buf.readerIndex(lf + 1);
                flushPiece(buf, sink); // the last chunk's data, then the end alone (as chunks come)
                end(buf, sink);
                return true;
            }
            lineStart = lf + 1;
        }
    }

    private boolean trailersValid(ByteBuf buf, int from, int to) {
        ByteBuf head = Unpooled.buffer(TRAILER_HEAD.length + to - from);
        head.writeBytes(TRAILER_HEAD).writeBytes(buf, from, to - from);
        try {
            return nettyHead(head, 0, head.writerIndex()) != null;
        } finally {
            head.release();
        }
    }

    private static final byte[] TRAILER_HEAD = "HTTP/1.1 200 OK\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
}

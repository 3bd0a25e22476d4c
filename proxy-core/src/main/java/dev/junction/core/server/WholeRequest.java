package dev.junction.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;

/**
 * The common request read in one pass: a request whose head and {@code Content-Length} body are
 * all in the bytes already read, in the plainest form HTTP/1.1 allows, becomes one
 * {@link FullHttpRequest} whose body is a slice of the read buffer — no request object, content
 * objects, composite body or header re-validation in between, which is what Netty's decoder and
 * aggregator cost for the same request.
 *
 * <p>It vouches only for what it checks, in the same pass that splits the head: the method is one
 * of {@code GET POST PUT DELETE PATCH HEAD OPTIONS}; the target is an origin-form path of
 * RFC 3986 characters; the version is {@code HTTP/1.1} or {@code HTTP/1.0}; every line ends in
 * CRLF; each header name is a token right before its colon, each value visible ASCII, spaces and
 * tabs; the request line and header block are within the configured limits; there is at most one
 * {@code Content-Length}, plain digits within the body limit, and no {@code Transfer-Encoding},
 * {@code Expect} or {@code Upgrade}. Anything else — an incomplete head or body, a bad byte, an
 * oversized head or body, a chunked body, an interim answer owed — is left unread for Netty's
 * decoder ({@code null}), which then gives the verdict it always gave (400, 413, 431,
 * {@code 100 Continue}). So this path decides no refusal; what it accepts, Netty's decoder accepts
 * as the same method, target, version, headers (names, order, values) and body
 * ({@code WholeRequestTest} holds the two side by side on generated and corrupted heads).
 */
final class WholeRequest {

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[2048];
        }
    };
    /** Where each header's name and value lie while the head is read (4 ints a header). */
    private static final FastThreadLocal<int[]> SPANS = new FastThreadLocal<>() {
        @Override
        protected int[] initialValue() {
            return new int[4 * 32];
        }
    };
    private static final byte[] CONTENT_LENGTH_0 = "content-length0".getBytes(StandardCharsets.US_ASCII);

    /** RFC 9110 tchar. */
    private static final boolean[] TOKEN = new boolean[256];
    /** RFC 3986 unreserved, reserved and '%' (a request target's characters). */
    private static final boolean[] TARGET = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = TARGET[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = TARGET[c] = true;
            TOKEN[c - 32] = TARGET[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
        for (char c : "-._~:/?#[]@!$&'()*+,;=%".toCharArray()) {
            TARGET[c] = true;
        }
    }

    // The names Netty's request decoder gives as constants, in the same case.
    private static final AsciiString HOST = AsciiString.cached("Host");
    private static final AsciiString ACCEPT = AsciiString.cached("Accept");
    private static final AsciiString CONNECTION = AsciiString.cached("Connection");
    private static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");

    private WholeRequest() {
    }

    /**
     * The request at {@code in}'s reader index, read and consumed, or {@code null} with nothing
     * consumed when this path does not vouch for it (see the class comment).
     *
     * @param maxInitialLine Netty's {@code maxInitialLineLength}
     * @param maxHeaderBytes Netty's {@code maxHeaderSize}
     * @param maxBody        the body limit the aggregator enforces (413)
     */
    static FullHttpRequest read(ByteBuf in, int maxInitialLine, int maxHeaderBytes, long maxBody) {
        int readable = in.readableBytes();
        int n = Math.min(readable, maxInitialLine + maxHeaderBytes);
        if (n < 16) {
            return null;
        }
        byte[] a = SCRATCH.get();
        if (a.length < n) {
            int want = Math.min(maxInitialLine + maxHeaderBytes, Math.max(n, a.length * 2));
            a = new byte[want];
            SCRATCH.set(a);
        }
        int r = in.readerIndex();
        in.getBytes(r, a, 0, n);

        // The request line: METHOD SP target SP version CRLF.
        int sp = 0;
        while (sp < n && sp < 8 && a[sp] != ' ') {
            sp++;
        }
        HttpMethod method = method(a, sp);
        if (method == null) {
            return null;
        }
        int t = sp + 1;
        if (t >= n || a[t] != '/') {
            return null;
        }
        int i = t;
        while (i < n && TARGET[a[i] & 0xff]) {
            i++;
        }
        // " HTTP/1.x\r\n"
        if (i + 11 > n || a[i] != ' ' || a[i + 1] != 'H' || a[i + 2] != 'T' || a[i + 3] != 'T' || a[i + 4] != 'P'
                || a[i + 5] != '/' || a[i + 6] != '1' || a[i + 7] != '.' || a[i + 9] != '\r' || a[i + 10] != '\n') {
            return null;
        }
        HttpVersion version = a[i + 8] == '1' ? HttpVersion.HTTP_1_1 : a[i + 8] == '0' ? HttpVersion.HTTP_1_0 : null;
        int lineEnd = i + 11;
        if (version == null || lineEnd > maxInitialLine) {
            return null;
        }
        String uri = new String(a, t, i - t, StandardCharsets.ISO_8859_1);

        int[] spans = SPANS.get();
        int count = 0;
        long contentLength = -1;
        int p = lineEnd;
        int headEnd = -1;
        while (p + 1 < n) {
            if (a[p] == '\r') {
                if (a[p + 1] != '\n') {
                    return null;
                }
                headEnd = p + 2;
                break;
            }
            int nameStart = p;
            while (p < n && TOKEN[a[p] & 0xff]) {
                p++;
            }
            int nameEnd = p;
            if (nameEnd == nameStart || p >= n || a[p] != ':') {
                return null;
            }
            p++;
            while (p < n && (a[p] == ' ' || a[p] == '\t')) {
                p++;
            }
            int valueStart = p;
            while (p < n) {
                byte b = a[p];
                if (b >= 0x20 && b < 0x7f || b == '\t') {
                    p++;
                } else {
                    break;
                }
            }
            if (p + 1 >= n || a[p] != '\r' || a[p + 1] != '\n') {
                return null; // a bad byte, a bare CR or LF, or the head goes on past what was read
            }
            int valueEnd = p;
            while (valueEnd > valueStart && (a[valueEnd - 1] == ' ' || a[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            p += 2;
            int len = nameEnd - nameStart;
            switch (special(a, nameStart, len)) {
                case CL -> {
                    if (contentLength >= 0) {
                        return null; // a second Content-Length: Netty's decoder decides
                    }
                    contentLength = digits(a, valueStart, valueEnd);
                    if (contentLength < 0 || contentLength > maxBody) {
                        return null;
                    }
                }
                case REFUSE -> {
                    return null;
                }
                default -> {
                }
            }
            if (4 * count + 4 > spans.length) {
                spans = java.util.Arrays.copyOf(spans, spans.length * 2);
                SPANS.set(spans);
            }
            // Offsets in the header block (from lineEnd), which is what is kept.
            spans[4 * count] = nameStart - lineEnd;
            spans[4 * count + 1] = len;
            spans[4 * count + 2] = valueStart - lineEnd;
            spans[4 * count + 3] = valueEnd - valueStart;
            count++;
        }
        if (headEnd < 0 || headEnd - lineEnd > maxHeaderBytes) {
            return null;
        }
        int body = contentLength > 0 ? (int) contentLength : 0;
        if (readable - headEnd < body) {
            return null; // the body is still arriving
        }
        int block = headEnd - 2 - lineEnd;
        int[] at;
        byte[] kept;
        if (contentLength < 0) {
            // As Netty's aggregator does for a request without one: the length of what it aggregated
            // ("content-length: 0"), kept behind the header block.
            kept = new byte[block + CONTENT_LENGTH_0.length];
            System.arraycopy(CONTENT_LENGTH_0, 0, kept, block, CONTENT_LENGTH_0.length);
            at = java.util.Arrays.copyOf(spans, 4 * count + 4);
            at[4 * count] = block;
            at[4 * count + 1] = 14;
            at[4 * count + 2] = block + 14;
            at[4 * count + 3] = 1;
            count++;
        } else {
            kept = new byte[block];
            at = java.util.Arrays.copyOf(spans, 4 * count);
        }
        System.arraycopy(a, lineEnd, kept, 0, block);
        HttpHeaders headers = new RequestHeaders(kept, at, count);
        ByteBuf content = body == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(r + headEnd, body);
        in.skipBytes(headEnd + body);
        // The method is a constant and every character of the target was checked above: Netty's
        // second look at the request line (validateRequestLine) would find nothing.
        return new DefaultFullHttpRequest(version, method, uri, content, headers, EmptyHttpHeaders.INSTANCE, false);
    }

    private static HttpMethod method(byte[] a, int len) {
        switch (len) {
            case 3:
                if (a[0] == 'G' && a[1] == 'E' && a[2] == 'T') {
                    return HttpMethod.GET;
                }
                return a[0] == 'P' && a[1] == 'U' && a[2] == 'T' ? HttpMethod.PUT : null;
            case 4:
                if (a[0] == 'P' && a[1] == 'O' && a[2] == 'S' && a[3] == 'T') {
                    return HttpMethod.POST;
                }
                return a[0] == 'H' && a[1] == 'E' && a[2] == 'A' && a[3] == 'D' ? HttpMethod.HEAD : null;
            case 5:
                return a[0] == 'P' && a[1] == 'A' && a[2] == 'T' && a[3] == 'C' && a[4] == 'H' ? HttpMethod.PATCH : null;
            case 6:
                return a[0] == 'D' && a[1] == 'E' && a[2] == 'L' && a[3] == 'E' && a[4] == 'T' && a[5] == 'E'
                        ? HttpMethod.DELETE : null;
            case 7:
                return a[0] == 'O' && a[1] == 'P' && a[2] == 'T' && a[3] == 'I' && a[4] == 'O' && a[5] == 'N'
                        && a[6] == 'S' ? HttpMethod.OPTIONS : null;
            default:
                return null;
        }
    }

    private static final int PLAIN = 0;
    private static final int CL = 1;
    private static final int REFUSE = 2;

    /** Content-Length; a name this path leaves to Netty (Transfer-Encoding, Expect, Upgrade); or plain. */
    private static int special(byte[] a, int off, int len) {
        switch (len) {
            case 14:
                return is(a, off, "content-length") ? CL : PLAIN;
            case 17:
                return is(a, off, "transfer-encoding") ? REFUSE : PLAIN;
            case 6:
                return is(a, off, "expect") ? REFUSE : PLAIN;
            case 7:
                return is(a, off, "upgrade") ? REFUSE : PLAIN;
            default:
                return PLAIN;
        }
    }

    /** Whether the token at {@code off} is {@code lower} in any case ({@code lower}: lower case letters and '-'). */
    private static boolean is(byte[] a, int off, String lower) {
        for (int k = 0; k < lower.length(); k++) {
            if ((a[off + k] | 0x20) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** Plain decimal digits without a leading zero (or "0"), at most 12 of them; else -1. */
    private static long digits(byte[] a, int from, int to) {
        int len = to - from;
        if (len < 1 || len > 12 || len > 1 && a[from] == '0') {
            return -1;
        }
        long v = 0;
        for (int k = from; k < to; k++) {
            int d = a[k] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** A header name as Netty's request decoder gives it: its constant for the common ones, in the same case. */
    static AsciiString name(byte[] a, int off, int len) {
        switch (len) {
            case 4:
                if (a[off] == 'H' && a[off + 1] == 'o' && a[off + 2] == 's' && a[off + 3] == 't') {
                    return HOST;
                }
                break;
            case 6:
                if (exact(a, off, ACCEPT)) {
                    return ACCEPT;
                }
                break;
            case 10:
                if (exact(a, off, CONNECTION)) {
                    return CONNECTION;
                }
                break;
            case 12:
                if (exact(a, off, CONTENT_TYPE)) {
                    return CONTENT_TYPE;
                }
                break;
            case 14:
                if (exact(a, off, CONTENT_LENGTH)) {
                    return CONTENT_LENGTH;
                }
                break;
            default:
                break;
        }
        return new AsciiString(a, off, len, true);
    }

    private static boolean exact(byte[] a, int off, AsciiString s) {
        for (int k = 0; k < s.length(); k++) {
            if (a[off + k] != s.byteAt(k)) {
                return false;
            }
        }
        return true;
    }
}

package dev.junction.core.upstream;

import dev.junction.core.tracing.TraceHeaders;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes upstream requests in wire form ({@link EncodedRequest}) for one provider at one origin on
 * one event loop (confined to it, like its pool). What every request of a deployment repeats — the
 * request line, {@code host}, {@code content-type}, {@code accept}, and the headers the vendor adapter
 * gives (auth and configured headers) — is encoded once into a head prefix and kept; a request
 * writes that prefix, its {@code content-length}, its own extra headers (trace context) and its
 * body, small bodies copied behind the head into one buffer. The usual extra header, a
 * {@code traceparent} of the gateway's own ids ({@link TraceHeaders}), is written as its bytes with
 * no string, map or check per request.
 *
 * <p>It writes only what it can vouch for: a method that is a token, a path of visible ASCII,
 * header names that are tokens and values of visible ASCII with inner spaces or tabs, no framing
 * header ({@code content-length}, {@code transfer-encoding}) among the adapter's or the extra
 * headers, and no extra header that repeats one of the head. For anything else {@link #encode}
 * answers null and the caller sends the request through Netty's header map and encoder (which
 * checks and encodes it as before).
 * Among the adapter's headers a later one replaces an earlier one of the same name (case
 * ignored), as the header map's {@code set} does.
 *
 * <p>The prefixes hold vendor credentials: nothing here has a {@code toString} that shows them.
 */
final class RequestHeads {

    /** Bodies up to this size are copied behind the head (one buffer, one write); larger ones are not copied. */
    static final int COPY_BODY_BYTES = 16 * 1024;
    /** Distinct heads kept (routes × paths × stream flag on this origin); past that the memory starts over. */
    static final int MAX_HEADS = 64;

    private static final byte[] HTTP_1_1_CRLF = ascii(" HTTP/1.1\r\n");
    private static final byte[] CONTENT_LENGTH = ascii("content-length: ");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] SEPARATOR = {':', ' '};
    // The short pieces are written as one short each: a pooled buffer copies an array through a
    // view of its memory, which costs more than the two bytes.
    private static final int CRLF_SHORT = ('\r' << 8) | '\n';
    private static final int SEPARATOR_SHORT = (':' << 8) | ' ';

    private final String authority;
    private final Map<Head, Head> heads = new HashMap<>();
    private Head last;
    /** The extra headers of the request being encoded, names and values in turn (reused). */
    private String[] extra = new String[4];
    /** Where a request's {@code traceparent} line is written before it is copied into the request (reused). */
    private final byte[] traceLine = new byte[TraceHeaders.TRACEPARENT_LINE];

    RequestHeads(String authority) {
        this.authority = authority;
    }

    /**
     * {@code req} in wire form, its body taken (released or owned by the answer), or null when the
     * request must take the header-map path: then nothing of {@code req} was touched.
     */
    EncodedRequest encode(String basePath, UpstreamRequest req, Map<String, String> extraHeaders, ByteBufAllocator alloc) {
        Head head = head(basePath, req);
        if (head.prefix == null) {
            return null;
        }
        int extraBytes = 0;
        int extras = 0;
        TraceHeaders trace = null;
        if (extraHeaders instanceof TraceHeaders t && t.traceparentOnly() && !head.traceparent) {
            // The usual extra: a traceparent of checked hex ids, written as bytes with no checks.
            trace = t;
            extraBytes = TraceHeaders.TRACEPARENT_LINE;
        } else if (extraHeaders != null && !extraHeaders.isEmpty()) {
            // One pass over the map (a small immutable map makes an entry set, an entry and an
            // iterator per pass): the headers are checked and kept here, then written from here.
            String[] kept = extra;
            if (kept.length < 2 * extraHeaders.size()) {
                kept = extra = new String[2 * extraHeaders.size()];
            }
            for (Map.Entry<String, String> e : extraHeaders.entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (!token(name) || !value(value) || head.names(name) || framing(name)) {
                    java.util.Arrays.fill(kept, 0, extras, null);
                    return null;
                }
                extraBytes += name.length() + value.length() + 4;
                kept[extras++] = name;
                kept[extras++] = value;
            }
        }
        ByteBuf body = req.body();
        int length = body.readableBytes();
        boolean copy = length <= COPY_BODY_BYTES;
        ByteBuf buf = alloc.buffer(head.prefix.length + 14 + extraBytes + (copy ? length : 0));
        buf.writeBytes(head.prefix); // ends with "content-length: "
        writeDigits(buf, length);
        buf.writeShort(CRLF_SHORT);
        if (trace != null) {
            trace.writeTraceparentLine(traceLine, 0);
            buf.writeBytes(traceLine);
        }
        if (extras > 0) {
            String[] kept = extra;
            for (int i = 0; i < extras; i += 2) {
                buf.writeCharSequence(kept[i], StandardCharsets.US_ASCII);
                buf.writeShort(SEPARATOR_SHORT);
                buf.writeCharSequence(kept[i + 1], StandardCharsets.US_ASCII);
                buf.writeShort(CRLF_SHORT);
                kept[i] = null; // the values are the request's trace ids: not kept past it
                kept[i + 1] = null;
            }
        }
        buf.writeShort(CRLF_SHORT);
        ByteBuf wire;
        if (copy) {
            // Read by the body into the head's buffer: a slice of a pooled buffer copies its memory
            // straight into a buffer that has an address, where the head's buffer reading from the
            // slice would go through an NIO view of it (an object per request).
            int at = buf.writerIndex();
            body.getBytes(body.readerIndex(), buf, at, length);
            buf.writerIndex(at + length);
            body.release();
            wire = buf;
        } else {
            wire = alloc.compositeBuffer(2).addComponents(true, buf, body);
        }
        return new EncodedRequest(head.method, wire);
    }

    /** Heads kept now (for tests). */
    int size() {
        return heads.size();
    }

    private Head head(String basePath, UpstreamRequest req) {
        Head h = last;
        if (h != null && h.matches(basePath, req)) {
            return h;
        }
        Head probe = new Head(req.method(), basePath, req.path(), req.stream(), req.headers());
        h = heads.get(probe);
        if (h == null) {
            if (heads.size() >= MAX_HEADS) {
                heads.clear();
            }
            probe.build(authority);
            heads.put(probe, probe);
            h = probe;
        }
        last = h;
        return h;
    }

    /** One request shape and its encoded prefix (null when it cannot be vouched for). */
    private static final class Head {
        final String methodName;
        final String basePath;
        final String path;
        final boolean stream;
        final List<Map.Entry<String, String>> headers;
        HttpMethod method;
        byte[] prefix;
        /** Lower-case names of the prefix's headers. */
        String[] lowerNames;
        /** Whether one of them is {@code traceparent} (a request's own then takes the header-map path). */
        boolean traceparent;

        Head(String methodName, String basePath, String path, boolean stream, List<Map.Entry<String, String>> headers) {
            this.methodName = methodName;
            this.basePath = basePath;
            this.path = path;
            this.stream = stream;
            this.headers = headers;
        }

        boolean matches(String basePath, UpstreamRequest req) {
            return stream == req.stream() && methodName.equals(req.method()) && path.equals(req.path())
                    && this.basePath.equals(basePath) && (headers == req.headers() || headers.equals(req.headers()));
        }

        boolean names(String name) {
            for (String n : lowerNames) {
                if (n.equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }

        void build(String authority) {
            String target = basePath + path;
            if (!token(methodName) || !uri(target) || !value(authority)) {
                return;
            }
            List<String[]> fields = new ArrayList<>(3 + headers.size());
            fields.add(new String[] {"host", authority});
            fields.add(new String[] {"content-type", "application/json"});
            fields.add(new String[] {"accept", stream ? "text/event-stream" : "application/json"});
            for (Map.Entry<String, String> e : headers) {
                String name = e.getKey();
                String value = e.getValue();
                if (!token(name) || !value(value)) {
                    return;
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (framing(lower)) {
                    return;
                }
                fields.removeIf(f -> f[0].equals(lower));
                fields.add(new String[] {lower, name, value});
            }
            StringBuilder sb = new StringBuilder(256);
            sb.append(methodName).append(' ').append(target);
            byte[] line = ascii(sb.toString());
            int size = line.length + HTTP_1_1_CRLF.length + CONTENT_LENGTH.length;
            for (String[] f : fields) {
                size += f[f.length - 2].length() + f[f.length - 1].length() + 4;
            }
            byte[] p = new byte[size];
            int at = put(p, 0, line);
            at = put(p, at, HTTP_1_1_CRLF);
            String[] lowers = new String[fields.size()];
            for (int i = 0; i < fields.size(); i++) {
                String[] f = fields.get(i);
                lowers[i] = f[0];
                at = put(p, at, ascii(f[f.length - 2]));
                at = put(p, at, SEPARATOR);
                at = put(p, at, ascii(f[f.length - 1]));
                at = put(p, at, CRLF);
            }
            put(p, at, CONTENT_LENGTH); // the per-request value follows
            method = HttpMethod.valueOf(methodName);
            lowerNames = lowers;
            traceparent = names("traceparent");
            prefix = p;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Head h && stream == h.stream && methodName.equals(h.methodName) && path.equals(h.path)
                    && basePath.equals(h.basePath) && headers.equals(h.headers);
        }

        @Override
        public int hashCode() {
            return Objects.hash(methodName, basePath, path, stream, headers);
        }

        @Override
        public String toString() {
            return "Head(" + methodName + " " + basePath + path + ")"; // never the header values
        }
    }

    private static int put(byte[] into, int at, byte[] b) {
        System.arraycopy(b, 0, into, at, b.length);
        return at + b.length;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A header that frames the body: the wire form writes its own content-length and nothing else. */
    private static boolean framing(String name) {
        return name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding");
    }

    /** RFC 9110 token: what a method or a header name may be. */
    static boolean token(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Visible ASCII with inner spaces or tabs; not empty at either end. */
    static boolean value(String s) {
        if (s == null) {
            return false;
        }
        int n = s.length();
        if (n > 0 && (blank(s.charAt(0)) || blank(s.charAt(n - 1)))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!((c > 0x20 && c < 0x7f) || blank(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean blank(char c) {
        return c == ' ' || c == '\t';
    }

    /** A request target of visible ASCII, starting with a slash. */
    static boolean uri(String s) {
        if (s.isEmpty() || s.charAt(0) != '/') {
            return false;
        }
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
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

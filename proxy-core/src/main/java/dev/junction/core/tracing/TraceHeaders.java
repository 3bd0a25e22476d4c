package dev.junction.core.tracing;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;

/**
 * The trace context headers of one vendor call when spans are not exported: {@code traceparent}
 * with a new random span id of the request's trace, and {@code tracestate} as the client sent it.
 * A map of those headers to whoever reads it as one (made on first use, and the same from then
 * on); the upstream client instead writes the {@code traceparent} line straight into the request's
 * bytes ({@link #writeTraceparentLine}): no string, no map and no per-request checks of a value
 * made of checked hex.
 */
public final class TraceHeaders extends AbstractMap<String, String> {

    /** {@code "traceparent: "}, the value and CR LF: the bytes {@link #writeTraceparentLine} writes. */
    public static final int TRACEPARENT_LINE = 13 + 55 + 2;
    private static final byte[] NAME = "traceparent: ".getBytes(StandardCharsets.US_ASCII);

    private final String traceId;
    private final long spanId;
    private final String flags;
    private final String tracestate;
    private Map<String, String> map;

    /** {@code traceId} and {@code flags} are lowercase hex of 32 and 2 digits (see {@link #of}). */
    private TraceHeaders(String traceId, long spanId, String flags, String tracestate) {
        this.traceId = traceId;
        this.spanId = spanId;
        this.flags = flags;
        this.tracestate = tracestate == null || tracestate.isEmpty() ? null : tracestate;
    }

    /**
     * The headers of a call by a new random span of trace {@code traceId}, or a plain map of them
     * when the ids are not of the lengths {@link TraceParent#parse} and {@link TraceParent#newTraceId}
     * give.
     */
    public static Map<String, String> of(String traceId, String flags, String tracestate) {
        if (traceId.length() != 32 || flags.length() != 2) {
            return plain(TraceParent.format(traceId, TraceParent.newSpanId(), flags),
                    tracestate == null || tracestate.isEmpty() ? null : tracestate);
        }
        return new TraceHeaders(traceId, TraceParent.randomSpan(), flags, tracestate);
    }

    /** Whether {@code traceparent} is the only header (no {@code tracestate}). */
    public boolean traceparentOnly() {
        return tracestate == null;
    }

    /**
     * Writes {@code traceparent: <value>\r\n} ({@value #TRACEPARENT_LINE} bytes) into {@code b} at
     * {@code at}: the bytes the header's name, its value as {@link #get} gives it and CR LF are.
     */
    public void writeTraceparentLine(byte[] b, int at) {
        System.arraycopy(NAME, 0, b, at, 13);
        TraceParent.writeValue(traceId, spanId, flags, b, at + 13);
        b[at + 68] = '\r';
        b[at + 69] = '\n';
    }

    private Map<String, String> map() {
        Map<String, String> m = map;
        if (m == null) {
            byte[] b = new byte[55];
            TraceParent.writeValue(traceId, spanId, flags, b, 0);
            m = map = plain(new String(b, StandardCharsets.ISO_8859_1), tracestate);
        }
        return m;
    }

    /** The headers as an immutable map: {@code traceparent}, and {@code tracestate} unless null. */
    private static Map<String, String> plain(String traceparent, String tracestate) {
        return tracestate != null
                ? Map.of("traceparent", traceparent, "tracestate", tracestate)
                : Map.of("traceparent", traceparent);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return map().entrySet();
    }

    @Override
    public String get(Object key) {
        return map().get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map().containsKey(key);
    }

    @Override
    public int size() {
        return tracestate != null ? 2 : 1;
    }

    @Override
    public boolean isEmpty() {
        return false;
    }
}

package dev.junction.core.tracing;

import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A W3C Trace Context {@code traceparent} (https://www.w3.org/TR/trace-context/#traceparent-header):
 * trace id, parent id and flags, as lowercase hex.
 */
public record TraceParent(String traceId, String parentId, String flags) {

    private static final String INVALID_TRACE = "00000000000000000000000000000000";
    private static final String INVALID_SPAN = "0000000000000000";

    /**
     * The parsed header, or null when it is missing or malformed (then a new trace starts and
     * {@code tracestate} is dropped, as the specification asks).
     */
    public static TraceParent parse(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        // version "00" is exactly 55 characters; a later version may append fields after a '-'.
        if (h.length() < 55 || (h.length() > 55 && h.charAt(55) != '-') || h.charAt(2) != '-' || h.charAt(35) != '-'
                || h.charAt(52) != '-') {
            return null;
        }
        String version = h.substring(0, 2);
        if (!hex(version) || version.equals("ff") || (version.equals("00") && h.length() != 55)) {
            return null;
        }
        String trace = h.substring(3, 35);
        String parent = h.substring(36, 52);
        String flags = h.substring(53, 55);
        if (!hex(trace) || !hex(parent) || !hex(flags) || trace.equals(INVALID_TRACE) || parent.equals(INVALID_SPAN)) {
            return null;
        }
        return new TraceParent(trace, parent, flags);
    }

    public boolean sampled() {
        return (Character.digit(flags.charAt(1), 16) & 1) == 1;
    }

    /** The header value for a call made by span {@code spanId} of this trace. */
    public static String format(String traceId, String spanId, String flags) {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    /** A random 16-byte trace id. */
    public static String newTraceId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi;
        long lo;
        do {
            hi = r.nextLong();
            lo = r.nextLong();
        } while (hi == 0 && lo == 0);
        byte[] b = SCRATCH.get();
        hex16(hi, b, 0);
        hex16(lo, b, 16);
        return new String(b, 0, 32, StandardCharsets.ISO_8859_1);
    }

    /** A random 8-byte span id. */
    public static String newSpanId() {
        byte[] b = SCRATCH.get();
        hex16(randomSpan(), b, 0);
        return new String(b, 0, 16, StandardCharsets.ISO_8859_1);
    }

    /** A random span id, not zero. */
    static long randomSpan() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long id;
        do {
            id = r.nextLong();
        } while (id == 0);
        return id;
    }

    /**
     * The 55 bytes of the header value for span {@code spanId} of trace {@code traceId} (32 hex
     * digits) with {@code flags} (2), into {@code b} at {@code at}: what {@link #format} gives.
     */
    static void writeValue(String traceId, long spanId, String flags, byte[] b, int at) {
        b[at] = '0';
        b[at + 1] = '0';
        b[at + 2] = '-';
        for (int i = 0; i < 32; i++) {
            b[at + 3 + i] = (byte) traceId.charAt(i);
        }
        b[at + 35] = '-';
        hex16(spanId, b, at + 36);
        b[at + 52] = '-';
        b[at + 53] = (byte) flags.charAt(0);
        b[at + 54] = (byte) flags.charAt(1);
    }

    /** Where ids are written before they become strings (32 bytes: a trace id). */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[32];
        }
    };

    private static final byte[] HEX = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

    /** {@code v} as 16 lower-case hex digits (zero-padded) at {@code b[at]}: one string per id, no padding copies. */
    private static void hex16(long v, byte[] b, int at) {
        for (int i = at + 15; i >= at; i--) {
            b[i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}

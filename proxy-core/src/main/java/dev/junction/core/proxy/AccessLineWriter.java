package dev.junction.core.proxy;

import com.fasterxml.jackson.core.io.NumberOutput;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Renders access-log entries as JSON lines straight into UTF-8 bytes, in one buffer that is reused
 * (each event loop has one for the lines of its requests, the access-log writer thread one for its
 * batches; a writer is used by one thread only). Same fields, same order and same JSON
 * values as a Jackson generator would write (checked line by line against one in
 * {@code AccessLineWriterTest}); strings are escaped as JSON requires: quote, backslash and control
 * characters ({@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f}, else {@code \}{@code u00XX}),
 * a lone surrogate as its {@code \}{@code uXXXX} escape, everything else as UTF-8.
 */
final class AccessLineWriter {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Below this many bytes a batch writer's buffer is kept between batches; a larger one is let go. */
    static final int KEEP_BYTES = 1 << 20;
    /** The same for a line writer (a line that logs a large request body). */
    static final int KEEP_LINE_BYTES = 64 * 1024;
    private static final int INITIAL_BYTES = 64 * 1024;
    private static final int KEEP_CHARS = 64 * 1024;

    // The fixed text of a line (member names and punctuation), as bytes.
    private static final byte[] K_NULL = ascii("null");
    private static final byte[] K_ID = ascii("{\"id\":");
    private static final byte[] K_TRACE_ID = ascii(",\"trace_id\":");
    private static final byte[] K_METHOD = ascii(",\"method\":");
    private static final byte[] K_PATH = ascii(",\"path\":");
    private static final byte[] K_KEY = ascii(",\"key\":");
    private static final byte[] K_ALIAS = ascii(",\"alias\":");
    private static final byte[] K_DEPLOYMENT = ascii(",\"deployment\":");
    private static final byte[] K_STATUS = ascii(",\"status\":");
    private static final byte[] K_ERROR = ascii(",\"error\":");
    private static final byte[] K_HEDGED_TRUE = ascii(",\"hedged\":true");
    private static final byte[] K_CACHE = ascii(",\"cache\":");
    private static final byte[] K_COST_USD = ascii(",\"cost_usd\":");
    private static final byte[] K_LIMITED = ascii(",\"limited\":");
    private static final byte[] K_LIMIT_STORE_ROUND_TRIPS = ascii(",\"limit_store_round_trips\":");
    private static final byte[] K_NO_RETRY = ascii(",\"no_retry\":");
    private static final byte[] K_PROMPT_TOKENS = ascii(",\"prompt_tokens\":");
    private static final byte[] K_COMPLETION_TOKENS = ascii(",\"completion_tokens\":");
    private static final byte[] K_ATTEMPTS = ascii(",\"attempts\":[");
    private static final byte[] K_OUTCOME = ascii(",\"outcome\":");
    private static final byte[] K_MS = ascii(",\"ms\":");
    private static final byte[] K_WARNINGS = ascii(",\"warnings\":[");
    private static final byte[] K_TIMING = ascii(",\"timing\":\"");
    private static final byte[] K_COMMA_SPACE = ascii(", ");
    private static final byte[] K_TOTAL_DUR = ascii("total;dur=");
    private static final byte[] K_REQUEST_BODY = ascii(",\"request_body\":");
    private static final byte[] K_END_LINE = ascii("}\n");
    private static final byte[] K_STREAM_TRUE = ascii(",\"stream\":true");
    private static final byte[] K_STREAM_FALSE = ascii(",\"stream\":false");
    private static final byte[] K_FIRST_ATTEMPT = ascii("{\"deployment\":");
    private static final byte[] K_NEXT_ATTEMPT = ascii(",{\"deployment\":");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** What a line writer starts with: a proxied request's line is 300-500 bytes. */
    static final int LINE_BYTES = 1024;

    private final int initialBytes;
    private final int keepBytes;
    private byte[] buf;
    /** A string's chars, copied out once (faster to scan than charAt). */
    private char[] chars = new char[256];
    private int len;

    /** A batch writer (64 KiB to start with). */
    AccessLineWriter() {
        this(INITIAL_BYTES, KEEP_BYTES);
    }

    AccessLineWriter(int initialBytes, int keepBytes) {
        this.initialBytes = initialBytes;
        this.keepBytes = keepBytes;
        this.buf = new byte[initialBytes];
    }

    /** The buffer the bytes are written to (from 0, {@link #length()} of them); valid until the next write. */
    byte[] buffer() {
        return buf;
    }

    /** Bytes written since the last {@link #reset}. */
    int length() {
        return len;
    }

    /** The bytes written so far, in an array of their own. */
    byte[] copy() {
        return Arrays.copyOf(buf, len);
    }

    /** Starts a new batch (and lets go of a buffer a huge batch made grow). */
    void reset() {
        len = 0;
        if (buf.length > keepBytes) {
            buf = new byte[initialBytes];
        }
    }

    /** Appends bytes rendered by another writer (whole lines). */
    void append(byte[] lines) {
        raw(lines);
    }

    /** Appends {@code e} as one JSON object followed by a newline. */
    void line(AccessLine e) {
        raw(K_ID);
        string(e.id());
        if (e.traceId() != null) {
            raw(K_TRACE_ID);
            string(e.traceId());
        }
        raw(K_METHOD);
        string(e.method());
        raw(K_PATH);
        string(e.path());
        raw(K_KEY);
        string(e.key());
        raw(K_ALIAS);
        string(e.alias());
        raw(K_DEPLOYMENT);
        string(e.deployment());
        raw(K_STATUS);
        number(e.status());
        if (e.error() != null) {
            raw(K_ERROR);
            string(e.error());
        }
        raw(e.stream() ? K_STREAM_TRUE : K_STREAM_FALSE);
        if (e.hedged()) {
            raw(K_HEDGED_TRUE);
        }
        if (e.cache() != null) {
            raw(K_CACHE); // hit | miss | bypass (docs/cache.md)
            string(e.cache());
        }
        if (e.costUsd() > 0) {
            raw(K_COST_USD);
            number(e.costUsd());
        }
        if (e.limited() != null) {
            raw(K_LIMITED);
            string(e.limited());
        }
        if (e.limitRoundTrips() > 0) {
            raw(K_LIMIT_STORE_ROUND_TRIPS);
            number(e.limitRoundTrips());
        }
        if (e.noRetry() != null) {
            raw(K_NO_RETRY);
            string(e.noRetry());
        }
        if (e.promptTokens() >= 0) {
            raw(K_PROMPT_TOKENS);
            number(e.promptTokens());
            raw(K_COMPLETION_TOKENS);
            number(e.completionTokens());
        }
        raw(K_ATTEMPTS);
        // By index, not by iterator: the lists are the request's own ArrayLists (or small immutable
        // lists), and an iterator per list was an object per line when this method is not inlined.
        java.util.List<RequestContext.Attempt> attempts = e.attempts();
        for (int i = 0, n = attempts.size(); i < n; i++) {
            RequestContext.Attempt a = attempts.get(i);
            raw(i == 0 ? K_FIRST_ATTEMPT : K_NEXT_ATTEMPT);
            string(a.deployment());
            raw(K_OUTCOME);
            string(a.outcome());
            raw(K_STATUS);
            number(a.status());
            raw(K_MS);
            thousandths(Math.round(a.millis() * 1000));
            put('}');
        }
        put(']');
        java.util.List<String> warnings = e.warnings();
        if (!warnings.isEmpty()) {
            raw(K_WARNINGS);
            for (int i = 0, n = warnings.size(); i < n; i++) {
                if (i > 0) {
                    put(',');
                }
                string(warnings.get(i));
            }
            put(']');
        }
        raw(K_TIMING);
        CharSequence timing = e.timing();
        if (timing instanceof Plain p) {
            raw(p.bytes, p.length); // a request's own stages: nothing to escape
        } else {
            escaped(timing);
        }
        if (!timing.isEmpty()) {
            raw(K_COMMA_SPACE);
        }
        raw(K_TOTAL_DUR);
        millis(e.totalNanos());
        put('"');
        if (e.requestBody() != null) {
            raw(K_REQUEST_BODY);
            string(e.requestBody());
        }
        raw(K_END_LINE);
    }

    // ---- values ----------------------------------------------------------------------------------

    private void string(String s) {
        if (s == null) {
            raw(K_NULL);
            return;
        }
        put('"');
        escaped(s);
        put('"');
    }

    /**
     * {@code cs} JSON-escaped, as UTF-8, without quotes: an {@link AsciiString} (bytes read as
     * ISO-8859-1 chars, e.g. the record's timing) straight from its bytes, anything else as its String.
     */
    private void escaped(CharSequence cs) {
        if (cs instanceof AsciiString a) {
            escaped(a.array(), a.arrayOffset(), a.length());
        } else {
            escaped(cs.toString());
        }
    }

    /** The ISO-8859-1 chars {@code b[from, from + n)} JSON-escaped, as UTF-8 (as the String of those chars would be). */
    private void escaped(byte[] b, int from, int n) {
        ensure(n);
        byte[] out = buf;
        int p = len;
        int i = 0;
        for (; i < n; i++) {
            byte c = b[from + i];
            if (c < 0x20 || c == '"' || c == '\\') { // negative: 0x80 and above
                break;
            }
            out[p++] = c;
        }
        len = p;
        for (; i < n; i++) {
            char c = (char) (b[from + i] & 0xff);
            if (c >= 0x80) {
                ensure(2);
                buf[len++] = (byte) (0xc0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            } else if (c >= 0x20 && c != '"' && c != '\\') {
                put(c);
            } else {
                escape(c);
            }
        }
    }

    /** {@code s} JSON-escaped, as UTF-8, without quotes. */
    private void escaped(String s) {
        int n = s.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, chars.length * 2)];
        }
        char[] cs = chars;
        s.getChars(0, n, cs, 0);
        ensure(n);
        int i = 0;
        // Fast path: printable ASCII needing no escape, one byte per char.
        byte[] b = buf;
        int p = len;
        for (; i < n; i++) {
            char c = cs[i];
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            b[p++] = (byte) c;
        }
        len = p;
        for (; i < n; i++) {
            char c = cs[i];
            if (c < 0x80) {
                if (c >= 0x20 && c != '"' && c != '\\') {
                    put(c);
                } else {
                    escape(c);
                }
            } else if (c < 0x800) {
                ensure(2);
                buf[len++] = (byte) (0xc0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(cs[i + 1])) {
                    int cp = Character.toCodePoint(c, cs[++i]);
                    ensure(4);
                    buf[len++] = (byte) (0xf0 | (cp >> 18));
                    buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    buf[len++] = (byte) (0x80 | (cp & 0x3f));
                } else {
                    unicodeEscape(c); // a lone surrogate has no UTF-8 form
                }
            } else {
                ensure(3);
                buf[len++] = (byte) (0xe0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                buf[len++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        if (cs.length > KEEP_CHARS) {
            chars = new char[256]; // a huge request body: let go of the copy
        }
    }

    private void escape(char c) {
        char short_ = switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            case '\b' -> 'b';
            case '\f' -> 'f';
            default -> 0;
        };
        if (short_ != 0) {
            ensure(2);
            buf[len++] = '\\';
            buf[len++] = (byte) short_;
        } else {
            unicodeEscape(c);
        }
    }

    private void unicodeEscape(char c) {
        ensure(6);
        buf[len++] = '\\';
        buf[len++] = 'u';
        buf[len++] = HEX[(c >> 12) & 0xf];
        buf[len++] = HEX[(c >> 8) & 0xf];
        buf[len++] = HEX[(c >> 4) & 0xf];
        buf[len++] = HEX[c & 0xf];
    }

    private void number(long v) {
        if (v == Long.MIN_VALUE) {
            raw("-9223372036854775808");
            return;
        }
        ensure(20);
        if (v < 0) {
            buf[len++] = '-';
            v = -v;
        }
        digits(v);
    }

    /** "00" to "99": numbers are written two digits per division. */
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** The decimal digits of {@code v >= 0} (room for 20 bytes is there). */
    private void digits(long v) {
        if (v <= Integer.MAX_VALUE) {
            digits((int) v);
            return;
        }
        int start = len;
        do {
            buf[len++] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = len - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    /**
     * The decimal digits of {@code v >= 0}, from the last: its width is known first, so the digits
     * are written in place, two per division, without reversing them.
     */
    private void digits(int v) {
        int p = len + width(v);
        len = p;
        byte[] b = buf;
        while (v >= 100) {
            int r = v % 100;
            v /= 100;
            b[--p] = PAIRS[2 * r + 1];
            b[--p] = PAIRS[2 * r];
        }
        if (v >= 10) {
            b[--p] = PAIRS[2 * v + 1];
            b[--p] = PAIRS[2 * v];
        } else {
            b[--p] = (byte) ('0' + v);
        }
    }

    /** How many decimal digits {@code v >= 0} has. */
    private static int width(int v) {
        int n = 1;
        for (int t = 10; n < 10 && v >= t; t *= 10) {
            n++;
        }
        return n;
    }

    /**
     * A double as a JSON generator writes one, quoted when not finite. The digits are the shortest
     * that read back as the same double (Jackson's Schubfach writer, several times faster than
     * {@link Double#toString} of Java 17, which is not always the shortest but reads back the same).
     */
    private void number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            put('"');
            raw(Double.toString(d));
            put('"');
        } else {
            raw(NumberOutput.toString(d, true));
        }
    }

    /**
     * The double {@code k / 1000.0} as a JSON number ("12.345", "12.0"): the decimal {@code k/1000}
     * with trailing zeros dropped, which reads back as the same double; beyond a trillion (where
     * {@code k} would be rounded before the division) {@link Double#toString} is used.
     */
    private void thousandths(long k) {
        if (k >= 1_000_000_000_000L || k <= -1_000_000_000_000L) {
            raw(Double.toString(k / 1000.0));
            return;
        }
        ensure(24);
        if (k < 0) {
            buf[len++] = '-';
            k = -k;
        }
        digits(k / 1000);
        buf[len++] = '.';
        int f = (int) (k % 1000);
        buf[len++] = (byte) ('0' + f / 100);
        if (f % 100 != 0) {
            buf[len++] = (byte) ('0' + f / 10 % 10);
            if (f % 10 != 0) {
                buf[len++] = (byte) ('0' + f % 10);
            }
        }
    }

    /** {@code nanos} as milliseconds with three decimals, as {@link RequestContext#putMillis} writes them. */
    private void millis(long nanos) {
        long us = Math.max(0, (nanos + 500) / 1000);
        ensure(24);
        digits(us / 1000);
        buf[len++] = '.';
        int f = (int) (us % 1000);
        buf[len++] = (byte) ('0' + f / 100);
        buf[len++] = (byte) ('0' + f / 10 % 10);
        buf[len++] = (byte) ('0' + f % 10);
    }

    private void raw(byte[] ascii) {
        raw(ascii, ascii.length);
    }

    private void raw(byte[] ascii, int n) {
        ensure(n);
        System.arraycopy(ascii, 0, buf, len, n);
        len += n;
    }

    /**
     * ASCII text that a JSON string holds as it is (visible characters and space, no quote, no
     * backslash), written without looking at it: a request's Server-Timing entries, made of the
     * code's own stage names and digits ({@link RequestContext#timingView()}).
     */
    static final class Plain implements CharSequence {
        private byte[] bytes;
        private int length;

        Plain(byte[] bytes, int length) {
            of(bytes, length);
        }

        /** Points this view at {@code length} bytes of {@code bytes} (a per-thread view is reused from line to line). */
        Plain of(byte[] bytes, int length) {
            this.bytes = bytes;
            this.length = length;
            return this;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public char charAt(int index) {
            java.util.Objects.checkIndex(index, length);
            return (char) bytes[index];
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return toString().subSequence(start, end);
        }

        @Override
        public String toString() {
            return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
        }
    }

    /** ASCII text that needs no escaping (numbers' text). */
    private void raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[len + i] = (byte) ascii.charAt(i);
        }
        len += n;
    }

    private void put(char ascii) {
        ensure(1);
        buf[len++] = (byte) ascii;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}

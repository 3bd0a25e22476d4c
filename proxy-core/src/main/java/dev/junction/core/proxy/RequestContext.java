package dev.junction.core.proxy;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.HeadWriter;
import dev.junction.core.http.HttpResponses;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;

/**
 * One client request's record (DESIGN "one exchange object that records its attempts"): identity,
 * stage timings and attempts. Written by the request's event loop only; the access log and the
 * metrics read it when the request ends.
 */
public final class RequestContext {

    /** One upstream attempt and how it ended. */
    public record Attempt(String deployment, String provider, String outcome, int status, double millis) {
    }

    public final String requestId;
    public final long startNanos;
    public final String method;
    public final String path;
    public KeyConfig key;
    /** Set when the request is a task being run (SPEC §6): the task's id and owning key name. */
    public String taskId;
    public String taskOwner;
    public String alias;
    public String deployment;
    public String provider;
    /** The served provider's vendor type (openai, anthropic, ...). */
    public String providerType;
    /** The request's W3C trace (SPEC §8); null only before the request is dispatched. */
    public dev.junction.core.tracing.RequestTrace trace;
    public String upstreamModel;
    public int status;
    public String errorCode;
    /** Why the last failure was not retried, when it was not (metrics label). */
    public String noRetryReason;
    public boolean stream;
    /** A hedge attempt was started (SPEC §7). */
    public boolean hedged;
    /** True for model requests (counted in the request metrics). */
    public boolean proxied;
    public long ttftNanos = -1;
    /** Cost of the served attempt from the catalog's prices (0 when unpriced). */
    public double costUsd;
    /** The request body (first 64 KiB), only when access-log.include-prompts is on. */
    public String requestBody;
    public long promptTokens = -1;
    public long completionTokens = -1;
    /** The key's limiter reservation (SPEC §7.1), settled when the request is recorded; null when none. */
    public dev.junction.core.limits.Admission admission;
    /** Round trips to the shared limit store for this request (reserve + settle). */
    public int limitRoundTrips;
    /** The request's token estimate: prompt plus the output it may produce (tpm reservations). */
    public long tokenEstimate;
    /** Prompt tokens estimated from the body (what tpm reserved for the prompt). */
    public long estimatedPromptTokens;
    /**
     * What the response cache did (docs/cache.md): {@code hit}, {@code miss} or {@code bypass}; null
     * when the alias does not cache. Sent as {@code x-junction-cache} and logged.
     */
    public String cache;
    /** Content frames written to the client on a stream (what an abandoned stream produced). */
    public long streamFrames;
    public final List<Attempt> attempts = new ArrayList<>(2);
    public final List<String> warnings = new ArrayList<>(0);
    /**
     * The Server-Timing entries so far, as ASCII bytes (they become a header value without a String).
     * Sized for a proxied request's four stages and the room {@link #appendTiming} asks for.
     */
    private byte[] timing = new byte[128];
    private int timingLength;
    private long mark;
    /** When the request ended ({@link #end()}); 0 until then. */
    private long endNanos;

    public RequestContext(String requestId, long startNanos, String method, String path) {
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.method = method;
        this.path = path;
        this.mark = startNanos;
    }

    /**
     * The instant the request ended (System.nanoTime() scale): read once, by the first that asks —
     * the answer's last message when it is decorated (its Server-Timing {@code total}), else the
     * request's recording — and the same instant for everything that measures the whole request
     * afterwards (the access line's {@code total}, the duration metrics), instead of a clock read
     * of each.
     */
    public long end() {
        long e = endNanos;
        if (e == 0) {
            e = System.nanoTime();
            endNanos = e == 0 ? 1 : e;
        }
        return e;
    }

    /** Records the time since the previous stage under {@code stage} (Server-Timing, SPEC §3). */
    public void stage(String stage, long nowNanos) {
        appendTiming(stage, nowNanos - mark);
        mark = nowNanos;
    }

    /** Records a duration measured elsewhere (e.g. connect, ttfb of the winning attempt). */
    public void duration(String stage, long nanos) {
        appendTiming(stage, nanos);
    }

    /** {@code stage} is an ASCII metric name of the code's own ({@code route}, {@code ttfb}, ...). */
    private void appendTiming(String stage, long nanos) {
        int n = stage.length();
        ensureTiming(n + 2 + DUR.length + MILLIS_MAX);
        byte[] b = timing;
        int p = timingLength;
        if (p > 0) {
            b[p++] = ',';
            b[p++] = ' ';
        }
        for (int i = 0; i < n; i++) {
            b[p++] = (byte) stage.charAt(i);
        }
        System.arraycopy(DUR, 0, b, p, DUR.length);
        timingLength = putMillis(b, p + DUR.length, nanos);
    }

    private static final byte[] DUR = {';', 'd', 'u', 'r', '='};
    private static final byte[] TOTAL = {'t', 'o', 't', 'a', 'l', ';', 'd', 'u', 'r', '='};
    /** Most bytes {@link #putMillis} writes: a long's digits, the point and three decimals. */
    private static final int MILLIS_MAX = 24;

    private void ensureTiming(int more) {
        if (timingLength + more > timing.length) {
            timing = java.util.Arrays.copyOf(timing, Math.max(timing.length * 2, timingLength + more));
        }
    }

    /**
     * Writes {@code nanos} as milliseconds with three decimals ("12.345") at {@code p} (room for
     * {@link #MILLIS_MAX} bytes is there); returns the position after them.
     */
    static int putMillis(byte[] b, int p, long nanos) {
        long us = Math.max(0, (nanos + 500) / 1000);
        long ms = us / 1000;
        int start = p;
        do {
            b[p++] = (byte) ('0' + (int) (ms % 10));
            ms /= 10;
        } while (ms != 0);
        for (int i = start, j = p - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        int f = (int) (us % 1000);
        b[p++] = '.';
        b[p++] = (byte) ('0' + f / 100);
        b[p++] = (byte) ('0' + f / 10 % 10);
        b[p++] = (byte) ('0' + f % 10);
        return p;
    }

    /**
     * The Server-Timing header value so far, optionally closing with {@code total}: ASCII bytes in an
     * {@link AsciiString}, which the HTTP encoder copies as they are.
     */
    public AsciiString serverTiming(boolean withTotal, long nowNanos) {
        if (!withTotal) {
            return new AsciiString(timing, 0, timingLength, true);
        }
        byte[] b = java.util.Arrays.copyOf(timing, timingLength + 2 + TOTAL.length + MILLIS_MAX);
        int p = timingLength;
        if (p > 0) {
            b[p++] = ',';
            b[p++] = ' ';
        }
        System.arraycopy(TOTAL, 0, b, p, TOTAL.length);
        p = putMillis(b, p + TOTAL.length, nowNanos - startNanos);
        return new AsciiString(b, 0, p, false);
    }

    /**
     * Adds the Server-Timing header (the entries so far, optionally closed with {@code total}) to an
     * answer in wire form; the same value as {@link #serverTiming(boolean, long)}. A JSON answer's
     * head takes it from this record's bytes without a copy.
     */
    public void serverTiming(HeadWriter w, boolean withTotal, long nowNanos) {
        if (!(w instanceof EncodedResponse.Builder b)) {
            w.header(HttpResponses.SERVER_TIMING, serverTiming(withTotal, nowNanos));
            return;
        }
        if (!withTotal) {
            b.header(HttpResponses.SERVER_TIMING, timing, 0, timingLength);
            return;
        }
        // The total goes after the entries without becoming one of them (timingLength stays).
        ensureTiming(2 + TOTAL.length + MILLIS_MAX);
        byte[] t = timing;
        int p = timingLength;
        if (p > 0) {
            t[p++] = ',';
            t[p++] = ' ';
        }
        System.arraycopy(TOTAL, 0, t, p, TOTAL.length);
        p = putMillis(t, p + TOTAL.length, nowNanos - startNanos);
        b.header(HttpResponses.SERVER_TIMING, t, 0, p);
    }

    /**
     * The Server-Timing entries so far (without {@code total}) as a view of this record's bytes, for
     * the access line rendered at once (no String, no copy, and nothing to escape: stage names of
     * the code's own and digits).
     */
    AccessLineWriter.Plain timingView() {
        return new AccessLineWriter.Plain(timing, timingLength);
    }

    /** {@link #timingView()} in {@code view}, re-pointed at this record's bytes (no object). */
    AccessLineWriter.Plain timingView(AccessLineWriter.Plain view) {
        return view.of(timing, timingLength);
    }

    /** The Server-Timing entries so far (without {@code total}). */
    public String timing() {
        return new String(timing, 0, timingLength, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}

package dev.junction.core.proxy;

import dev.junction.core.config.KeyConfig;

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
    private final StringBuilder timing = new StringBuilder(96);
    private long mark;

    public RequestContext(String requestId, long startNanos, String method, String path) {
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.method = method;
        this.path = path;
        this.mark = startNanos;
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

    private void appendTiming(String stage, long nanos) {
        if (timing.length() > 0) {
            timing.append(", ");
        }
        timing.append(stage).append(";dur=");
        appendMillis(timing, nanos);
    }

    /** Appends {@code nanos} as milliseconds with three decimals ("12.345"), without allocating. */
    static void appendMillis(StringBuilder b, long nanos) {
        long us = Math.max(0, (nanos + 500) / 1000);
        b.append(us / 1000).append('.');
        int f = (int) (us % 1000);
        if (f < 100) {
            b.append('0');
        }
        if (f < 10) {
            b.append('0');
        }
        b.append(f);
    }

    /** The Server-Timing header value so far, optionally closing with {@code total}. */
    public String serverTiming(boolean withTotal, long nowNanos) {
        if (!withTotal) {
            return timing.toString();
        }
        StringBuilder b = new StringBuilder(timing);
        if (b.length() > 0) {
            b.append(", ");
        }
        b.append("total;dur=");
        appendMillis(b, nowNanos - startNanos);
        return b.toString();
    }
}

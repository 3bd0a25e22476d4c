package dev.junction.core.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One structured JSON line per request on the {@code access} logger (SPEC §8): id, key name,
 * alias, chosen deployment, attempts with their outcome, status, tokens, cost, what the key's limits
 * decided (and the limit store's round trips) and stage timings. No
 * prompt text and never a key.
 *
 * <p>The event loop only takes a snapshot of the finished request and offers it to a bounded
 * queue; it never formats, never writes and never waits. One writer thread drains the queue in
 * batches, renders each entry as a JSON line and hands the whole batch to the {@code access}
 * logger as ONE event whose message is the lines joined by newlines (so the appender writes, and
 * flushes, once per batch instead of once per request). When the queue is full the entry is
 * dropped and counted ({@link #dropped()}, {@code junction_access_log_dropped_total}): a log that
 * cannot keep up must not slow the traffic it describes.
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Entries waiting for the writer; beyond this many, new ones are dropped. */
    static final int QUEUE_CAPACITY = 16 * 1024;
    /** Most entries rendered into one logger event. */
    static final int MAX_BATCH = 1024;
    /** How long the writer lets a batch gather after writing one, while requests keep coming. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ArrayBlockingQueue<Entry> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean writerIdle;
    private volatile boolean closed;

    /** What one line says, copied from the request's record on its event loop when it ends. */
    record Entry(String id, String traceId, String method, String path, String key, String alias, String deployment, int status,
                 String error, boolean stream, boolean hedged, double costUsd, String noRetry, long promptTokens,
                 long completionTokens, List<RequestContext.Attempt> attempts, List<String> warnings, String timing,
                 String requestBody, String limited, int limitRoundTrips, String cache) {
    }

    public AccessLog() {
        this(QUEUE_CAPACITY, true);
    }

    /** With {@code start} false the writer waits for {@link #start()} (tests fill the queue first). */
    AccessLog(int capacity, boolean start) {
        queue = new ArrayBlockingQueue<>(capacity);
        writer = new Thread(this::run, "junction-access-log");
        writer.setDaemon(true);
        if (start) {
            start();
        }
    }

    void start() {
        writer.start();
    }

    /** Queues the access-log line of the finished request {@code rc} (event loop; never blocks). */
    public void write(RequestContext rc) {
        if (closed || !ACCESS.isInfoEnabled()) {
            return;
        }
        Entry e = new Entry(rc.requestId, rc.trace == null ? null : rc.trace.traceId(), rc.method, rc.path, rc.key == null ? null : rc.key.name(), rc.alias,
                rc.deployment, rc.status, rc.errorCode, rc.stream, rc.hedged, rc.costUsd, rc.noRetryReason,
                rc.promptTokens, rc.completionTokens, List.copyOf(rc.attempts),
                rc.warnings.isEmpty() ? List.of() : List.copyOf(rc.warnings), rc.serverTiming(true, System.nanoTime()),
                rc.requestBody, rc.admission != null && !rc.admission.admitted()
                        ? rc.admission.outcome().name().toLowerCase(java.util.Locale.ROOT) : null, rc.limitRoundTrips,
                rc.cache);
        if (!queue.offer(e)) {
            dropped.incrementAndGet();
            return;
        }
        if (writerIdle) {
            writerIdle = false;
            LockSupport.unpark(writer);
        }
    }

    /** Lines dropped so far because the writer was behind by {@link #QUEUE_CAPACITY} entries. */
    public long dropped() {
        return dropped.get();
    }

    /** Stops the writer after it has written every queued line (bounded wait). */
    @Override
    public void close() {
        closed = true;
        if (writer.getState() == Thread.State.NEW) {
            return;
        }
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Entry> batch = new ArrayList<>(MAX_BATCH);
        StringWriter out = new StringWriter(64 * 1024);
        long droppedReported = 0;
        long lastDropWarn = System.nanoTime() - DROP_WARN_INTERVAL_NANOS;
        while (true) {
            queue.drainTo(batch, MAX_BATCH);
            if (batch.isEmpty()) {
                if (closed) {
                    return;
                }
                writerIdle = true;
                // Re-check after announcing: an entry offered before the flag was seen is not missed.
                if (queue.isEmpty() && !closed) {
                    LockSupport.park(this);
                }
                writerIdle = false;
                continue;
            }
            out.getBuffer().setLength(0);
            renderBatch(batch, out);
            boolean full = batch.size() == MAX_BATCH;
            batch.clear();
            try {
                ACCESS.info(out.toString());
            } catch (RuntimeException ex) {
                LOG.warn("access log write failed", ex);
            }
            long d = dropped.get();
            if (d > droppedReported && System.nanoTime() - lastDropWarn >= DROP_WARN_INTERVAL_NANOS) {
                LOG.warn("access log: {} lines dropped so far (the writer could not keep up)", d);
                droppedReported = d;
                lastDropWarn = System.nanoTime();
            }
            if (!full && !closed) {
                // Traffic is flowing: let the next batch gather instead of writing line by line.
                LockSupport.parkNanos(this, LINGER_NANOS);
            }
        }
    }

    /** The batch's lines, joined by newlines, rendered by one generator (not one per line). */
    private static void renderBatch(List<Entry> batch, StringWriter w) {
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.setRootValueSeparator(null);
            boolean first = true;
            for (Entry e : batch) {
                if (!first) {
                    g.writeRaw('\n');
                }
                first = false;
                render(e, g);
            }
        } catch (IOException ex) {
            // A StringWriter does not fail.
        }
    }

    private static void render(Entry e, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", e.id());
        if (e.traceId() != null) {
            g.writeStringField("trace_id", e.traceId());
        }
        g.writeStringField("method", e.method());
        g.writeStringField("path", e.path());
        g.writeStringField("key", e.key());
        g.writeStringField("alias", e.alias());
        g.writeStringField("deployment", e.deployment());
        g.writeNumberField("status", e.status());
        if (e.error() != null) {
            g.writeStringField("error", e.error());
        }
        g.writeBooleanField("stream", e.stream());
        if (e.hedged()) {
            g.writeBooleanField("hedged", true);
        }
        if (e.cache() != null) {
            g.writeStringField("cache", e.cache()); // hit | miss | bypass (docs/cache.md)
        }
        if (e.costUsd() > 0) {
            g.writeNumberField("cost_usd", e.costUsd());
        }
        if (e.limited() != null) {
            g.writeStringField("limited", e.limited());
        }
        if (e.limitRoundTrips() > 0) {
            g.writeNumberField("limit_store_round_trips", e.limitRoundTrips());
        }
        if (e.noRetry() != null) {
            g.writeStringField("no_retry", e.noRetry());
        }
        if (e.promptTokens() >= 0) {
            g.writeNumberField("prompt_tokens", e.promptTokens());
            g.writeNumberField("completion_tokens", e.completionTokens());
        }
        g.writeArrayFieldStart("attempts");
        for (RequestContext.Attempt a : e.attempts()) {
            g.writeStartObject();
            g.writeStringField("deployment", a.deployment());
            g.writeStringField("outcome", a.outcome());
            g.writeNumberField("status", a.status());
            g.writeNumberField("ms", Math.round(a.millis() * 1000) / 1000.0);
            g.writeEndObject();
        }
        g.writeEndArray();
        if (!e.warnings().isEmpty()) {
            g.writeArrayFieldStart("warnings");
            for (String s : e.warnings()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        g.writeStringField("timing", e.timing());
        if (e.requestBody() != null) {
            g.writeStringField("request_body", e.requestBody());
        }
        g.writeEndObject();
    }
}

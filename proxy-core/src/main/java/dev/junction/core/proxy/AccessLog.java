package dev.junction.core.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.PlatformDependent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One structured JSON line per request on the {@code access} logger (SPEC §8): id, key name,
 * alias, chosen deployment, attempts with their outcome, status, tokens, cost, what the key's limits
 * decided (and the limit store's round trips) and stage timings. No
 * prompt text and never a key.
 *
 * <p>When a request ends its event loop renders the line as JSON straight into UTF-8 bytes
 * ({@link AccessLineWriter}, no JSON library, one buffer per loop reused), while the request's
 * fields are still in that core's cache, and offers the line's bytes to a bounded lock-free queue
 * (Netty's multi-producer single-consumer array queue: one compare-and-set per line, where a
 * blocking queue took and released a lock); it never writes and never waits. One writer thread drains the queue in batches, copies the lines one after
 * another into one buffer and hands the whole batch to the {@code access} logger as ONE event whose
 * argument is those bytes ({@link Lines}), so the appender writes, and flushes, once per batch
 * instead of once per request. (The writer thread rendered the lines itself before; reading a
 * dozen objects made on another core cost it more than rendering them costs the loop.) The
 * shipped configuration's {@link AccessLogAppender} writes the bytes unchanged; any other appender
 * sees the lines joined by newlines as the message. When the queue is full the line is dropped and
 * counted ({@link #dropped()}, {@code junction_access_log_dropped_total}): a log that cannot keep
 * up must not slow the traffic it describes.
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    /** Entries waiting for the writer; beyond this many, new ones are dropped (a power of two). */
    static final int QUEUE_CAPACITY = 16 * 1024;
    /** Most entries drained, rendered and written at once. */
    static final int MAX_BATCH = 1024;
    /** A batch's lines go out as one logger event until they reach this many bytes. */
    static final int EVENT_BYTES = 256 * 1024;
    /** How long the writer lets a batch gather after writing one, while requests keep coming. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Each thread's line renderer (the event loops'; anything else that ends a request has its own too). */
    private static final FastThreadLocal<AccessLineWriter> LINE = new FastThreadLocal<>() {
        @Override
        protected AccessLineWriter initialValue() {
            return new AccessLineWriter(AccessLineWriter.LINE_BYTES, AccessLineWriter.KEEP_LINE_BYTES);
        }
    };

    /** Written by any thread that ends a request, read by the writer thread only. */
    private final Queue<byte[]> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean writerIdle;
    private volatile boolean closed;

    /**
     * What one line says, taken from the request's record on its event loop when it ends and
     * rendered there at once (so the lists may be the record's own). {@code timing} is the request's
     * Server-Timing stages so far; the line closes it with {@code total;dur=} from {@code totalNanos}.
     */
    record Entry(String id, String traceId, String method, String path, String key, String alias, String deployment, int status,
                 String error, boolean stream, boolean hedged, double costUsd, String noRetry, long promptTokens,
                 long completionTokens, List<RequestContext.Attempt> attempts, List<String> warnings, String timing,
                 long totalNanos, String requestBody, String limited, int limitRoundTrips, String cache) {
    }

    public AccessLog() {
        this(QUEUE_CAPACITY, true);
    }

    /**
     * With {@code start} false the writer waits for {@link #start()} (tests fill the queue first).
     * {@code capacity} is rounded up to a power of two.
     */
    AccessLog(int capacity, boolean start) {
        queue = PlatformDependent.newFixedMpscQueue(capacity);
        writer = new Thread(this::run, "junction-access-log");
        writer.setDaemon(true);
        if (start) {
            start();
        }
    }

    void start() {
        writer.start();
    }

    /** Renders and queues the access-log line of the finished request {@code rc} (event loop; never blocks). */
    public void write(RequestContext rc) {
        if (closed || !ACCESS.isInfoEnabled()) {
            return;
        }
        offer(entry(rc));
    }

    /** What the line of {@code rc} says, now (the lists are the record's own: render it at once). */
    static Entry entry(RequestContext rc) {
        return new Entry(rc.requestId, rc.trace == null ? null : rc.trace.traceId(), rc.method, rc.path, rc.key == null ? null : rc.key.name(), rc.alias,
                rc.deployment, rc.status, rc.errorCode, rc.stream, rc.hedged, rc.costUsd, rc.noRetryReason,
                rc.promptTokens, rc.completionTokens, rc.attempts, rc.warnings, rc.timing(),
                System.nanoTime() - rc.startNanos,
                rc.requestBody, rc.admission != null && !rc.admission.admitted()
                        ? rc.admission.outcome().name().toLowerCase(java.util.Locale.ROOT) : null, rc.limitRoundTrips,
                rc.cache);
    }

    /** {@code e} as one JSON line's UTF-8 bytes (newline included), rendered with this thread's writer. */
    static byte[] line(Entry e) {
        AccessLineWriter w = LINE.get();
        w.reset();
        w.line(e);
        return w.copy();
    }

    /** Renders {@code e} on this thread and queues its line unless the queue is full (then it is counted as dropped). */
    void offer(Entry e) {
        if (!queue.offer(line(e))) {
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
        List<byte[]> batch = new ArrayList<>(MAX_BATCH);
        AccessLineWriter out = new AccessLineWriter();
        long droppedReported = 0;
        long lastDropWarn = System.nanoTime() - DROP_WARN_INTERVAL_NANOS;
        while (true) {
            byte[] next;
            while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                batch.add(next);
            }
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
            out.reset();
            for (byte[] line : batch) {
                out.append(line);
                if (out.length() >= EVENT_BYTES) {
                    // Long lines (request bodies): several events rather than one huge buffer.
                    emit(out);
                    out.reset();
                }
            }
            if (out.length() > 0) {
                emit(out);
            }
            boolean full = batch.size() == MAX_BATCH;
            batch.clear();
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

    private static void emit(AccessLineWriter out) {
        try {
            ACCESS.info("{}", new Lines(out.copy()));
        } catch (RuntimeException ex) {
            LOG.warn("access log write failed", ex);
        }
    }

    /**
     * The message of one access-logger event: the UTF-8 bytes of one or more JSON lines, each ending
     * in a newline. {@link AccessLogAppender} writes the bytes as they are; any other appender gets
     * {@link #toString()}, the lines joined by newlines (no newline at the end, as a message). The
     * bytes are this object's own: an asynchronous appender may keep it as long as it likes.
     */
    public static final class Lines {
        private final byte[] utf8;

        Lines(byte[] utf8) {
            this.utf8 = utf8;
        }

        /** The lines' bytes, each line ending in a newline (not a copy: do not modify). */
        public byte[] utf8() {
            return utf8;
        }

        @Override
        public String toString() {
            int n = utf8.length > 0 && utf8[utf8.length - 1] == '\n' ? utf8.length - 1 : utf8.length;
            return new String(utf8, 0, n, StandardCharsets.UTF_8);
        }
    }
}

package dev.junction.core.proxy;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.internal.PlatformDependent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
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
 * fields are still in that core's cache, and appends the bytes to its own {@link Block} of lines
 * (64 KiB); it never writes and never waits. A block is published to the writer thread line by line
 * (an ordered store of its length: no lock, no queue node, no per-line array). One writer thread
 * wakes when lines wait (at most every {@value #LINGER_MILLIS} ms while traffic flows), takes what
 * each loop's blocks hold and hands each stretch of whole lines to the {@code access} logger as ONE
 * event whose argument is those bytes ({@link Lines}), so the appender writes, and flushes, once
 * per stretch instead of once per request. A full block is followed by a recycled or new one; a
 * loop has at most {@value #MAX_BLOCKS} blocks, so when the writer falls that far behind a new line
 * is dropped and counted ({@link #dropped()}, {@code junction_access_log_dropped_total}): a log that
 * cannot keep up must not slow the traffic it describes. Lines of one loop come out in the order
 * they were rendered; lines of two loops in stretches, not interleaved line by line (each line is
 * whole, in the order of its loop). Threads that are not event loops share one block list, under
 * a lock.
 *
 * <p>The shipped configuration's {@link AccessLogAppender} writes the bytes unchanged, straight
 * from the block; any other appender sees the lines joined by newlines as the message (and gets a
 * copy of the bytes: it may keep the event).
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);
    /** Bytes of one block of lines (a proxied request's line is 300-500 bytes). */
    static final int BLOCK_BYTES = 64 * 1024;
    /** Most blocks one loop keeps (written, waiting or free): 2 MiB of lines behind the writer. */
    static final int MAX_BLOCKS = 32;
    /** After a round that wrote this many bytes the writer goes again at once. */
    private static final int BUSY_ROUND_BYTES = 256 * 1024;
    static final long LINGER_MILLIS = 5;
    /** How long the writer lets lines gather after writing some, while requests keep coming. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
    private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    /** Each thread's line renderer (the event loops'; anything else that ends a request has its own too). */
    private static final FastThreadLocal<AccessLineWriter> LINE = new FastThreadLocal<>() {
        @Override
        protected AccessLineWriter initialValue() {
            return new AccessLineWriter(AccessLineWriter.LINE_BYTES, AccessLineWriter.KEEP_LINE_BYTES);
        }
    };

    private final int blockBytes;
    private final int maxBlocks;
    /** Full blocks waiting for the writer at which a loop wakes it from its linger. */
    private final int wakeAt;
    /** Every producer's blocks, in the order they were made (read by the writer thread). */
    private final List<Producer> producers = new CopyOnWriteArrayList<>();
    /** The blocks of each event loop (a FastThreadLocalThread). */
    private final FastThreadLocal<Producer> loopProducer = new FastThreadLocal<>() {
        @Override
        protected Producer initialValue() {
            return newProducer();
        }

        @Override
        protected void onRemoval(Producer p) {
            // The thread is ending (Netty removes its thread-locals last): once what it added is
            // written, the writer lets go of its blocks.
            p.retired = true;
        }
    };
    /** The blocks every other thread shares, used under its own lock. */
    private final Producer shared;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean writerIdle;
    private volatile boolean closed;

    /**
     * What one line says, as values of its own (tests, benchmarks, {@link #entry}); a finished
     * request's line is rendered from its record through {@link AccessLine.OfRequest}.
     * {@code timing} is the request's Server-Timing stages so far; the line closes it with
     * {@code total;dur=} from {@code totalNanos}.
     */
    record Entry(String id, String traceId, String method, String path, String key, String alias, String deployment, int status,
                 String error, boolean stream, boolean hedged, double costUsd, String noRetry, long promptTokens,
                 long completionTokens, List<RequestContext.Attempt> attempts, List<String> warnings, CharSequence timing,
                 long totalNanos, String requestBody, String limited, int limitRoundTrips, String cache) implements AccessLine {
    }

    /** Each thread's view of the request whose line it renders. */
    private static final FastThreadLocal<AccessLine.OfRequest> REQUEST_LINE = new FastThreadLocal<>() {
        @Override
        protected AccessLine.OfRequest initialValue() {
            return new AccessLine.OfRequest();
        }
    };

    public AccessLog() {
        this(BLOCK_BYTES, MAX_BLOCKS, true);
    }

    /**
     * Blocks of {@code blockBytes}, at most {@code maxBlocks} per producing thread. With
     * {@code start} false the writer waits for {@link #start()} (tests fill the blocks first).
     */
    AccessLog(int blockBytes, int maxBlocks, boolean start) {
        this.blockBytes = blockBytes;
        this.maxBlocks = maxBlocks;
        this.wakeAt = Math.max(1, maxBlocks / 4);
        this.shared = newProducer();
        writer = new Thread(this::run, "junction-access-log");
        writer.setDaemon(true);
        if (start) {
            start();
        }
    }

    private Producer newProducer() {
        Producer p = new Producer(new Block(blockBytes));
        producers.add(p);
        return p;
    }

    void start() {
        writer.start();
    }

    /** Renders and queues the access-log line of the finished request {@code rc} (event loop; never blocks). */
    public void write(RequestContext rc) {
        if (closed || !ACCESS.isInfoEnabled()) {
            return;
        }
        // Rendered at once, straight from the record: the line's fields are read where they are.
        AccessLine.OfRequest line = REQUEST_LINE.get().of(rc);
        try {
            offer(line);
        } finally {
            line.of(null);
        }
    }

    /** What the line of {@code rc} says, now, as values of its own (the lists and the timing are still the record's). */
    static Entry entry(RequestContext rc) {
        AccessLine l = new AccessLine.OfRequest().of(rc);
        return new Entry(l.id(), l.traceId(), l.method(), l.path(), l.key(), l.alias(), l.deployment(), l.status(), l.error(),
                l.stream(), l.hedged(), l.costUsd(), l.noRetry(), l.promptTokens(), l.completionTokens(), l.attempts(),
                l.warnings(), l.timing(), l.totalNanos(), l.requestBody(), l.limited(), l.limitRoundTrips(), l.cache());
    }

    /** {@code e} as one JSON line's UTF-8 bytes (newline included), rendered with this thread's writer. */
    static byte[] line(AccessLine e) {
        AccessLineWriter w = LINE.get();
        w.reset();
        w.line(e);
        return w.copy();
    }

    /** Renders {@code e} on this thread and adds its line to the thread's blocks, unless they are full (then it is counted as dropped). */
    void offer(AccessLine e) {
        AccessLineWriter w = LINE.get();
        w.reset();
        w.line(e);
        int added;
        if (Thread.currentThread() instanceof FastThreadLocalThread) {
            added = loopProducer.get().add(w.buffer(), w.length());
        } else {
            synchronized (shared) {
                added = shared.add(w.buffer(), w.length());
            }
        }
        if (added == DROPPED) {
            dropped.incrementAndGet();
            return;
        }
        if (writerIdle || added == WAKE) {
            // Idle, or a quarter of the loop's blocks are full and waiting (the writer is behind):
            // wake the writer, also from its linger, so that lines coming faster than a linger's
            // worth of blocks are written rather than dropped.
            writerIdle = false;
            LockSupport.unpark(writer);
        }
    }

    /** {@link Producer#add}: the line was dropped, added, or added with many full blocks waiting. */
    private static final int DROPPED = 0;
    private static final int ADDED = 1;
    private static final int WAKE = 2;

    /** Threads whose blocks the writer holds (the shared ones included). */
    int producerCount() {
        return producers.size();
    }

    /** Lines dropped so far because the writer was behind by {@link #MAX_BLOCKS} blocks of a thread. */
    public long dropped() {
        return dropped.get();
    }

    /** Stops the writer after it has written every line added so far (bounded wait). */
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
        long droppedReported = 0;
        long lastDropWarn = System.nanoTime() - DROP_WARN_INTERVAL_NANOS;
        while (true) {
            boolean last = closed; // once closed, one more round takes what was added before
            boolean view = viewSafe();
            long written = 0;
            for (Producer p : producers) {
                boolean retired = p.retired; // read first: set after the thread's last line
                written += drain(p, view);
                if (retired && p != shared) {
                    producers.remove(p);
                }
            }
            if (last) {
                return;
            }
            long d = dropped.get();
            if (d > droppedReported && System.nanoTime() - lastDropWarn >= DROP_WARN_INTERVAL_NANOS) {
                LOG.warn("access log: {} lines dropped so far (the writer could not keep up)", d);
                droppedReported = d;
                lastDropWarn = System.nanoTime();
            }
            if (written == 0) {
                writerIdle = true;
                // Re-check after announcing: a line added before the flag was seen is not missed.
                if (!pending() && !closed) {
                    LockSupport.park(this);
                }
                writerIdle = false;
            } else if (written < BUSY_ROUND_BYTES && !closed) {
                // Traffic is flowing: let the next lines gather instead of writing line by line.
                LockSupport.parkNanos(this, LINGER_NANOS);
            }
        }
    }

    /** True when some producer has lines the writer has not taken. */
    private boolean pending() {
        for (Producer p : producers) {
            Block b = p.head;
            if (b.next != null || b.published > b.consumed) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes every line {@code p} published so far, block by block, and gives written blocks back
     * ({@code view}: the event may carry the block's bytes themselves). Writer thread only.
     */
    private long drain(Producer p, boolean view) {
        long written = 0;
        while (true) {
            Block b = p.head;
            Block next = b.next; // read first: once it is set, the block's length is final
            int end = b.published;
            if (end > b.consumed) {
                emit(b.bytes, b.consumed, end - b.consumed, view);
                written += end - b.consumed;
                b.consumed = end;
            }
            if (next == null) {
                return written;
            }
            p.head = next;
            p.written++; // the writer is the only writer of it
            if (b.bytes.length == blockBytes) {
                b.next = null;
                b.consumed = 0;
                b.published = 0;
                p.free.offer(b); // the queue publishes the reset block to its producer
            } else {
                p.blocks.decrementAndGet(); // a block made for one long line: let go
            }
        }
    }

    /**
     * True when every appender of the {@code access} logger writes an event's bytes before the call
     * returns ({@link AccessLogAppender} only, no additivity): then an event may carry a view of a
     * block that is reused afterwards. Any other appender may keep the event and gets a copy.
     */
    private static boolean viewSafe() {
        if (!(ACCESS instanceof ch.qos.logback.classic.Logger l) || l.isAdditive()) {
            return false;
        }
        boolean any = false;
        for (var it = l.iteratorForAppenders(); it.hasNext(); ) {
            if (!(it.next() instanceof AccessLogAppender)) {
                return false;
            }
            any = true;
        }
        return any;
    }

    private static void emit(byte[] bytes, int offset, int length, boolean view) {
        try {
            ACCESS.info("{}", view ? new Lines(bytes, offset, length)
                    : new Lines(Arrays.copyOfRange(bytes, offset, offset + length)));
        } catch (RuntimeException ex) {
            LOG.warn("access log write failed", ex);
        }
    }

    /**
     * A stretch of whole lines rendered by one thread. The producing thread appends and then
     * publishes the new length ({@link #published}, an ordered store); the writer reads up to it.
     * {@link #next} is set once the block is full, after its last line was published.
     */
    static final class Block {
        private static final AtomicIntegerFieldUpdater<Block> PUBLISHED =
                AtomicIntegerFieldUpdater.newUpdater(Block.class, "published");
        final byte[] bytes;
        volatile int published;
        volatile Block next;
        /** Bytes the writer has written (writer only). */
        int consumed;

        Block(int size) {
            bytes = new byte[size];
        }
    }

    /** One thread's blocks: the one it appends to, the writer's oldest, and the written ones to reuse. */
    private final class Producer {
        /** The block lines are appended to (producer only). */
        private Block current;
        /** The oldest block with lines not yet written (writer only). */
        Block head;
        /** Written blocks given back by the writer. */
        final Queue<Block> free = PlatformDependent.newFixedMpscQueue(maxBlocks);
        /** Blocks this producer has (current, waiting, free). */
        final AtomicInteger blocks = new AtomicInteger(1);
        /** Its thread has ended: no more lines will come. */
        volatile boolean retired;
        /** Blocks this producer has filled (producer only). */
        private long filled;
        /** Full blocks the writer has written (writer writes, producer reads). */
        volatile long written;

        Producer(Block first) {
            current = first;
            head = first;
        }

        /**
         * Appends {@code n} bytes of whole lines: {@link #ADDED}, {@link #WAKE} when they started a
         * block while a quarter of the producer's blocks are full and not yet written,
         * {@link #DROPPED} when every block is taken.
         */
        int add(byte[] lines, int n) {
            Block b = current;
            int p = b.published;
            int added = ADDED;
            if (p + n > b.bytes.length) {
                Block next = null;
                if (n <= blockBytes) {
                    next = free.poll();
                }
                if (next == null && (next = make(n)) == null) {
                    return DROPPED;
                }
                b.next = next;
                current = b = next;
                p = 0;
                if (++filled - written >= wakeAt) {
                    added = WAKE;
                }
            }
            System.arraycopy(lines, 0, b.bytes, p, n);
            Block.PUBLISHED.lazySet(b, p + n);
            return added;
        }

        /** A new block for {@code n} bytes or more, unless this producer has all it may have. */
        private Block make(int n) {
            if (blocks.get() >= maxBlocks) {
                return null;
            }
            blocks.incrementAndGet();
            return new Block(Math.max(n, blockBytes));
        }
    }

    /**
     * The message of one access-logger event: the UTF-8 bytes of one or more JSON lines, each ending
     * in a newline. {@link AccessLogAppender} writes the bytes as they are, before the logger call
     * returns; any other appender gets {@link #toString()}, the lines joined by newlines (no newline
     * at the end, as a message). The bytes may be a view of a buffer that is reused once the logger
     * call returns (only when every appender of the logger is an {@link AccessLogAppender});
     * otherwise they are this object's own.
     */
    public static final class Lines {
        private final byte[] bytes;
        private final int offset;
        private final int length;

        Lines(byte[] utf8) {
            this(utf8, 0, utf8.length);
        }

        Lines(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
        }

        /** The array holding the lines (from {@link #offset()}, {@link #length()} bytes; do not modify). */
        public byte[] bytes() {
            return bytes;
        }

        public int offset() {
            return offset;
        }

        public int length() {
            return length;
        }

        /** The lines' bytes in an array of their own, each line ending in a newline. */
        public byte[] utf8() {
            return offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
        }

        @Override
        public String toString() {
            int n = length > 0 && bytes[offset + length - 1] == '\n' ? length - 1 : length;
            return new String(bytes, offset, n, StandardCharsets.UTF_8);
        }
    }
}

package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts that the event loops add to without an atomic instruction. Each count has an index; each
 * event loop (a {@link FastThreadLocalThread}) has its own array of cells, one per index, that it
 * alone writes (an ordinary add: no locked instruction, no cache line written by another core); any
 * other thread adds to the count's {@link LongAdder}. A count is its adder's sum plus its cell in
 * every loop's array. Like a {@code LongAdder}'s sum, it is exact once the adds have stopped, and
 * meanwhile may miss the ones in flight. A loop's array grows (a larger copy, published) when a
 * count made after it is added to; when a loop ends, what it counted moves to shared sums and its
 * array is let go.
 */
final class LoopCounts {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
    private static final AtomicInteger NEXT_INDEX = new AtomicInteger();
    /** Guards {@link #LOOPS}' membership and {@link #retired}: a sum and a loop's retirement do not interleave. */
    private static final Object LOCK = new Object();
    /** The cells of every loop that runs, in the order the loops first counted. */
    private static final List<Cells> LOOPS = new CopyOnWriteArrayList<>();
    /** What the loops that ended had counted, by index (under {@link #LOCK}). */
    private static long[] retired = new long[64];
    private static final FastThreadLocal<Cells> MINE = new FastThreadLocal<>() {
        @Override
        protected Cells initialValue() {
            Cells c = new Cells();
            synchronized (LOCK) {
                LOOPS.add(c);
            }
            return c;
        }

        @Override
        protected void onRemoval(Cells c) {
            // The loop is ending (Netty removes its thread-locals last, on the thread itself, after
            // its last add): its counts move to the retired sums and its cells are let go.
            retire(c);
        }
    };

    private LoopCounts() {
    }

    /** One loop's cells (replaced by a larger copy when an index beyond them is added to). */
    private static final class Cells {
        volatile long[] cells = new long[64];
    }

    /** The index of a new count. */
    static int newIndex() {
        return NEXT_INDEX.getAndIncrement();
    }

    /** Whether the calling thread counts in cells of its own (an event loop). */
    static boolean onLoop() {
        return Thread.currentThread() instanceof FastThreadLocalThread;
    }

    /** Adds {@code n} to count {@code index} in the calling loop's cells ({@link #onLoop()} is true). */
    static void add(int index, long n) {
        Cells mine = MINE.get();
        long[] c = mine.cells;
        if (index >= c.length) {
            c = Arrays.copyOf(c, Math.max(c.length * 2, index + 1));
            mine.cells = c;
        }
        // Written by this thread only: a plain add, stored so that readers on other threads see it.
        CELL.setOpaque(c, index, (long) CELL.getOpaque(c, index) + n);
    }

    /** What the loops have added to count {@code index}, the ones that ended included. */
    static long sum(int index) {
        synchronized (LOCK) {
            long s = index < retired.length ? retired[index] : 0;
            for (Cells loop : LOOPS) {
                long[] c = loop.cells;
                if (index < c.length) {
                    s += (long) CELL.getOpaque(c, index);
                }
            }
            return s;
        }
    }

    /** Moves an ended loop's counts to the retired sums, at once for a reader. */
    private static void retire(Cells loop) {
        synchronized (LOCK) {
            long[] c = loop.cells;
            if (retired.length < c.length) {
                retired = Arrays.copyOf(retired, c.length);
            }
            for (int i = 0; i < c.length; i++) {
                retired[i] += (long) CELL.getOpaque(c, i);
            }
            LOOPS.remove(loop);
        }
    }

    /** Loops whose cells are kept (running loops that have counted). */
    static int loops() {
        return LOOPS.size();
    }

    /**
     * A Dropwizard counter (what {@code /metrics} reads: its count) that the event loops add to in
     * their own cells; other threads add to its adder, as a {@link Counter} does.
     */
    static final class LoopCounter extends Counter {
        private final int index = newIndex();

        @Override
        public void inc(long n) {
            if (onLoop()) {
                add(index, n);
            } else {
                super.inc(n);
            }
        }

        @Override
        public void dec(long n) {
            inc(-n);
        }

        @Override
        public long getCount() {
            return super.getCount() + sum(index);
        }
    }
}

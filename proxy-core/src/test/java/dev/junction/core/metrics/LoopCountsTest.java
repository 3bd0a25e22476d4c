package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the event loops and other threads add to a {@link LoopCounts.LoopCounter} and a
 * {@link Sample} is all counted, once the adds are done: by loops in their own cells (which grow
 * for counts made after them), by other threads in the adder, by loops that have ended too (whose
 * cells are then let go).
 */
class LoopCountsTest {

    @Test
    void everyAddOfLoopsAndOtherThreadsIsCounted() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        List<Counter> counters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            counters.add(registry.counter("c" + i, LoopCounts.LoopCounter::new));
        }
        Sample sample = new Sample(new DecayingReservoir());
        int loopsBefore = LoopCounts.loops();
        List<Thread> threads = new ArrayList<>();
        int perThread = 20_000;
        for (int t = 0; t < 4; t++) {
            Runnable work = () -> {
                for (int i = 0; i < perThread; i++) {
                    counters.get(i % 3).inc();
                    counters.get(2).inc(2);
                    sample.update(i, System.nanoTime());
                }
                counters.get(0).dec(5);
            };
            threads.add(t % 2 == 0 ? new FastThreadLocalThread(work) : new Thread(work));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        int each = perThread / 3; // 20_000 = 3 * 6_666 + 2: c0 and c1 get one more
        assertEquals(4L * (each + 1) - 20, counters.get(0).getCount());
        assertEquals(4L * (each + 1), counters.get(1).getCount());
        assertEquals(4L * each + 4L * 2 * perThread, counters.get(2).getCount());
        assertEquals(4L * perThread, sample.getCount());
        assertTrue(registry.getCounters().get("c1") instanceof LoopCounts.LoopCounter);
        assertTrue(LoopCounts.loops() <= loopsBefore, "the ended loops' cells are let go, their counts kept");
    }

    @Test
    void aLoopsCellsGrowForCountsMadeAfterThem() throws Exception {
        List<Counter> counters = new ArrayList<>();
        counters.add(new LoopCounts.LoopCounter());
        Thread loop = new FastThreadLocalThread(() -> {
            counters.get(0).inc(3); // the loop's cells are made here
            for (int i = 0; i < 300; i++) {
                counters.add(new LoopCounts.LoopCounter()); // indexes beyond the cells' first size
            }
            for (int i = 0; i < counters.size(); i++) {
                counters.get(i).inc(i + 1);
            }
        });
        loop.start();
        loop.join();
        assertEquals(4, counters.get(0).getCount());
        for (int i = 1; i < counters.size(); i++) {
            assertEquals(i + 1, counters.get(i).getCount(), "counter " + i);
        }
    }
}

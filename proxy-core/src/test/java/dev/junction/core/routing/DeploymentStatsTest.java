package dev.junction.core.routing;

import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentStatsTest {

    private static final long MS = 1_000_000;
    private final FakeTicker ticker = new FakeTicker();
    private final ResiliencePolicies.Stats settings = new ResiliencePolicies.Stats(0.5, 8, Duration.ofSeconds(10), 10,
            Duration.ofSeconds(60), 4, 5.0);
    private final DeploymentStats stats = new DeploymentStats(settings, ticker);

    @Test
    void ewmaStartsAtTheFirstSampleAndDecays() {
        assertEquals(-1, stats.ewmaTtftNanos());
        assertFalse(stats.hasRecentSample());
        stats.recordTtft(100 * MS);
        assertEquals(100 * MS, stats.ewmaTtftNanos(), 1);
        stats.recordTtft(200 * MS);
        assertEquals(150 * MS, stats.ewmaTtftNanos(), 1);
        stats.recordTtft(50 * MS);
        assertEquals(100 * MS, stats.ewmaTtftNanos(), 1);
        assertTrue(stats.hasRecentSample());
        ticker.advance(Duration.ofSeconds(61));
        assertFalse(stats.hasRecentSample(), "stale after 60 s without a sample");
    }

    @Test
    void percentilesComeFromABoundedRingOfRecentSamples() {
        assertEquals(-1, stats.p50TtftNanos());
        for (int i = 1; i <= 3; i++) {
            stats.recordTtft(i * 10 * MS);
        }
        assertEquals(20 * MS, stats.p50TtftNanos());
        assertEquals(-1, stats.p95TtftNanos(), "fewer than min-samples-for-p95");
        for (int i = 1; i <= 100; i++) {
            stats.recordTtft(i * MS);
        }
        // The ring holds the last 8 samples: 93..100 ms.
        assertEquals(96 * MS, stats.p50TtftNanos());
        assertEquals(100 * MS, stats.p95TtftNanos());
        assertEquals(103, stats.ttftSamples());
    }

    @Test
    void p99IsKnownWithEnoughSamples() {
        for (int i = 1; i <= 3; i++) {
            stats.recordTtft(i * 10 * MS);
        }
        assertEquals(-1, stats.p99TtftNanos(), "fewer than min-samples-for-p95");
        stats.recordTtft(400 * MS);
        assertEquals(400 * MS, stats.p99TtftNanos());
        assertEquals(400, stats.snapshot().p99TtftMs(), 1e-9);
    }

    @Test
    void aCancellationAfterALongWaitCountsAsASlowSample() {
        stats.start();
        stats.recordCancelled(50 * MS);
        assertEquals(0, stats.ttftSamples(), "no average yet: nothing to compare the wait with");
        assertEquals(0, stats.inFlight());
        stats.recordTtft(40 * MS);
        stats.start();
        stats.recordCancelled(10 * MS);  // a hedge that lost early: says nothing about the tail
        assertEquals(1, stats.ttftSamples());
        assertEquals(40 * MS, stats.ewmaTtftNanos(), 1);
        stats.start();
        stats.recordCancelled(300 * MS); // cut off by a hedge after 300 ms: its first byte was later still
        assertEquals(2, stats.ttftSamples());
        assertEquals(170 * MS, stats.ewmaTtftNanos(), 1);
        assertEquals(0, stats.inFlight());
        assertEquals(0.0, stats.errorRate(), "a cancellation is no failure");
        for (int i = 0; i < 3; i++) {
            stats.recordTtft(40 * MS);
        }
        // The tail figure sees the cut-off wait; the hedge delay (p95) is of answered attempts only.
        assertEquals(300 * MS, stats.p99TtftNanos());
        assertEquals(40 * MS, stats.p95TtftNanos());
        assertEquals(40 * MS, stats.p50TtftNanos());
    }

    @Test
    void p99MergesAnsweredSamplesAndCutOffWaits() {
        // Default settings: 128 samples, so the p99 is the second longest of answers and waits together.
        assertEquals(400 * MS, tailOf(400).p99TtftNanos(), "second longest: the 400 ms answer");
        assertEquals(300 * MS, tailOf(250).p99TtftNanos(), "second longest: the 300 ms wait");
        assertEquals(40 * MS, tailOf(400).p95TtftNanos(), "answers only");
    }

    /** 120 answers in 40 ms, then a 500 ms cut-off wait, an answer in {@code answerMs}, a 300 ms wait. */
    private DeploymentStats tailOf(long answerMs) {
        DeploymentStats s = new DeploymentStats(ResiliencePolicies.defaults().stats(), ticker);
        for (int i = 0; i < 120; i++) {
            s.recordTtft(40 * MS);
        }
        s.start();
        s.recordCancelled(500 * MS);
        s.recordTtft(answerMs * MS);
        s.start();
        s.recordCancelled(300 * MS);
        assertEquals(123, s.ttftSamples());
        return s;
    }

    @Test
    void errorRateInFlightAndTotals() {
        for (int i = 0; i < 4; i++) {
            stats.start();
        }
        assertEquals(4, stats.inFlight());
        stats.recordSuccess();
        stats.recordFailure("upstream_timeout");
        stats.recordFailure("upstream_unavailable");
        stats.recordCancelled();
        assertEquals(0, stats.inFlight());
        assertEquals(2.0 / 3, stats.errorRate(), 1e-9, "a cancelled attempt is no health signal");
        DeploymentStats.Snapshot s = stats.snapshot();
        assertEquals(4, s.totalRequests());
        assertEquals(2, s.totalErrors());
        assertEquals("upstream_unavailable", s.lastErrorCode());
        assertEquals(3, s.windowCalls());
        ticker.advance(Duration.ofSeconds(11));
        assertEquals(0, stats.errorRate(), "errors leave the window");
        assertEquals(2, stats.snapshot().totalErrors(), "totals stay");
    }

    @Test
    void snapshotReportsMillisecondsAndUnknownsAsMinusOne() {
        DeploymentStats.Snapshot empty = stats.snapshot();
        assertEquals(-1, empty.ewmaTtftMs());
        assertEquals(-1, empty.p95TtftMs());
        assertNull(empty.lastErrorCode());
        stats.recordTtft(250 * MS);
        assertEquals(250.0, stats.snapshot().ewmaTtftMs(), 1e-9);
        assertEquals(250.0, stats.snapshot().p50TtftMs(), 1e-9);
    }

    @Test
    void concurrentRecordingLosesNothingThatMatters() throws Exception {
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    stats.start();
                    stats.recordTtft(10 * MS);
                    stats.recordSuccess();
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, stats.inFlight());
        assertEquals(40_000, stats.snapshot().totalRequests());
        assertEquals(40_000, stats.ttftSamples());
        assertEquals(10 * MS, stats.ewmaTtftNanos(), 1);
    }
}

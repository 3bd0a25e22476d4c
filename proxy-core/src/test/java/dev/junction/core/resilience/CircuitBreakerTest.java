package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.junction.core.resilience.CircuitBreaker.State.CLOSED;
import static dev.junction.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.junction.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {

    private final FakeTicker ticker = new FakeTicker(123_456_789L);
    private final CircuitBreaker breaker = new CircuitBreaker(new CircuitBreaker.Settings(0.5, 10,
            Duration.ofSeconds(10), 10, Duration.ofSeconds(30), 2), ticker);

    @Test
    void staysClosedBelowTheMinimumNumberOfCalls() {
        for (int i = 0; i < 9; i++) {
            assertTrue(breaker.tryAcquire());
            breaker.onFailure();
        }
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void opensWhenTheFailureRateReachesTheThreshold() {
        for (int i = 0; i < 6; i++) {
            breaker.onSuccess();
        }
        for (int i = 0; i < 5; i++) {
            breaker.onFailure();
        }
        assertEquals(CLOSED, breaker.state(), "5 of 11 is under 50%");
        breaker.onFailure();
        assertEquals(OPEN, breaker.state(), "6 of 12 reaches 50%");
        assertFalse(breaker.isAvailable());
        assertFalse(breaker.tryAcquire());
        assertEquals(Duration.ofSeconds(30).toNanos(), breaker.remainingOpenNanos());
    }

    @Test
    void oldFailuresLeaveTheWindow() {
        for (int i = 0; i < 9; i++) {
            breaker.onFailure();
        }
        ticker.advance(Duration.ofSeconds(11));
        breaker.onFailure();
        assertEquals(CLOSED, breaker.state(), "only 1 call left in the window");
        assertEquals(1, breaker.windowCounts().calls());
    }

    @Test
    void halfOpenAdmitsLimitedProbesThenSuccessCloses() {
        open();
        ticker.advance(Duration.ofSeconds(29));
        assertFalse(breaker.tryAcquire());
        ticker.advance(Duration.ofSeconds(1));
        assertEquals(HALF_OPEN, breaker.state());
        assertTrue(breaker.isAvailable());
        assertTrue(breaker.tryAcquire());
        assertTrue(breaker.tryAcquire());
        assertFalse(breaker.tryAcquire(), "only 2 probes");
        assertFalse(breaker.isAvailable());
        breaker.onCancelled();
        assertTrue(breaker.isAvailable(), "a cancelled probe frees its permit");
        assertTrue(breaker.tryAcquire());
        breaker.onSuccess();
        assertEquals(CLOSED, breaker.state());
        assertEquals(0, breaker.windowCounts().calls(), "closing starts a fresh window");
        breaker.onFailure();
        assertEquals(CLOSED, breaker.state());
    }

    @Test
    void probeFailureReopensForAnotherCoolDown() {
        open();
        ticker.advance(Duration.ofSeconds(30));
        assertTrue(breaker.tryAcquire());
        breaker.onFailure();
        assertEquals(OPEN, breaker.state());
        assertEquals(Duration.ofSeconds(30).toNanos(), breaker.remainingOpenNanos());
        ticker.advance(Duration.ofSeconds(30));
        assertEquals(HALF_OPEN, breaker.state());
    }

    @Test
    void halfOpenAdmitsExactlyTheProbeCountUnderContention() throws Exception {
        FakeTicker t = new FakeTicker();
        CircuitBreaker breaker = new CircuitBreaker(new CircuitBreaker.Settings(0.5, 1, Duration.ofSeconds(10), 10,
                Duration.ofSeconds(1), 3), t);
        breaker.onFailure();
        t.advance(Duration.ofSeconds(1));
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int k = 0; k < 100; k++) {
                    if (breaker.tryAcquire()) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[i].start();
        }
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(3, admitted.get());
    }

    private void open() {
        for (int i = 0; i < 10; i++) {
            breaker.onFailure();
        }
        assertEquals(OPEN, breaker.state());
    }
}

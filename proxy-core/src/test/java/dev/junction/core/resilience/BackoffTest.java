package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import dev.junction.core.time.RandomSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {

    private final FakeTicker ticker = new FakeTicker();
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(30),
            RandomSource.seeded(42));

    @Test
    void ceilingDoublesUpToTheCap() {
        assertEquals(ms(100), backoff.ceilingNanos(1));
        assertEquals(ms(200), backoff.ceilingNanos(2));
        assertEquals(ms(800), backoff.ceilingNanos(4));
        assertEquals(ms(2000), backoff.ceilingNanos(6));
        assertEquals(ms(2000), backoff.ceilingNanos(500), "no overflow for huge attempt numbers");
    }

    @Test
    void fullJitterStaysInBoundsAndIsUniform() {
        for (int retry = 1; retry <= 6; retry++) {
            long ceiling = backoff.ceilingNanos(retry);
            int n = 20_000;
            int[] quartiles = new int[4];
            double sum = 0;
            for (int i = 0; i < n; i++) {
                long d = backoff.delayNanos(retry, null, Deadline.none(ticker));
                assertTrue(d >= 0 && d <= ceiling, "delay " + d + " outside [0, " + ceiling + "]");
                sum += d;
                quartiles[(int) Math.min(3, d * 4 / (ceiling + 1))]++;
            }
            assertEquals(0.5, sum / n / ceiling, 0.02, "mean of full jitter is half the ceiling");
            for (int q : quartiles) {
                assertEquals(0.25, q / (double) n, 0.02, "each quarter of the range equally likely");
            }
        }
    }

    @Test
    void retryAfterIsAFloor() {
        for (int i = 0; i < 1000; i++) {
            long d = backoff.delayNanos(1, Duration.ofSeconds(3), Deadline.none(ticker));
            assertEquals(ms(3000), d, "Retry-After of 3 s beats a jitter of at most 100 ms");
        }
    }

    @Test
    void retryAfterPastTheDeadlineMeansNoRetry() {
        Deadline deadline = Deadline.after(Duration.ofSeconds(2), ticker);
        assertEquals(Backoff.PAST_DEADLINE, backoff.delayNanos(1, Duration.ofSeconds(3), deadline));
        ticker.advanceMillis(1950);
        // 50 ms left: a jitter below 100 ms may or may not fit; it never returns a wait past the deadline.
        for (int i = 0; i < 1000; i++) {
            long d = backoff.delayNanos(1, null, deadline);
            assertTrue(d == Backoff.PAST_DEADLINE || d < ms(50), "wait " + d);
        }
    }

    @Test
    void retryAfterLongerThanTheMaximumIsRefused() {
        assertEquals(Backoff.RETRY_AFTER_TOO_LONG, backoff.delayNanos(1, Duration.ofSeconds(31), Deadline.none(ticker)));
    }

    private static long ms(long m) {
        return Duration.ofMillis(m).toNanos();
    }
}

package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SlidingWindowTest {

    private final FakeTicker ticker = new FakeTicker(-7_500_000_000L);
    private final SlidingWindow window = new SlidingWindow(Duration.ofSeconds(10), 10, ticker);

    @Test
    void countsOnlyTheLastWindowAndRecyclesBuckets() {
        window.record(true);
        ticker.advance(Duration.ofSeconds(5));
        window.record(false);
        window.record(false);
        assertEquals(new SlidingWindow.Counts(3, 1), window.counts());
        ticker.advance(Duration.ofSeconds(5));
        assertEquals(new SlidingWindow.Counts(2, 0), window.counts(), "the first bucket fell out");
        window.record(true);   // lands in the recycled first bucket, which must start from zero
        assertEquals(new SlidingWindow.Counts(3, 1), window.counts());
        ticker.advance(Duration.ofSeconds(30));
        assertEquals(new SlidingWindow.Counts(0, 0), window.counts());
        assertEquals(0.0, window.counts().failureRate());
    }
}

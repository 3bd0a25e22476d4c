package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadlineTest {

    private final FakeTicker ticker = new FakeTicker(-5_000_000_000L);

    @Test
    void headerSetsTheDeadlineAndItExpires() {
        Deadline d = Deadline.fromHeader("1500", null, null, ticker);
        assertEquals(Duration.ofMillis(1500).toNanos(), d.remainingNanos());
        assertTrue(d.allows(Duration.ofMillis(1499).toNanos()));
        assertFalse(d.allows(Duration.ofMillis(1500).toNanos()));
        ticker.advanceMillis(1500);
        assertTrue(d.expired());
        assertEquals(0, d.remainingNanos());
    }

    @Test
    void noHeaderUsesTheFallbackOrNone() {
        assertTrue(Deadline.fromHeader(null, null, null, ticker).isUnbounded());
        assertEquals(Long.MAX_VALUE, Deadline.fromHeader(" ", null, null, ticker).remainingNanos());
        assertEquals(Duration.ofSeconds(60).toNanos(),
                Deadline.fromHeader(null, Duration.ofSeconds(60), null, ticker).remainingNanos());
    }

    @Test
    void headerIsClampedToTheMaximum() {
        Deadline d = Deadline.fromHeader("999999999", null, Duration.ofMinutes(10), ticker);
        assertEquals(Duration.ofMinutes(10).toNanos(), d.remainingNanos());
    }

    @Test
    void invalidHeaderIsA400InvalidValue() {
        for (String bad : new String[] {"abc", "0", "-5", "1.5"}) {
            InvalidHeaderException e = assertThrows(InvalidHeaderException.class,
                    () -> Deadline.fromHeader(bad, null, null, ticker));
            assertEquals(400, e.error().status());
            assertEquals("invalid_value", e.error().code());
            assertEquals(Deadline.HEADER, e.error().param());
        }
    }
}

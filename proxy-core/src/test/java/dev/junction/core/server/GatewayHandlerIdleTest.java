package dev.junction.core.server;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle keep-alive cut-off ({@code junction.server.idle-timeout}) kept by {@link GatewayHandler}
 * on the event loop's clock, stopped and advanced by hand. A request in flight is covered end to
 * end (ServerLimitsTest: an answer slower than the timeout is still written).
 */
class GatewayHandlerIdleTest {

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new GatewayHandler(null, 1024, new byte[16], Duration.ofMillis(700)));
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void anIdleConnectionIsClosedAfterTheTimeoutAndNotBefore() {
        EmbeddedChannel ch = channel();
        advance(ch, 699);
        assertTrue(ch.isOpen(), "open 699 ms into a 700 ms idle timeout");
        advance(ch, 1);
        assertFalse(ch.isOpen(), "closed once idle for the whole timeout");
    }

    @Test
    void bytesOfARequestUnderWayCountAsActivity() {
        EmbeddedChannel ch = channel();
        advance(ch, 500);
        // Part of a request arrived (the codec passes each read's completion on).
        ch.pipeline().fireChannelReadComplete();
        advance(ch, 300);
        assertTrue(ch.isOpen(), "800 ms after the start but only 300 ms after the last bytes");
        advance(ch, 399);
        assertTrue(ch.isOpen(), "699 ms after the last bytes");
        advance(ch, 1);
        assertFalse(ch.isOpen(), "closed 700 ms after the last bytes");
    }

    @Test
    void theTimerStopsWithTheConnection() {
        EmbeddedChannel ch = channel();
        ch.close();
        assertEquals(-1, ch.runScheduledPendingTasks(), "no idle timer left behind");
    }
}

package dev.junction.core.proxy;

import dev.junction.core.http.EncodedResponse;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Server-Timing value written into an answer in wire form is the one {@link RequestContext#serverTiming(boolean, long)}
 * gives; the request's end is one reading for all that measure the whole request.
 */
class RequestContextTest {

    private static final String[] STAGES = {"auth", "route", "connect", "ttfb", "queue", "a-rather-long-stage-name"};

    @Test
    void theWireFormServerTimingIsTheHeaderValue() {
        Random r = new Random(1203);
        for (int round = 0; round < 2000; round++) {
            long start = r.nextLong() >>> 2;
            RequestContext rc = new RequestContext("req", start, "POST", "/v1/chat/completions");
            long now = start;
            int stages = r.nextInt(round < 1000 ? 6 : 40); // many: the entries' array must grow
            for (int i = 0; i < stages; i++) {
                now += r.nextInt(4) == 0 ? r.nextLong() >>> (10 + r.nextInt(40)) : r.nextInt(5_000_000);
                if (r.nextBoolean()) {
                    rc.stage(STAGES[r.nextInt(STAGES.length)], now);
                } else {
                    rc.duration(STAGES[r.nextInt(STAGES.length)], r.nextInt(3_000_000));
                }
            }
            String entries = rc.timing();
            boolean withTotal = r.nextInt(4) != 0;
            long end = now + r.nextInt(2_000_000);
            String expected = rc.serverTiming(withTotal, end).toString();
            assertEquals(expected, headerValue(rc, withTotal, end), "round " + round);
            assertEquals(entries, rc.timing(), "the total is not an entry");
            assertEquals(expected, headerValue(rc, withTotal, end), "round " + round + ", again");
        }
    }

    @Test
    void theRequestsEndIsReadOnceAndSharedByTheServerTimingTotalAndTheAccessLine() {
        long start = System.nanoTime() - 5_000_000;
        RequestContext rc = new RequestContext("req", start, "POST", "/v1/chat/completions");
        rc.stage("route", start + 1_000);
        long end = rc.end();
        assertEquals(end, rc.end(), "one reading, kept");
        String total = "total;dur=" + millis(end - start);
        assertEquals("route;dur=0.001, " + total, rc.serverTiming(true, rc.end()).toString());
        assertEquals(end - start, AccessLog.entry(rc).totalNanos(), "the access line's total is the answer's");
    }

    private static String millis(long nanos) {
        long us = (nanos + 500) / 1000;
        return us / 1000 + "." + String.format("%03d", us % 1000);
    }

    private static String headerValue(RequestContext rc, boolean withTotal, long now) {
        EncodedResponse.Builder b = EncodedResponse.okJson(ByteBufAllocator.DEFAULT, 0, true);
        rc.serverTiming(b, withTotal, now);
        EncodedResponse e = b.build(Unpooled.EMPTY_BUFFER);
        assertNotNull(e);
        try {
            String wire = e.wire().toString(StandardCharsets.US_ASCII);
            int at = wire.indexOf("server-timing: ") + "server-timing: ".length();
            return wire.substring(at, wire.indexOf("\r\n", at));
        } finally {
            e.release();
        }
    }
}

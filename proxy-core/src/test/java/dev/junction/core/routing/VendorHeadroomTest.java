package dev.junction.core.routing;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A deployment's vendor headroom on an injected clock (SPEC §7.1 per deployment). */
class VendorHeadroomTest {

    private final AtomicLong now = new AtomicLong(Instant.parse("2026-12-02T10:00:00Z").toEpochMilli());
    private final VendorHeadroom h = new VendorHeadroom(now::get);

    @Test
    void openAiRemainingRequestsAtZeroIsOutOfRoomUntilItsReset() {
        HttpHeaders x = new DefaultHttpHeaders().add("x-ratelimit-remaining-requests", "0")
                .add("x-ratelimit-reset-requests", "1.5s").add("x-ratelimit-remaining-tokens", "149000")
                .add("x-ratelimit-reset-tokens", "6m0s");
        h.observe(200, x);
        assertEquals(1500, h.waitMillis(null, null, 100));
        assertEquals(0, h.snapshot(null, null).remainingRequests());
        assertEquals(149000, h.snapshot(null, null).remainingTokens());
        now.addAndGet(1500);
        assertEquals(0, h.waitMillis(null, null, 100), "back when the window resets");
    }

    @Test
    void openAiRemainingTokensBelowTheRequestIsOutOfRoomForThatRequestOnly() {
        h.observe(200, new DefaultHttpHeaders().add("x-ratelimit-remaining-tokens", "500")
                .add("x-ratelimit-reset-tokens", "20ms"));
        assertEquals(0, h.waitMillis(null, null, 400));
        assertEquals(20, h.waitMillis(null, null, 600));
    }

    @Test
    void anthropicHeadersWithRfc3339Resets() {
        h.observe(200, new DefaultHttpHeaders().add("anthropic-ratelimit-requests-remaining", "0")
                .add("anthropic-ratelimit-requests-reset", "2026-12-02T10:00:03Z")
                .add("anthropic-ratelimit-tokens-remaining", "90000")
                .add("anthropic-ratelimit-tokens-reset", "2026-12-02T10:00:01Z"));
        assertEquals(3000, h.waitMillis(null, null, 10));
        assertEquals("vendor reports no requests left", h.snapshot(null, null).reason());
        now.addAndGet(3000);
        assertEquals(0, h.waitMillis(null, null, 10));
    }

    @Test
    void a429WithRetryAfterIsOutOfRoomForThatLong() {
        h.observe(429, new DefaultHttpHeaders().add("retry-after", "7"));
        assertEquals(7000, h.waitMillis(null, null, 1));
        assertEquals(7000, h.snapshot(null, null).outOfRoomForMs());
        now.addAndGet(7000);
        assertEquals(0, h.waitMillis(null, null, 1));
    }

    @Test
    void configuredRpmAndTpmAreWindowsOfThisInstance() {
        for (int i = 0; i < 3; i++) {
            assertEquals(0, h.waitMillis(3, null, 1));
            h.sent(3, null, 1);
        }
        assertEquals(20_000, h.waitMillis(3, null, 1), "3 per minute: one more every 20 s");
        assertTrue(h.snapshot(3, null).outOfRoomForMs() > 0);
        h.sent(null, 1000L, 900);
        assertEquals(48_000, h.waitMillis(null, 1000L, 900), "800 missing at 1000 per minute");
        h.settled(1000L, 900, 100); // used 100 of the 900 estimated
        assertEquals(0, h.waitMillis(null, 1000L, 900));
    }

    @Test
    void goDurations() {
        assertEquals(360_000, VendorHeadroom.goDurationMillis("6m0s"));
        assertEquals(20, VendorHeadroom.goDurationMillis("20ms"));
        assertEquals(1500, VendorHeadroom.goDurationMillis("1.5s"));
        assertEquals(3_723_500, VendorHeadroom.goDurationMillis("1h2m3.5s"));
        assertEquals(-1, VendorHeadroom.goDurationMillis("soon"));
    }

    @Test
    void theOnePassReadFindsWhatALookupPerNameFinds() {
        java.util.Random r = new java.util.Random(7);
        String[] others = {"content-type", "content-length", "x-request-id", "openai-processing-ms", "anthropic-version",
                "retry", "x-ratelimit-limit-requests", "retry-after-seconds", "date", "x"};
        int seen = 0;
        for (int i = 0; i < 2000; i++) {
            HttpHeaders x = new DefaultHttpHeaders();
            for (int k = r.nextInt(12); k > 0; k--) {
                String name = r.nextBoolean() ? VendorHeadroom.LIMIT_HEADERS[r.nextInt(VendorHeadroom.LIMIT_HEADERS.length)]
                        .toString() : others[r.nextInt(others.length)];
                StringBuilder cased = new StringBuilder();
                for (char c : name.toCharArray()) {
                    cased.append(r.nextInt(4) == 0 ? Character.toUpperCase(c) : c);
                }
                x.add(cased.toString(), Integer.toString(r.nextInt(1000)));
            }
            String[] found = VendorHeadroom.readLimits(x);
            boolean any = false;
            for (int k = 0; k < VendorHeadroom.LIMIT_HEADERS.length; k++) {
                String expected = x.get(VendorHeadroom.LIMIT_HEADERS[k]);
                any |= expected != null;
                assertEquals(expected, found == null ? null : found[k], "header set " + i + ": " + x);
            }
            assertEquals(any, found != null);
            seen += any ? 1 : 0;
        }
        assertTrue(seen > 1000, "sets with a rate-limit header: " + seen);
    }
}

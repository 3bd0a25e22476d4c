package dev.junction.core.upstream;

import dev.junction.core.routing.VendorHeadroom;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An answer's headers as the decoder keeps them (the head's bytes) against the header map Netty's
 * decoder builds, as the gateway uses them: what a deployment's vendor headroom learns from an
 * answer's rate-limit headers (read from the bytes) must be what it learned from Netty's map
 * (read by iterating it), on generated heads — duplicated names (the first counts), names in any
 * case, names that differ from a rate-limit name in one letter, unreadable values, 429s.
 */
class AnswerHeadersTest {

    private static final String[] NAMES = {"x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining",
            "x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset", "x-ratelimit-remaining-tokens",
            "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-input-tokens-remaining",
            "x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-input-tokens-reset",
            "retry-after-ms", "retry-after", "x-request-id", "content-type", "x-ratelimit-limit-requests"};

    private static final String NOW = "2026-12-03T18:00:00Z";

    private static String value(Random rnd, String name) {
        if (rnd.nextBoolean()) {
            // Mostly what the name would carry, so that many heads tell the headroom something.
            String lower = name.toLowerCase();
            if (lower.contains("remaining")) {
                return String.valueOf(rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(200000));
            }
            if (lower.contains("reset")) {
                return lower.startsWith("x-") ? (1 + rnd.nextInt(90)) + "s" : Instant.parse(NOW).plusSeconds(1 + rnd.nextInt(90)).toString();
            }
        }
        return switch (rnd.nextInt(8)) {
            case 0 -> String.valueOf(rnd.nextInt(3));
            case 1 -> String.valueOf(rnd.nextInt(200000));
            case 2 -> rnd.nextInt(3) + "m" + rnd.nextInt(60) + "." + rnd.nextInt(10) + "s";
            case 3 -> rnd.nextInt(900) + "ms";
            case 4 -> Instant.parse(NOW).plusSeconds(rnd.nextInt(120)).toString();
            case 5 -> "Thu, 03 Dec 2026 18:00:" + (10 + rnd.nextInt(40)) + " GMT";
            case 6 -> "soon";
            default -> name.startsWith("retry") ? String.valueOf(rnd.nextInt(30)) : "1s";
        };
    }

    private static String name(Random rnd) {
        String n = NAMES[rnd.nextInt(NAMES.length)];
        return switch (rnd.nextInt(5)) {
            case 0 -> n.toUpperCase();
            case 1 -> n.substring(0, n.length() - 1) + (char) (n.charAt(n.length() - 1) ^ 1);
            case 2 -> n.substring(1);
            default -> n;
        };
    }

    private static HttpResponse nettyHead(byte[] wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(UpstreamClient.DECODER));
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(wire));
            Object o = ch.readInbound();
            try {
                return (HttpResponse) o;
            } finally {
                ReferenceCountUtil.release(o);
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static HttpResponse fastHead(byte[] wire) {
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
        methods.add(HttpMethod.POST);
        HttpResponse[] got = new HttpResponse[1];
        new AnswerDecoder(UpstreamClient.DECODER, methods).decode(Unpooled.wrappedBuffer(wire), ByteBufAllocator.DEFAULT,
                new AnswerDecoder.Sink() {
                    @Override
                    public void head(HttpResponse head) {
                        got[0] = head;
                    }

                    @Override
                    public void content(ByteBuf piece, boolean last) {
                        piece.release();
                    }

                    @Override
                    public void malformed(String why) {
                        throw new AssertionError(why);
                    }
                });
        return got[0];
    }

    @Test
    void theHeadroomLearnsFromTheHeadsBytesWhatItLearnedFromNettysMap() {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        long start = Instant.parse(NOW).toEpochMilli();
        int withLimits = 0;
        for (int round = 0; round < 3000; round++) {
            int status = rnd.nextInt(3) == 0 ? 429 : 200;
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(status == 429 ? " Too Many Requests" : " OK")
                    .append("\r\n");
            int n = rnd.nextInt(14);
            for (int i = 0; i < n; i++) {
                String name = name(rnd);
                head.append(name).append(": ").append(value(rnd, name)).append("\r\n");
            }
            head.append("content-length: 0\r\n\r\n");
            byte[] wire = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            HttpResponse fast = fastHead(wire);
            HttpResponse netty = nettyHead(wire);
            assertInstanceOf(AnswerHeaders.class, fast.headers(), "read by the fast path");

            AtomicLong clock = new AtomicLong(start);
            VendorHeadroom fromBytes = new VendorHeadroom(clock::get);
            VendorHeadroom fromMap = new VendorHeadroom(clock::get);
            fromBytes.observe(status, fast.headers());
            fromMap.observe(status, netty.headers());
            String what = "seed " + seed + ", head:\n" + head;
            VendorHeadroom.Snapshot learned = fromMap.snapshot(null, null);
            if (learned.remainingRequests() >= 0 || learned.remainingTokens() >= 0) {
                withLimits++;
            }
            for (long later : new long[]{0, 500, 30_000, 200_000}) {
                clock.set(start + later);
                assertEquals(fromMap.snapshot(null, null), fromBytes.snapshot(null, null), what);
                for (long tokens : new long[]{1, 1000, 150_000}) {
                    assertEquals(fromMap.waitMillis(null, null, tokens), fromBytes.waitMillis(null, null, tokens), what);
                }
            }
        }
        assertTrue(withLimits > 300, "the generated heads exercise the limits: " + withLimits);
    }

    @Test
    void firstValuesAreTheFirstOfEachNameAndNullWhenNoneIsThere() {
        byte[] wire = ("HTTP/1.1 200 OK\r\nRetry-After: 3\r\nx-request-id: r1\r\nretry-after: 9\r\n"
                + "X-RATELIMIT-RESET-TOKENS: 6m0s\r\ncontent-length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        AnswerHeaders h = (AnswerHeaders) fastHead(wire).headers();
        io.netty.util.AsciiString[] names = {io.netty.util.AsciiString.of("retry-after"),
                io.netty.util.AsciiString.of("x-ratelimit-reset-tokens"), io.netty.util.AsciiString.of("retry-after-ms")};
        String[] v = h.firstValues(names);
        assertEquals("3", v[0]);
        assertEquals("6m0s", v[1]);
        assertNull(v[2]);
        assertNull(h.firstValues(new io.netty.util.AsciiString[]{io.netty.util.AsciiString.of("x-absent")}));
        // Once changed, the headers are the map, and the values are read from it.
        h.remove("retry-after");
        assertNull(h.firstValues(names)[0]);
        assertEquals("6m0s", h.firstValues(names)[1]);
    }
}

package dev.junction.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The headers of a request read in one pass answer every question as the header map Netty's
 * decoder and aggregator build from the same bytes: lookups of present and absent names in any
 * case, value tests, numbers, iteration and size — before and after random changes to both.
 */
class RequestHeadersTest {

    private static final String[] NAMES = {"Host", "Content-Type", "Authorization", "Accept", "Connection",
            "User-Agent", "X-Request-Id", "x-request-id", "traceparent", "Cache-Control", "x-junction-deadline-ms",
            "anthropic-version", "X-Api-Key", "Content-Length", "Keep-Alive", "x-a", "X-A"};
    private static final String[] VALUES = {"application/json", "Bearer sk-1", "localhost", "close", "keep-alive",
            "Keep-Alive, Upgrade", "upgrade ,  close", "12", "x", "a\tb", "*/*", "no-cache", "2023-06-01", "-3", "70000"};
    private static final String[] ASKED = {"host", "HOST", "Host", "content-type", "authorization", "accept",
            "connection", "Connection", "x-request-id", "X-REQUEST-ID", "traceparent", "tracestate", "cache-control",
            "x-junction-deadline-ms", "x-junction-strategy", "anthropic-version", "anthropic-beta", "x-api-key",
            "content-length", "keep-alive", "x-a", "x-b", "", "hos", "hosts", "user-agent"};

    private static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    private static FullHttpRequest netty(byte[] wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(new HttpDecoderConfig()),
                new HttpObjectAggregator(1 << 20));
        ch.writeInbound(direct(wire));
        FullHttpRequest r = ch.readInbound();
        ch.finishAndReleaseAll();
        return r;
    }

    private static ByteBuf direct(byte[] wire) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(wire.length);
        b.writeBytes(wire);
        return b;
    }

    private static List<String> entries(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : h) {
            out.add(e.getKey() + ": " + e.getValue());
        }
        return out;
    }

    private static void same(HttpHeaders theirs, HttpHeaders mine, String what) {
        assertEquals(theirs.size(), mine.size(), what);
        assertEquals(theirs.isEmpty(), mine.isEmpty(), what);
        for (String n : ASKED) {
            AsciiString a = AsciiString.of(n);
            assertEquals(theirs.get(n), mine.get(n), what + " get " + n);
            assertEquals(theirs.get(a), mine.get(a), what + " get " + n);
            assertEquals(theirs.contains(n), mine.contains(n), what + " contains " + n);
            assertEquals(theirs.contains(a), mine.contains(a), what + " contains " + n);
            assertEquals(theirs.getAll(n), mine.getAll(n), what + " getAll " + n);
            for (String v : new String[] {"close", "keep-alive", "Keep-Alive", "upgrade", "12"}) {
                assertEquals(theirs.containsValue(n, v, true), mine.containsValue(n, v, true), what + n + v);
                assertEquals(theirs.containsValue(n, v, false), mine.containsValue(n, v, false), what + n + v);
                assertEquals(theirs.contains(n, v, true), mine.contains(n, v, true), what + n + v);
                assertEquals(theirs.contains(a, v, false), mine.contains(a, v, false), what + n + v);
            }
            assertEquals(theirs.getInt(n), mine.getInt(n), what + " getInt " + n);
        }
    }

    @Test
    void answersAsNettysHeaderMapBeforeAndAfterChanges() {
        Random random = new Random(31L);
        int compared = 0;
        for (int round = 0; round < 3_000; round++) {
            StringBuilder h = new StringBuilder(random.nextBoolean() ? "POST" : "GET")
                    .append(" /v1/chat/completions ").append(random.nextInt(5) == 0 ? "HTTP/1.0" : "HTTP/1.1").append("\r\n");
            int n = random.nextInt(9);
            boolean length = false;
            for (int k = 0; k < n; k++) {
                String name = pick(random, NAMES);
                if (name.equalsIgnoreCase("content-length")) {
                    if (length) {
                        continue;
                    }
                    length = true;
                    h.append(name).append(": 2\r\n");
                    continue;
                }
                h.append(name).append(':').append(random.nextBoolean() ? " " : "").append(pick(random, VALUES)).append("\r\n");
            }
            h.append("\r\n");
            if (length) {
                h.append("{}");
            }
            byte[] wire = h.toString().getBytes(StandardCharsets.ISO_8859_1);
            ByteBuf in = direct(wire);
            FullHttpRequest mine = WholeRequest.read(in, 8192, 8192, 1 << 20);
            in.release();
            assertNotNull(mine, h.toString());
            FullHttpRequest theirs = netty(wire);
            try {
                assertTrue(theirs.decoderResult().isSuccess(), h.toString());
                assertInstanceOf(RequestHeaders.class, mine.headers());
                String what = h.toString();
                // Before anything makes the map: the lookups served from the bytes.
                same(theirs.headers(), mine.headers(), what);
                assertEquals(HttpUtil.isKeepAlive(theirs), HttpUtil.isKeepAlive(mine), what);
                assertEquals(HttpUtil.getContentLength(theirs, -1L), HttpUtil.getContentLength(mine, -1L), what);
                assertEquals(entries(theirs.headers()), entries(mine.headers()), what);
                // Changes, the same on both sides.
                for (int k = random.nextInt(4); k > 0; k--) {
                    String name = pick(random, ASKED);
                    if (name.isEmpty()) {
                        continue;
                    }
                    String value = pick(random, VALUES);
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            theirs.headers().add(name, value);
                            mine.headers().add(name, value);
                        }
                        case 1 -> {
                            theirs.headers().set(name, value);
                            mine.headers().set(name, value);
                        }
                        default -> {
                            theirs.headers().remove(name);
                            mine.headers().remove(name);
                        }
                    }
                }
                same(theirs.headers(), mine.headers(), what + " (changed)");
                assertEquals(entries(theirs.headers()), entries(mine.headers()), what);
                assertEquals(entries(theirs.headers().copy()), entries(mine.headers().copy()), what);
                compared++;
            } finally {
                mine.release();
                theirs.release();
            }
        }
        assertEquals(3_000, compared);
    }

    @Test
    void aRemovedHeaderIsGoneFromLookups() {
        byte[] wire = ("POST /v1/chat/completions HTTP/1.1\r\nX-Junction-Task-Token: t\r\nHost: h\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf in = direct(wire);
        FullHttpRequest r = WholeRequest.read(in, 8192, 8192, 100);
        in.release();
        assertNotNull(r);
        assertEquals("t", r.headers().get("x-junction-task-token"));
        r.headers().remove("x-junction-task-token");
        assertEquals(null, r.headers().get("x-junction-task-token"));
        assertEquals("h", r.headers().get(HttpHeaderNames.HOST));
        assertEquals(2, r.headers().size()); // Host and the content-length the aggregator would add
        r.release();
    }
}

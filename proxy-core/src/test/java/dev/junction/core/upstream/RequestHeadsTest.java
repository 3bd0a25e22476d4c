package dev.junction.core.upstream;

import dev.junction.core.tracing.TraceHeaders;
import dev.junction.core.tracing.TraceParent;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream request in wire form says what the header-map path says: random requests (methods,
 * paths, adapter headers with repeated names, framing headers, bad characters, trace headers,
 * small and large bodies) go both ways, and whenever the wire form vouches for one, both decode to
 * the same method, target, headers and body; whenever the header map refuses one, the wire form
 * refused it too.
 */
class RequestHeadsTest {

    private static final String SECRET = "sk-secret-0123456789abcdef";
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static final String[] METHODS = {"POST", "POST", "GET", "DELETE", "PUT", "HEAD", "PO ST", "PÖST", ""};
    private static final String[] ORIGINS = {"http://127.0.0.1:8080/v1", "https://api.example.com", "http://[::1]:9000/base/"};
    private static final String[] PATHS = {"/chat/completions", "/v1beta/models/m:generateContent?alt=sse",
            "/openai/deployments/d/chat/completions?api-version=2024-10-21", "/a b", "/é", "", "/x%20y"};
    private static final String[] NAMES = {"authorization", "Authorization", "x-api-key", "X-Org", "anthropic-version",
            "accept", "Host", "content-type", "content-length", "Transfer-Encoding", "bad name", "x:y", "ñame", ""};
    private static final String[] VALUES = {"Bearer " + SECRET, SECRET, "2023-06-01", "a\tb c", " lead", "trail ",
            "a\r\nx-evil: 1", "é", "", "v\u0000", "text/plain", "x\u007f"};
    private static final String[] EXTRA_NAMES = {"traceparent", "tracestate", "x-org", "HOST", "bad name", "Content-Length",
            "transfer-encoding"};
    private static final String[] EXTRA_VALUES = {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "k=v",
            "x\ny", "é"};

    private static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    @Test
    void theWireFormAgreesWithTheHeaderMapPathOnRandomRequests() {
        Random random = new Random(20261203);
        int vouched = 0;
        int refusedByBoth = 0;
        for (int i = 0; i < 1000; i++) {
            Origin origin = Origin.parse(pick(random, ORIGINS));
            RequestHeads heads = new RequestHeads(origin.authority());
            String method = random.nextInt(4) == 0 ? pick(random, METHODS) : "POST";
            String path = random.nextInt(4) == 0 ? pick(random, PATHS) : PATHS[random.nextInt(3)];
            boolean stream = random.nextBoolean();
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            for (int k = random.nextInt(5); k > 0; k--) {
                // Mostly plain entries, so that most requests are ones the wire form should vouch for.
                headers.add(random.nextInt(3) == 0 ? Map.entry(pick(random, NAMES), pick(random, VALUES))
                        : Map.entry(pick(random, NAMES).toLowerCase(Locale.ROOT).replaceAll("[^a-z-]", "x"),
                        random.nextBoolean() ? "Bearer " + SECRET : "2023-06-01"));
            }
            Map<String, String> extra = null;
            if (random.nextInt(4) == 0) {
                // The gateway's own trace headers, as an attempt makes them.
                extra = TraceHeaders.of(TraceParent.newTraceId(), random.nextBoolean() ? "01" : "00",
                        random.nextInt(3) == 0 ? pick(random, EXTRA_VALUES) : null);
            } else if (random.nextBoolean()) {
                extra = new LinkedHashMap<>();
                for (int k = 1 + random.nextInt(2); k > 0; k--) {
                    extra.put(random.nextInt(4) == 0 ? pick(random, EXTRA_NAMES) : "traceparent",
                            random.nextInt(4) == 0 ? pick(random, EXTRA_VALUES) : EXTRA_VALUES[0]);
                }
            }
            byte[] body = new byte[random.nextInt(20) == 0 ? 16 * 1024 + random.nextInt(20_000) : random.nextInt(400)];
            random.nextBytes(body);

            byte[] reference = null;
            RuntimeException refused = null;
            try {
                reference = viaHeaderMap(origin, new UpstreamRequest(method, path, headers, Unpooled.wrappedBuffer(body),
                        stream), extra);
            } catch (RuntimeException e) {
                refused = e;
            }
            ByteBuf ours = Unpooled.wrappedBuffer(body);
            EncodedRequest encoded = heads.encode(origin.basePath(), new UpstreamRequest(method, path, headers, ours, stream),
                    extra, ALLOC);
            if (encoded == null) {
                assertTrue(ours.refCnt() == 1, "a request left to the header map keeps its body");
                ours.release();
                if (refused != null) {
                    refusedByBoth++;
                }
                continue;
            }
            String what = "case " + i + ": " + method + " " + path + " " + headers.size() + " headers";
            assertNull(refused, () -> what + ": the wire form vouched for a request the header map refuses");
            vouched++;
            if (body.length > RequestHeads.COPY_BODY_BYTES) {
                assertInstanceOf(CompositeByteBuf.class, encoded.content(), "a large body is not copied");
            }
            byte[] wire = new byte[encoded.content().readableBytes()];
            encoded.content().getBytes(encoded.content().readerIndex(), wire);
            encoded.release();
            assertTrue(body.length == 0 || ours.refCnt() == 0, "the wire form took the body"); // (empty: a constant)
            assertEquals(decode(reference), decode(wire), what);
        }
        assertTrue(vouched > 300, "the wire form vouched for " + vouched + " of 1000");
        assertTrue(refusedByBoth > 30, "refused by both: " + refusedByBoth);
    }

    @Test
    void aDeploymentsHeadIsEncodedOnceAndKeptForItsRequests() {
        RequestHeads heads = new RequestHeads("api.example.com");
        for (int i = 0; i < 10; i++) {
            // A fresh list and a fresh value string each time, as the adapters build them.
            List<Map.Entry<String, String>> h = List.of(Map.entry("authorization", "Bearer " + SECRET.substring(0)));
            EncodedRequest e = heads.encode("/v1", new UpstreamRequest("POST", "/chat/completions", h,
                    Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII), i % 2 == 0), null, ALLOC);
            assertNotNull(e);
            e.release();
        }
        assertEquals(2, heads.size(), "one head per stream flag");
        for (int i = 0; i < RequestHeads.MAX_HEADS + 5; i++) {
            EncodedRequest e = heads.encode("/v1", new UpstreamRequest("POST", "/m" + i, List.of(),
                    Unpooled.EMPTY_BUFFER, false), null, ALLOC);
            e.release();
        }
        assertTrue(heads.size() <= RequestHeads.MAX_HEADS, "the heads kept are bounded: " + heads.size());
    }

    @Test
    void nothingPrintsTheCredentialsTheHeadHolds() {
        RequestHeads heads = new RequestHeads("api.example.com");
        EncodedRequest e = heads.encode("/v1", new UpstreamRequest("POST", "/chat/completions",
                List.of(Map.entry("authorization", "Bearer " + SECRET)), Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII),
                false), Map.of("traceparent", "00-ab-cd-01"), ALLOC);
        assertNotNull(e);
        try {
            assertTrue(e.content().toString(StandardCharsets.US_ASCII).contains(SECRET), "the key is in the bytes");
            for (String shown : List.of(e.toString(), String.valueOf(e.content()), heads.toString(), e.touch("x").toString())) {
                assertFalse(shown.contains(SECRET), shown);
                assertFalse(shown.contains("Bearer"), shown);
            }
            assertEquals("EncodedRequest(POST, " + e.content().readableBytes() + " bytes)", e.toString());
        } finally {
            e.release();
        }
    }

    @Test
    void aRequestTheHeadDoesNotVouchForIsLeftWhole() {
        RequestHeads heads = new RequestHeads("h");
        ByteBuf body = Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII);
        UpstreamRequest nonAscii = new UpstreamRequest("POST", "/x", List.of(Map.entry("x-name", "é")), body, false);
        assertNull(heads.encode("", nonAscii, null, ALLOC));
        UpstreamRequest framing = new UpstreamRequest("POST", "/x", List.of(Map.entry("Content-Length", "5")), body, false);
        assertNull(heads.encode("", framing, null, ALLOC));
        UpstreamRequest plain = new UpstreamRequest("POST", "/x", List.of(Map.entry("x-name", "v")), body, false);
        assertNull(heads.encode("", plain, Map.of("X-NAME", "w"), ALLOC), "an extra header repeating one of the head");
        assertEquals(1, body.refCnt());
        EncodedRequest ok = heads.encode("", plain, Map.of("traceparent", "t"), ALLOC);
        assertSame(io.netty.handler.codec.http.HttpMethod.POST, ok.method());
        ok.release();
        assertEquals(0, body.refCnt());
    }

    @Test
    void theGatewaysTraceparentIsWrittenAsTheSameBytesAsItsValueInAMap() {
        RequestHeads heads = new RequestHeads("api.example.com");
        List<Map.Entry<String, String>> auth = List.of(Map.entry("authorization", "Bearer k"));
        for (int i = 0; i < 50; i++) {
            Map<String, String> trace = TraceHeaders.of(TraceParent.newTraceId(), i % 2 == 0 ? "01" : "00", null);
            assertInstanceOf(TraceHeaders.class, trace);
            String traceparent = trace.get("traceparent");
            EncodedRequest direct = heads.encode("/v1", new UpstreamRequest("POST", "/chat/completions", auth,
                    Unpooled.copiedBuffer("{\"a\":" + i + "}", StandardCharsets.US_ASCII), false), trace, ALLOC);
            EncodedRequest viaMap = heads.encode("/v1", new UpstreamRequest("POST", "/chat/completions", auth,
                    Unpooled.copiedBuffer("{\"a\":" + i + "}", StandardCharsets.US_ASCII), false),
                    Map.of("traceparent", traceparent), ALLOC);
            String a = direct.content().toString(StandardCharsets.US_ASCII);
            String b = viaMap.content().toString(StandardCharsets.US_ASCII);
            direct.release();
            viaMap.release();
            assertEquals(b, a);
            assertTrue(a.contains("\r\ntraceparent: " + traceparent + "\r\n\r\n"), a);
            assertEquals(traceparent, trace.get("traceparent"), "the same value each time it is read");
        }
        // An adapter that sends a traceparent of its own: the request takes the header-map path, as before.
        ByteBuf body = Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII);
        assertNull(heads.encode("/v1", new UpstreamRequest("POST", "/chat/completions",
                List.of(Map.entry("Traceparent", "00-ab-cd-01")), body, false),
                TraceHeaders.of(TraceParent.newTraceId(), "01", null), ALLOC));
        body.release();
    }

    /** The header-map path's bytes (Netty's request encoder), or its refusal. */
    private static byte[] viaHeaderMap(Origin origin, UpstreamRequest req, Map<String, String> extra) {
        FullHttpRequest http;
        try {
            http = UpstreamClient.headerMapRequest(origin, req, extra);
        } catch (RuntimeException e) {
            req.body().release();
            throw e;
        }
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestEncoder());
        try {
            ch.writeOutbound(http);
            ByteBuf all = Unpooled.buffer();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                all.writeBytes((ByteBuf) o);
                ReferenceCountUtil.release(o);
            }
            byte[] b = new byte[all.readableBytes()];
            all.readBytes(b);
            all.release();
            return b;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** What a server reads from the bytes: method, target, headers (names in lower case, sorted) and body. */
    private static String decode(byte[] wire) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpRequestDecoder(), new HttpObjectAggregator(1 << 20));
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(wire));
            FullHttpRequest r = ch.readInbound();
            assertNotNull(r, "decoded");
            try {
                assertTrue(r.decoderResult().isSuccess(), () -> String.valueOf(r.decoderResult()));
                List<String> headers = new ArrayList<>();
                r.headers().forEach(h -> headers.add(h.getKey().toLowerCase(Locale.ROOT) + ": " + h.getValue()));
                headers.sort(null);
                StringBuilder body = new StringBuilder();
                for (int i = r.content().readerIndex(); i < r.content().writerIndex(); i++) {
                    body.append(Integer.toHexString(r.content().getByte(i) & 0xff));
                }
                return r.method() + " " + r.uri() + "\n" + String.join("\n", headers) + "\n\n" + body;
            } finally {
                r.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}

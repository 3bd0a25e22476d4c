package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.HttpResponses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server codec against Netty's {@link HttpServerCodec}: the same requests answered through
 * both must give the same answers on the wire — an {@link EncodedResponse} through this codec the
 * same status, headers and body as the equivalent header-map answer through Netty's — including
 * HEAD answers and pipelined requests.
 */
class ServerHttpCodecTest {

    private static final AsciiString[] NAMES = {HttpResponses.X_REQUEST_ID, HttpResponses.X_PROVIDER,
        HttpResponses.X_MODEL, HttpResponses.X_ATTEMPTS, HttpResponses.SERVER_TIMING, HttpResponses.X_COST};

    @Test
    void encodedAnswersMatchNettysEncodingOfTheSameHeaders() {
        Random random = new Random(20261203);
        int fellBack = 0;
        for (int round = 0; round < 500; round++) {
            boolean keepAlive = random.nextInt(4) != 0;
            String body = "{\"id\":\"" + randomValue(random, false) + "\"}";
            List<Map.Entry<AsciiString, String>> headers = new ArrayList<>();
            boolean odd = false;
            Double cost = null;
            for (AsciiString name : NAMES) {
                if (random.nextInt(3) != 0) {
                    if (name == HttpResponses.X_COST && random.nextBoolean()) {
                        // An amount, written by the builder's own digits (or BigDecimal's near a rounding boundary).
                        cost = switch (random.nextInt(3)) {
                            case 0 -> random.nextInt(200_000) * (random.nextInt(5000) / 1e9);
                            case 1 -> random.nextDouble() * Math.pow(10, -random.nextInt(12));
                            default -> random.nextInt(100_000_000) / 1e9 + random.nextInt(3) * 5e-10 + random.nextInt(2) * 1e4;
                        };
                        headers.add(Map.entry(name, HttpResponses.usd(cost)));
                        continue;
                    }
                    boolean weird = random.nextInt(20) == 0;
                    odd |= weird;
                    headers.add(Map.entry(name, randomValue(random, weird)));
                }
            }
            EncodedResponse.Builder b = EncodedResponse.okJson(ByteBufAllocator.DEFAULT, utf8(body).length, keepAlive);
            for (Map.Entry<AsciiString, String> h : headers) {
                byte[] latin1 = h.getValue().getBytes(StandardCharsets.ISO_8859_1);
                if (cost != null && h.getKey() == HttpResponses.X_COST) {
                    b.usd(h.getKey(), cost);
                    continue;
                }
                switch (random.nextInt(3)) {
                    case 0 -> b.header(h.getKey(), h.getValue());
                    case 1 -> b.header(h.getKey(), new AsciiString(latin1, false));
                    default -> {
                        // The bytes somewhere inside a larger array.
                        int off = random.nextInt(4);
                        byte[] inside = new byte[off + latin1.length + random.nextInt(4)];
                        java.util.Arrays.fill(inside, (byte) 0x01);
                        System.arraycopy(latin1, 0, inside, off, latin1.length);
                        b.header(h.getKey(), inside, off, latin1.length);
                    }
                }
            }
            ByteBuf content;
            if (random.nextBoolean()) {
                content = Unpooled.wrappedBuffer(utf8(body));
            } else {
                // A direct body inside a larger buffer, as an upstream answer's body slice is.
                int pad = random.nextInt(8);
                ByteBuf whole = ByteBufAllocator.DEFAULT.directBuffer();
                whole.writeZero(pad).writeBytes(utf8(body)).writeZero(random.nextInt(8));
                content = whole.slice(pad, utf8(body).length);
            }
            EncodedResponse encoded = b.build(content);
            if (encoded == null) {
                // Only a value with a character outside visible ASCII is refused, and the body is still ours.
                assertTrue(odd, "refused without cause: " + headers);
                assertEquals(1, content.refCnt());
                content.release();
                fellBack++;
                continue;
            }
            FullHttpResponse reference = HttpResponses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(utf8(body)));
            for (Map.Entry<AsciiString, String> h : headers) {
                reference.headers().set(h.getKey(), h.getValue());
            }
            HttpUtil.setKeepAlive(reference, keepAlive);

            Answer mine = answer(new ServerHttpCodec(new HttpDecoderConfig()), HttpMethod.POST, encoded);
            Answer netty = answer(new HttpServerCodec(new HttpDecoderConfig()), HttpMethod.POST, reference);
            assertEquals(netty, mine, "round " + round);
            assertEquals(!keepAlive, mine.closed, "closed after an answer that says so");
        }
        assertTrue(fellBack > 0 && fellBack < 250, "odd values fell back: " + fellBack);
    }

    @Test
    void aHeadAnswerIsTheHeadAloneWithTheBodysLength() {
        EncodedResponse e = EncodedResponse.okJson(ByteBufAllocator.DEFAULT, 7, true)
                .header(HttpResponses.X_REQUEST_ID, "req-1").build(Unpooled.copiedBuffer("{\"a\":1}", StandardCharsets.UTF_8));
        assertNotNull(e);
        Answer a = answer(new ServerHttpCodec(new HttpDecoderConfig()), HttpMethod.HEAD, e);
        assertTrue(a.wire.endsWith("\r\n\r\n"), a.wire);
        assertTrue(a.wire.contains("content-length: 7\r\n"), a.wire);
        assertFalse(a.wire.contains("{"), a.wire);
    }

    @Test
    void pipelinedRequestsGetTheirOwnMethodsAnswers() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig()));
        for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST}) {
            ch.writeInbound(request(m));
        }
        List<Object> requests = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            requests.add(o);
            io.netty.util.ReferenceCountUtil.release(o);
        }
        // Each arrived whole: read in one pass as one full request (WholeRequest).
        assertEquals(3, requests.size(), "three whole requests");
        assertTrue(requests.stream().allMatch(o -> o instanceof io.netty.handler.codec.http.FullHttpRequest), () -> requests.toString());
        ch.writeOutbound(okJson("{\"n\":1}"));
        FullHttpResponse head = HttpResponses.json(HttpResponseStatus.OK, Unpooled.copiedBuffer("{\"n\":2}", StandardCharsets.UTF_8));
        ch.writeOutbound(head);
        ch.writeOutbound(okJson("{\"n\":3}"));
        String wire = drain(ch);
        // GET: body; HEAD (through the header map): no body; POST: body.
        assertTrue(wire.contains("\r\n\r\n{\"n\":1}HTTP/1.1 200 OK"), wire);
        assertFalse(wire.contains("{\"n\":2}"), wire);
        assertTrue(wire.endsWith("\r\n\r\n{\"n\":3}"), wire);
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void aLargeBodyIsSentBehindTheHeadWithoutBeingCopied() {
        StringBuilder json = new StringBuilder("{\"content\":\"");
        while (json.length() < 3 * EncodedResponse.COPY_BODY_BYTES) {
            json.append("lorem ipsum ");
        }
        String body = json.append("\"}").toString();
        for (HttpMethod method : new HttpMethod[] {HttpMethod.POST, HttpMethod.HEAD}) {
            EncodedResponse e = EncodedResponse.okJson(ByteBufAllocator.DEFAULT, utf8(body).length, true)
                    .header(HttpResponses.X_REQUEST_ID, "req-large").build(Unpooled.wrappedBuffer(utf8(body)));
            assertNotNull(e);
            assertTrue(e.wire() instanceof io.netty.buffer.CompositeByteBuf, "head and body as two components");
            FullHttpResponse reference = HttpResponses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(utf8(body)));
            reference.headers().set(HttpResponses.X_REQUEST_ID, "req-large");
            Answer mine = answer(new ServerHttpCodec(new HttpDecoderConfig()), method, e);
            Answer netty = answer(new HttpServerCodec(new HttpDecoderConfig()), method, reference);
            assertEquals(netty, mine, method.name());
            if (method == HttpMethod.HEAD) {
                assertTrue(mine.wire.endsWith("\r\n\r\n") && !mine.wire.contains("lorem"), "head only");
            }
        }
    }

    @Test
    void aRefusedBuilderLetsGoOfItsHead() {
        EncodedResponse.Builder b = EncodedResponse.okJson(ByteBufAllocator.DEFAULT, 2, true)
                .header(HttpResponses.X_WARNINGS, "bad\r\nx-injected: 1");
        ByteBuf body = Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8);
        assertNull(b.build(body));
        assertEquals(1, body.refCnt());
        body.release();
    }

    private static EncodedResponse okJson(String body) {
        byte[] b = utf8(body);
        return EncodedResponse.okJson(ByteBufAllocator.DEFAULT, b.length, true).build(Unpooled.wrappedBuffer(b));
    }

    /** What a client reads back when {@code codec} answers one {@code method} request with {@code response}. */
    private static Answer answer(io.netty.channel.ChannelHandler codec, HttpMethod method, FullHttpResponse response) {
        // Netty's codec with its keep-alive handler; ServerHttpCodec alone (it keeps keep-alive itself).
        EmbeddedChannel server = codec instanceof ServerHttpCodec ? new EmbeddedChannel(codec)
                : new EmbeddedChannel(codec, new HttpServerKeepAliveHandler());
        boolean keepAlive = HttpUtil.isKeepAlive(response);
        ByteBuf req = request(method);
        if (!keepAlive) {
            // The keep-alive handler closes after an answer to a request that asked for it.
            req.release();
            DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/v1/chat/completions");
            r.headers().set(HttpHeaderNames.CONNECTION, "close");
            req = encode(r);
        }
        server.writeInbound(req);
        for (Object o; (o = server.readInbound()) != null; ) {
            io.netty.util.ReferenceCountUtil.release(o);
        }
        server.writeOutbound(response);
        String wire = drain(server);
        boolean closed = !server.isOpen();
        server.finishAndReleaseAll();

        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        if (method == HttpMethod.HEAD) {
            return new Answer(wire, null, closed);
        }
        client.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.ISO_8859_1));
        FullHttpResponse parsed = client.readInbound();
        String parsedText = parsed.status() + " " + new java.util.TreeMap<>(sorted(parsed)) + " "
                + parsed.content().toString(StandardCharsets.UTF_8);
        parsed.release();
        client.finishAndReleaseAll();
        return new Answer(wire, parsedText, closed);
    }

    private static Map<String, List<String>> sorted(FullHttpResponse r) {
        Map<String, List<String>> m = new java.util.TreeMap<>();
        for (String name : r.headers().names()) {
            m.put(name.toLowerCase(java.util.Locale.ROOT), r.headers().getAll(name));
        }
        return m;
    }

    private record Answer(String wire, String parsed, boolean closed) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Answer a && java.util.Objects.equals(parsed, a.parsed) && closed == a.closed;
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(parsed, closed);
        }
    }

    private static ByteBuf request(HttpMethod m) {
        return encode(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, "/v1/chat/completions"));
    }

    private static ByteBuf encode(DefaultFullHttpRequest r) {
        HttpUtil.setContentLength(r, 0);
        EmbeddedChannel enc = new EmbeddedChannel(new HttpRequestEncoder());
        enc.writeOutbound(r);
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b; (b = enc.readOutbound()) != null; ) {
            out.writeBytes(b);
            b.release();
        }
        enc.finishAndReleaseAll();
        return out;
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder s = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            s.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return s.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A header value: mostly visible ASCII; {@code weird} ones get a control or non-ASCII character too. */
    private static String randomValue(Random r, boolean weird) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            s.append((char) (0x21 + r.nextInt(0x7e - 0x21)));
            if (r.nextInt(8) == 0) {
                s.append(r.nextBoolean() ? ' ' : '\t');
            }
        }
        if (weird) {
            char[] odd = {'\u0000', '\u0001', '\u007f', '\u00e9', '\u00ff'};
            s.insert(r.nextInt(s.length()), odd[r.nextInt(odd.length)]);
        }
        return s.toString().strip();
    }
}

package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link ServerHttpCodec} does in place of the two Netty handlers that used to sit behind it:
 * keep-alive ({@code HttpServerKeepAliveHandler}: held side by side with Netty's codec and that
 * handler, bytes and closes) and bounded aggregation (a {@link BodyLimitAggregator} it adds behind
 * itself only once a request does not arrive whole). End to end: HostileClientTest (pipelining,
 * 413 with a drain, 100-continue), StreamFramingTest (HTTP/1.0 and Connection: close streams).
 */
class ServerHttpCodecFoldTest {

    private static final int MAX_BODY = 64;

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String request(String version, String connection, String body) {
        return "POST /v1/chat/completions " + version + "\r\nHost: x\r\n"
                + (connection == null ? "" : "Connection: " + connection + "\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    private static List<FullHttpRequest> requests(EmbeddedChannel ch) {
        List<FullHttpRequest> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(assertInstanceOf(FullHttpRequest.class, o));
        }
        return out;
    }

    /** An answer as a handler would write it: with or without a length, saying keep-alive as the request asked or not. */
    private static FullHttpResponse answer(int n, boolean withLength, Boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("{\"n\":" + n + "}", StandardCharsets.US_ASCII));
        if (withLength) {
            HttpUtil.setContentLength(r, r.content().readableBytes());
        }
        if (keepAlive != null) {
            HttpUtil.setKeepAlive(r, keepAlive);
        }
        return r;
    }

    private record Served(String wire, boolean closed, int requests) {
    }

    /** {@code reads} in one go, then an answer per request decoded while the channel is open. */
    private static Served serve(EmbeddedChannel ch, String reads, boolean withLength, boolean echoKeepAlive) {
        ch.writeInbound(bytes(reads));
        List<HttpRequest> heads = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            if (o instanceof HttpRequest r) {
                heads.add(r);
            }
            ReferenceCountUtil.release(o);
        }
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < heads.size() && ch.isOpen(); i++) {
            ch.writeOutbound(answer(i, withLength, echoKeepAlive ? HttpUtil.isKeepAlive(heads.get(i)) : null));
            wire.append(written(ch));
        }
        boolean closed = !ch.isOpen();
        ch.finishAndReleaseAll();
        return new Served(wire.toString(), closed, heads.size());
    }

    @Test
    void keepAliveIsKeptAsNettysKeepAliveHandlerKeepsIt() {
        String[] versions = {"HTTP/1.1", "HTTP/1.0"};
        String[] connections = {null, "close", "keep-alive", "Keep-Alive", "Close"};
        int closes = 0;
        for (String v1 : versions) {
            for (String c1 : connections) {
                for (String second : new String[] {null, "HTTP/1.1", "HTTP/1.1 close", "HTTP/1.0"}) {
                    for (boolean withLength : new boolean[] {true, false}) {
                        for (boolean echo : new boolean[] {true, false}) {
                            String reads = request(v1, c1, "{}");
                            if (second != null) {
                                String[] p = second.split(" ");
                                reads += request(p[0], p.length > 1 ? p[1] : null, "{\"b\":1}");
                            }
                            ChannelHandler mine = new ServerHttpCodec(new HttpDecoderConfig());
                            Served a = serve(new EmbeddedChannel(mine), reads, withLength, echo);
                            Served n = serve(new EmbeddedChannel(new HttpServerCodec(), new HttpServerKeepAliveHandler()),
                                    reads, withLength, echo);
                            String round = v1 + " " + c1 + " / " + second + " length " + withLength + " echo " + echo;
                            assertEquals(n, a, round);
                            closes += a.closed ? 1 : 0;
                        }
                    }
                }
            }
        }
        assertTrue(closes > 0, "some rounds close");
    }

    @Test
    void anHttp10RequestIsAnsweredAndClosedUnlessItAsksForKeepAlive() {
        Served closed = serve(new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig())),
                request("HTTP/1.0", null, "{}"), true, true);
        assertTrue(closed.closed, closed.wire);
        assertTrue(closed.wire.startsWith("HTTP/1.1 200 OK\r\n"), closed.wire);
        Served kept = serve(new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig())),
                request("HTTP/1.0", "keep-alive", "{}"), true, true);
        assertFalse(kept.closed, kept.wire);
    }

    @Test
    void aConnectionCloseRequestGetsConnectionCloseOnItsAnswerAndNoAnswerAfter() {
        Served s = serve(new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig())),
                request("HTTP/1.1", "close", "{}") + request("HTTP/1.1", null, "{}"), true, false);
        assertEquals(2, s.requests, "both were read");
        assertTrue(s.closed);
        assertTrue(s.wire.contains("connection: close\r\n"), "said on an answer that did not: " + s.wire);
        assertEquals(1, s.wire.split("HTTP/1.1 200", -1).length - 1, "the request behind the close is not answered: " + s.wire);
    }

    @Test
    void anAnswerInWireFormDecidesLikeTheHeadersItCarries() {
        for (boolean keepAlive : new boolean[] {true, false}) {
            EmbeddedChannel ch = new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig()));
            ch.writeInbound(bytes(request("HTTP/1.1", null, "{}") + request("HTTP/1.1", null, "{}")));
            requests(ch).forEach(FullHttpRequest::release);
            ch.writeOutbound(EncodedResponse.okJson(ByteBufAllocator.DEFAULT, 2, keepAlive)
                    .build(Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII)));
            String wire = written(ch);
            assertEquals(!keepAlive, wire.contains("connection: close\r\n"), wire);
            assertEquals(keepAlive, ch.isOpen(), "an answer that says close closes a kept-alive connection, as its headers say");
            ch.finishAndReleaseAll();
        }
    }

    private static EmbeddedChannel gateway() {
        return new EmbeddedChannel(ServerHttpCodec.forGateway(new HttpDecoderConfig(), MAX_BODY, null));
    }

    @Test
    void aRequestThatArrivesWholeIsHandedOnWithoutAnAggregator() {
        EmbeddedChannel ch = gateway();
        ch.writeInbound(bytes(request("HTTP/1.1", null, "{\"a\":1}")));
        List<FullHttpRequest> r = requests(ch);
        assertEquals(1, r.size());
        assertEquals("{\"a\":1}", r.get(0).content().toString(StandardCharsets.UTF_8));
        r.forEach(FullHttpRequest::release);
        assertNull(ch.pipeline().get(BodyLimitAggregator.class), "no aggregator on a connection of whole requests");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void pipelinedWholeRequestsInOneReadArriveInOrder() {
        EmbeddedChannel ch = gateway();
        ch.writeInbound(bytes(request("HTTP/1.1", null, "{\"n\":1}") + request("HTTP/1.1", null, "{\"n\":2}")
                + request("HTTP/1.1", null, "{\"n\":3}")));
        List<FullHttpRequest> r = requests(ch);
        assertEquals(3, r.size());
        for (int i = 0; i < 3; i++) {
            assertEquals("{\"n\":" + (i + 1) + "}", r.get(i).content().toString(StandardCharsets.UTF_8));
            r.get(i).release();
        }
        assertNull(ch.pipeline().get(BodyLimitAggregator.class));
        ch.finishAndReleaseAll();
    }

    @Test
    void aBodyThatSpansReadsIsGatheredIntoOneRequest() {
        EmbeddedChannel ch = gateway();
        String whole = request("HTTP/1.1", null, "{\"model\":\"m\"}");
        ch.writeInbound(bytes(whole.substring(0, whole.length() - 5)));
        assertNull(ch.readInbound(), "nothing before the body is whole");
        ch.writeInbound(bytes(whole.substring(whole.length() - 5) + request("HTTP/1.1", null, "{}")));
        List<FullHttpRequest> r = requests(ch);
        assertEquals(2, r.size(), "the gathered one, then the whole one behind it");
        assertEquals("{\"model\":\"m\"}", r.get(0).content().toString(StandardCharsets.UTF_8));
        assertEquals("{}", r.get(1).content().toString(StandardCharsets.UTF_8));
        r.forEach(FullHttpRequest::release);
        assertNotNull(ch.pipeline().get(BodyLimitAggregator.class), "added when the first request came in parts");
        ch.finishAndReleaseAll();
    }

    @Test
    void aChunkedBodyIsGatheredAndAnOversizedOneIsHandedOnAsTooLarge() {
        EmbeddedChannel ch = gateway();
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        ch.writeInbound(bytes(head + "3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n"));
        List<FullHttpRequest> r = requests(ch);
        assertEquals(1, r.size());
        assertEquals("{\"a\":1}", r.get(0).content().toString(StandardCharsets.UTF_8));
        assertTrue(r.get(0).decoderResult().isSuccess());
        r.forEach(FullHttpRequest::release);

        String chunk = "x".repeat(40);
        ch.writeInbound(bytes(head + "28\r\n" + chunk + "\r\n28\r\n" + chunk + "\r\n"));
        List<FullHttpRequest> tooLarge = requests(ch);
        assertEquals(1, tooLarge.size(), "80 bytes in chunks, over the 64-byte limit");
        assertInstanceOf(TooLongHttpContentException.class, tooLarge.get(0).decoderResult().cause());
        tooLarge.forEach(FullHttpRequest::release);
        ch.finishAndReleaseAll();
    }

    @Test
    void expectContinueIsAnsweredWithinTheLimitAndRefusedOverIt() {
        EmbeddedChannel ch = gateway();
        ch.writeInbound(bytes("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: 2\r\n\r\n"));
        assertEquals("HTTP/1.1 100 Continue\r\n\r\n", written(ch));
        ch.writeInbound(bytes("{}"));
        List<FullHttpRequest> r = requests(ch);
        assertEquals(1, r.size());
        assertEquals("{}", r.get(0).content().toString(StandardCharsets.UTF_8));
        r.forEach(FullHttpRequest::release);
        ch.writeOutbound(answer(1, true, true));
        assertTrue(written(ch).startsWith("HTTP/1.1 200 OK\r\n"));
        assertTrue(ch.isOpen(), "the 100 Continue is no answer of its own: kept alive after the 200");

        ch.writeInbound(bytes("POST /v1/messages HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: 1000\r\n\r\n"));
        String refused = written(ch);
        assertTrue(refused.startsWith("HTTP/1.1 413 "), refused);
        assertTrue(refused.contains("request_too_large"), refused);
        assertFalse(ch.isOpen(), "closed after the 413");
        ch.finishAndReleaseAll();
    }

    @Test
    void anAnswerBeforeADrainLeavesTheConnectionOpen() {
        EmbeddedChannel ch = gateway();
        ch.writeInbound(bytes(request("HTTP/1.1", "close", "{}")));
        requests(ch).forEach(FullHttpRequest::release);
        ch.pipeline().get(ServerHttpCodec.class).lingerAfterAnswer();
        FullHttpResponse r = answer(1, true, false);
        ch.writeOutbound(r);
        assertTrue(written(ch).contains("connection: close\r\n"));
        assertTrue(ch.isOpen(), "the drain closes it, not the codec");
        ch.finishAndReleaseAll();
    }
}

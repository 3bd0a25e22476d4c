package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream codec pairs each answer with its request's method, in order, whether the request
 * went out in wire form or through Netty's encoder: no body in an answer to a HEAD, interim 1xx
 * answers that leave their request waiting, and the usual framings (length, chunked, read to close).
 */
class UpstreamHttpCodecTest {

    private final EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHttpCodec(new HttpDecoderConfig()));

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static EncodedRequest encoded(HttpMethod method, String wire) {
        return new EncodedRequest(method, ascii(wire));
    }

    /** One decoded answer: status and body text. */
    private record Answer(int status, String body) {
    }

    /** Decodes what the channel read into answers (interim ones included). */
    private List<Answer> answers() {
        List<Answer> out = new ArrayList<>();
        int status = -1;
        StringBuilder body = new StringBuilder();
        for (Object o; (o = ch.readInbound()) != null; ) {
            HttpObject m = (HttpObject) o;
            try {
                assertFalse(m.decoderResult().isFailure(), () -> "decoder failed: " + m.decoderResult());
                if (m instanceof HttpResponse r) {
                    status = r.status().code();
                    body.setLength(0);
                }
                if (m instanceof HttpContent c) {
                    body.append(c.content().toString(StandardCharsets.US_ASCII));
                }
                if (m instanceof LastHttpContent) {
                    out.add(new Answer(status, body.toString()));
                }
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return out;
    }

    private String written() {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            sb.append(((ByteBuf) o).toString(StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(o);
        }
        return sb.toString();
    }

    @Test
    void aRequestInWireFormIsWrittenAsItsBytes() {
        String wire = "POST /v1/chat/completions HTTP/1.1\r\nhost: h\r\ncontent-length: 2\r\n\r\n{}";
        EncodedRequest r = encoded(HttpMethod.POST, wire);
        assertTrue(ch.writeOutbound(r));
        assertEquals(wire, written());
        assertEquals(0, r.refCnt(), "the write took the request's reference");
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
        assertEquals(List.of(new Answer(200, "ok")), answers());
    }

    @Test
    void answersArePairedWithTheirRequestsMethodsInOrderWhicheverWayTheyWereWritten() {
        ch.writeOutbound(encoded(HttpMethod.HEAD, "HEAD /a HTTP/1.1\r\nhost: h\r\n\r\n"));
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/b"));
        ch.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/c"));
        ch.writeOutbound(encoded(HttpMethod.POST, "POST /d HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n"));
        written();
        // The answers to the HEADs announce a length but carry no body: the next answer follows at once.
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nget"
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\npost"));
        assertEquals(List.of(new Answer(200, ""), new Answer(200, "get"), new Answer(200, ""), new Answer(200, "post")),
                answers());
    }

    @Test
    void anInterimAnswerLeavesItsRequestWaitingForTheFinalOne() {
        ch.writeOutbound(encoded(HttpMethod.HEAD, "HEAD /a HTTP/1.1\r\nhost: h\r\n\r\n"));
        ch.writeOutbound(encoded(HttpMethod.GET, "GET /b HTTP/1.1\r\nhost: h\r\n\r\n"));
        written();
        ch.writeInbound(ascii("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
        assertEquals(List.of(new Answer(100, ""), new Answer(103, ""), new Answer(200, ""), new Answer(200, "ok")),
                answers());
    }

    @Test
    void chunkedLengthAndReadToCloseAnswersAreDecoded() {
        for (int i = 0; i < 3; i++) {
            ch.writeOutbound(encoded(HttpMethod.POST, "POST /x HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\n\r\n"));
        }
        written();
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                + "HTTP/1.1 400 Bad Request\r\ncontent-length: 3\r\n\r\nbad"
                + "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil "));
        ch.writeInbound(ascii("the end"));
        // The last answer has no length: it ends when the vendor closes the connection.
        assertFalse(ch.inboundMessages().stream().anyMatch(m -> m instanceof LastHttpContent l && l.content().toString(
                StandardCharsets.US_ASCII).contains("end")), "not ended before the close");
        ch.close();
        assertEquals(List.of(new Answer(200, "abcde"), new Answer(400, "bad"), new Answer(200, "until the end")),
                answers());
    }

    @Test
    void connectIsRefusedAndItsRequestReleased() {
        EncodedRequest r = encoded(HttpMethod.CONNECT, "CONNECT h:443 HTTP/1.1\r\n\r\n");
        ChannelFuture f = ch.writeOneOutbound(r);
        ch.flushOutbound();
        assertFalse(f.isSuccess());
        assertInstanceOf(IllegalArgumentException.class, f.cause());
        assertEquals(0, r.refCnt());
        DefaultFullHttpRequest n = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "h:443");
        ChannelFuture g = ch.writeOneOutbound(n);
        assertFalse(g.isSuccess());
        assertEquals(0, n.refCnt());
        assertEquals("", written());
    }
}

package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream codec and the answer decoder of the channel's handler pair each answer with its
 * request's method, in order, whether the request went out in wire form or through Netty's encoder:
 * no body in an answer to a HEAD, interim 1xx answers that leave their request waiting (and are not
 * handed on), and the usual framings (length, chunked, read to close).
 */
class UpstreamHttpCodecTest {

    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
    private final UpstreamHandler handler = new UpstreamHandler(new AnswerDecoder(UpstreamClient.DECODER, methods));
    private final EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHttpCodec(methods), handler);
    private final List<Answer> decoded = new ArrayList<>();
    private final List<String> events = new ArrayList<>();

    {
        handler.attach(new UpstreamHandler.Receiver() {
            int status = -1;
            final StringBuilder body = new StringBuilder();

            @Override
            public void head(HttpResponse head) {
                status = head.status().code();
                body.setLength(0);
            }

            @Override
            public void content(ByteBuf piece, boolean last) {
                body.append(piece.toString(StandardCharsets.US_ASCII));
                piece.release();
                if (last) {
                    decoded.add(new Answer(status, body.toString()));
                }
            }

            @Override
            public void malformed(String why) {
                events.add("malformed: " + why);
            }

            @Override
            public void readComplete() {
            }

            @Override
            public void closed(Throwable cause) {
                events.add("closed");
            }
        });
    }

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

    /** The answers decoded so far (final ones only); nothing malformed. */
    private List<Answer> answers() {
        assertFalse(events.stream().anyMatch(e -> e.startsWith("malformed")), () -> events.toString());
        assertNull(ch.readInbound(), "nothing passes the handler");
        List<Answer> out = new ArrayList<>(decoded);
        decoded.clear();
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
        assertEquals(List.of(new Answer(200, ""), new Answer(200, "ok")), answers());
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
        assertEquals(List.of(new Answer(200, "abcde"), new Answer(400, "bad")), answers(), "not ended before the close");
        ch.close();
        assertEquals(List.of(new Answer(200, "until the end")), answers());
        assertEquals(List.of("closed"), events, "the call is told of the close after its answer ended");
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

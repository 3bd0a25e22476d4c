package dev.junction.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The codec's read deadline ({@code junction.server.request-read-timeout}, SPEC §9) on the event
 * loop's clock, stopped and advanced by hand: one deadline from a request's first byte, not reset
 * by later bytes; none for a request that arrives whole; restarted while an answer is owed; given
 * up for good before a drain. End to end: HostileClientTest, ServerLimitsTest, DoorEarlyErrorsTest.
 */
class ServerHttpCodecReadDeadlineTest {

    private static final String WHOLE = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast("http", new ServerHttpCodec(new HttpDecoderConfig(), 64 * 1024, Duration.ofMillis(700)));
        return ch;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    /** What the channel wrote, as text (released). */
    private static String written(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    private static void releaseInbound(EmbeddedChannel ch) {
        for (Object o; (o = ch.readInbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
    }

    private static void answer(EmbeddedChannel ch) {
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        ch.writeAndFlush(r);
    }

    @Test
    void aRequestTrickledInIsCutOffOneTimeoutAfterItsFirstByte() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /v1/messages HTTP/1.1\r\nHost: x\r\n"));
        advance(ch, 400);
        ch.writeInbound(bytes("Content-Length: 10\r\n\r\n{\"a"));    // more bytes do not reset the deadline
        advance(ch, 299);
        assertEquals("", written(ch), "699 ms after the first byte");
        assertTrue(ch.isOpen());
        advance(ch, 1);
        String out = written(ch);
        assertTrue(out.startsWith("HTTP/1.1 408 "), out);
        assertTrue(out.contains("request-read-timeout"), out);
        assertTrue(out.contains("\"type\":\"error\""), "in the door's shape (Anthropic's for /v1/messages): " + out);
        assertFalse(ch.isOpen(), "closed after the 408");
        releaseInbound(ch);
    }

    @Test
    void aRequestThatArrivesWholeStartsNoDeadline() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes(WHOLE));
        FullHttpRequest req = ch.readInbound();
        req.release();
        answer(ch);
        assertTrue(written(ch).startsWith("HTTP/1.1 200 "));
        assertEquals(-1, ch.runScheduledPendingTasks(), "no timer was armed");
        advance(ch, 60_000);
        assertEquals("", written(ch));
        assertTrue(ch.isOpen());
    }

    @Test
    void aDeadlineThatPassesWhileAnAnswerIsOwedIsRestarted() {
        EmbeddedChannel ch = channel();
        // A whole request, then the first bytes of a pipelined one, in one read.
        ch.writeInbound(bytes(WHOLE + "POST /v1/chat/completions HTTP/1.1\r\n"));
        FullHttpRequest req = ch.readInbound();
        advance(ch, 700);
        assertEquals("", written(ch), "the first request is still owed its answer: no 408 before it");
        assertTrue(ch.isOpen());
        req.release();
        answer(ch);
        assertTrue(written(ch).startsWith("HTTP/1.1 200 "));
        advance(ch, 700);
        String out = written(ch);

        assertTrue(out.startsWith("HTTP/1.1 408 "), "the restarted deadline passes with nothing owed: " + out);
        assertTrue(out.contains("\"code\":\"request_timeout\""), "in OpenAI's shape: " + out);
        assertFalse(ch.isOpen());
        releaseInbound(ch);
    }

    @Test
    void aStoppedDeadlineNeverAnswers() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"));
        ch.pipeline().get(ServerHttpCodec.class).stopReadTimeout();
        advance(ch, 5_000);
        assertEquals("", written(ch));
        assertTrue(ch.isOpen());
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }
}

package dev.junction.core.proxy;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.EncodedStream;
import dev.junction.core.resilience.Deadline;
import dev.junction.core.time.Ticker;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Translator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When and how an exchange's answer reaches the client ({@link ClientAnswer}), driven through the
 * exchange's own calls on an embedded channel with no attempt running: a stream's first write and
 * each later round of frames leave as one flushed chunk once the event loop's round is done, a
 * stream sent in one burst leaves as its head and one last message, a lent batch leaves with the
 * bytes written into it (and without them when it is given back), a client that leaves releases
 * what waits, and errors are answered before the head and in-band after it.
 */
class ClientAnswerTest {

    private final EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final RequestContext rc = new RequestContext("req-1", System.nanoTime(), "POST", "/v1/chat/completions");
    private final List<RequestContext> ended = new ArrayList<>();
    private final List<ChatExchange> exchanges = new ArrayList<>();

    @AfterEach
    void close() {
        for (ChatExchange x : exchanges) {
            x.cancel(); // an exchange left running lets go of the client's body (nothing if it ended)
        }
        ch.finishAndReleaseAll();
    }

    private ChatExchange exchange(boolean stream) {
        ExchangeProtocol protocol = new ExchangeProtocol() {
            @Override
            public boolean stream() {
                return stream;
            }

            @Override
            public Translator translator(Route route) {
                throw new UnsupportedOperationException("no attempt runs here");
            }
        };
        ChatExchange x = new ChatExchange(ch.pipeline().firstContext(), rc, protocol, List.of(), null,
                ch.alloc().buffer(8), true, null, Deadline.none(Ticker.system()), null, null, ended::add);
        exchanges.add(x);
        return x;
    }

    @Test
    void aStreamsFirstWriteAndEachRoundLeaveAsOneFlushedChunkAfterTheRound() {
        ChatExchange x = exchange(true);
        x.write(frames("data: a\n\n"), false);
        x.write(frames("data: b\n\n"), false);
        assertNull(ch.readOutbound(), "the head and the first frames wait for the end of the round");
        ch.runPendingTasks();
        String head = text(ch.readOutbound());
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream"), head);
        assertTrue(head.contains("x-request-id: req-1\r\n"), head);
        assertEquals("12\r\ndata: a\n\ndata: b\n\n\r\n", text(ch.readOutbound()));
        assertNull(ch.readOutbound());

        x.write(frames("data: c\n\n", "data: d\n\n"), false);
        assertNull(ch.readOutbound());
        ch.runPendingTasks();
        assertEquals("12\r\ndata: c\n\ndata: d\n\n\r\n", text(ch.readOutbound()));
        assertEquals(4, rc.streamFrames);

        x.write(frames("data: [DONE]\n\n"), true);
        assertEquals("e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n", text(ch.readOutbound()));
        assertEquals(List.of(rc), ended);
        assertEquals(200, rc.status);
        assertTrue(x.finished());
    }

    @Test
    void aStreamSentInOneBurstIsItsHeadAndOneLastMessage() {
        ChatExchange x = exchange(true);
        x.write(frames("data: a\n\n"), false);
        x.write(frames("data: b\n\n"), false);
        x.write(frames("data: [DONE]\n\n"), true);
        assertTrue(text(ch.readOutbound()).startsWith("HTTP/1.1 200 OK\r\n"));
        assertEquals("20\r\ndata: a\n\ndata: b\n\ndata: [DONE]\n\n\r\n0\r\n\r\n", text(ch.readOutbound()));
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "the flush scheduled by the first write finds the stream ended");
        assertEquals(1, ended.size());
    }

    @Test
    void aLentBatchLeavesWithWhatWasWrittenIntoItAndWithoutItWhenGivenBack() {
        ChatExchange x = exchange(true);
        assertNull(x.lendBatch(), "nothing is lent before the head");
        x.write(frames("data: a\n\n"), false);
        ch.runPendingTasks();
        text(ch.readOutbound());
        text(ch.readOutbound());

        ByteBuf lent = x.lendBatch();
        lent.writeBytes(ascii("data: b\n\n"));
        List<ByteBuf> out = new ArrayList<>(List.of(lent));
        out.add(direct("data: c\n\n"));
        x.write(out, false);
        ch.runPendingTasks();
        assertEquals("12\r\ndata: b\n\ndata: c\n\n\r\n", text(ch.readOutbound()));
        assertEquals(2, rc.streamFrames, "the lent batch is not a frame of its own");

        lent = x.lendBatch();
        lent.writeBytes(ascii("data: dropped\n\n"));
        x.returnBatch(lent);
        x.write(frames("data: d\n\n"), false);
        ch.runPendingTasks();
        assertEquals("9\r\ndata: d\n\n\r\n", text(ch.readOutbound()));
        assertNull(ch.readOutbound());
    }

    @Test
    void aClientThatLeavesReleasesWhatWaitsAndNothingMoreIsWritten() {
        ChatExchange x = exchange(true);
        x.write(frames("data: a\n\n"), false);
        ByteBuf lent = x.lendBatch();
        x.returnBatch(lent);
        x.cancel();
        assertEquals(0, lent.refCnt(), "the waiting batch is released");
        assertNull(x.lendBatch());
        ch.runPendingTasks();
        assertNull(ch.readOutbound());
        assertEquals(499, rc.status);
        assertEquals(List.of(rc), ended);
    }

    @Test
    void anErrorBeforeTheHeadIsAnAnswerAndAfterItEndsTheStreamInBand() {
        ChatExchange x = exchange(true);
        x.reject(GatewayError.internal("no"));
        Object answer = ch.readOutbound();
        assertInstanceOf(FullHttpResponse.class, answer);
        assertEquals(500, ((FullHttpResponse) answer).status().code());
        assertEquals("req-1", ((FullHttpResponse) answer).headers().get("x-request-id"));
        ReferenceCountUtil.release(answer);

        ended.clear();
        rc.status = 0;
        ChatExchange streamed = exchange(true);
        streamed.write(frames("data: a\n\n"), false);
        streamed.reject(GatewayError.internal("late"));
        text(ch.readOutbound());
        String last = text(ch.readOutbound());
        assertTrue(last.contains("data: a\n\n") && last.contains("\"error\"") && last.endsWith("\r\n0\r\n\r\n"), last);
        assertEquals(200, rc.status);
        assertEquals(1, ended.size());
    }

    @Test
    void aUnaryAnswerLeavesInWireFormInOneMessage() {
        ChatExchange x = exchange(false);
        x.finishOk(direct("{\"ok\":true}"));
        Object answer = ch.readOutbound();
        assertInstanceOf(EncodedResponse.class, answer);
        String wire = text(answer);
        assertTrue(wire.startsWith("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n"), wire);
        assertTrue(wire.contains("x-request-id: req-1\r\n") && wire.endsWith("\r\n\r\n{\"ok\":true}"), wire);
        assertNull(ch.readOutbound());
        assertEquals(List.of(rc), ended);
    }

    private List<ByteBuf> frames(String... frames) {
        List<ByteBuf> out = new ArrayList<>();
        for (String f : frames) {
            out.add(direct(f));
        }
        return out;
    }

    private ByteBuf direct(String s) {
        return ch.alloc().directBuffer(64).writeBytes(ascii(s));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A written message's bytes as they go to the socket (its content for a chunk); it is released. */
    private static String text(Object m) {
        assertTrue(m != null, "nothing was written");
        try {
            ByteBuf b = m instanceof EncodedStream.Head h ? h.wire()
                    : m instanceof EncodedResponse r ? r.wire()
                    : m instanceof HttpContent c ? c.content()
                    : null;
            assertTrue(b != null, m.getClass().getName());
            return b.toString(StandardCharsets.US_ASCII);
        } finally {
            ReferenceCountUtil.release(m);
        }
    }
}

package dev.junction.core.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client connection's idle cut-off: an event after the idle time with neither a read nor a
 * write, pushed back by either; none while a read is in progress; none once removed; and a write's
 * promise passes through as it came (a void promise stays void: no listener per answer).
 */
class IdleConnectionHandlerTest {

    private static final long IDLE_MS = 1000;

    private static final class Events extends ChannelInboundHandlerAdapter {
        final List<Object> seen = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            seen.add(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private static EmbeddedChannel channel(Events events) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new IdleConnectionHandler(IDLE_MS, TimeUnit.MILLISECONDS), events);
        return ch;
    }

    private static void advance(EmbeddedChannel ch, long ms) {
        ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void anIdleConnectionGetsAFirstThenFurtherEvents() {
        Events e = new Events();
        EmbeddedChannel ch = channel(e);
        advance(ch, IDLE_MS - 1);
        assertTrue(e.seen.isEmpty());
        advance(ch, 1);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), e.seen);
        advance(ch, IDLE_MS);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.ALL_IDLE_STATE_EVENT), e.seen);
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteOrAReadPushesTheIdleTimeBack() {
        Events e = new Events();
        EmbeddedChannel ch = channel(e);
        advance(ch, 600);
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{1}), ch.voidPromise());
        advance(ch, 600);
        assertTrue(e.seen.isEmpty(), "written 600 ms ago");
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{2})); // a read, and its read-complete
        advance(ch, 999);
        assertTrue(e.seen.isEmpty(), "read 999 ms ago");
        advance(ch, 1);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), e.seen);
        // Activity after an event: the next event is a first one again.
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{3}));
        advance(ch, IDLE_MS);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), e.seen);
        ch.finishAndReleaseAll();
    }

    @Test
    void noEventWhileAReadIsInProgress() {
        Events e = new Events();
        EmbeddedChannel ch = channel(e);
        ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(new byte[]{1})); // no read-complete yet
        advance(ch, 3 * IDLE_MS);
        assertTrue(e.seen.isEmpty());
        ch.pipeline().fireChannelReadComplete();
        advance(ch, IDLE_MS);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), e.seen);
        ch.finishAndReleaseAll();
    }

    @Test
    void aRemovedHandlerFiresNothing() {
        Events e = new Events();
        EmbeddedChannel ch = channel(e);
        ch.pipeline().remove(IdleConnectionHandler.class);
        advance(ch, 5 * IDLE_MS);
        assertTrue(e.seen.isEmpty());
        ch.finishAndReleaseAll();
    }

    @Test
    void aZeroIdleTimeMeansNeverIdle() {
        Events e = new Events();
        EmbeddedChannel ch = new EmbeddedChannel(new IdleConnectionHandler(0, TimeUnit.MILLISECONDS), e);
        ch.freezeTime();
        advance(ch, 100_000);
        assertTrue(e.seen.isEmpty());
        ch.finishAndReleaseAll();
    }

    @Test
    void theWritesPromiseIsPassedOnAsItCame() {
        Events e = new Events();
        EmbeddedChannel ch = channel(e);
        io.netty.channel.ChannelPromise p = ch.newPromise();
        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[]{1}), p);
        assertTrue(p.isSuccess());
        io.netty.channel.ChannelPromise v = ch.voidPromise();
        ch.pipeline().context(IdleConnectionHandler.class).write(Unpooled.wrappedBuffer(new byte[]{2}), v);
        ch.flush();
        assertTrue(v.isVoid());
        assertEquals(2, ch.outboundMessages().size());
        ch.finishAndReleaseAll();
    }
}

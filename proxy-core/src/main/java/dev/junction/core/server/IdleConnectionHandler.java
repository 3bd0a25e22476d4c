package dev.junction.core.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;

import java.util.concurrent.TimeUnit;

/**
 * Fires an {@link IdleStateEvent} when a client connection has neither read nor written for
 * {@code junction.server.idle-timeout} ({@link GatewayHandler} closes the connection then, unless
 * a request is in flight). What Netty's {@code IdleStateHandler} does with an all-idle time, except
 * how a write counts: as activity when it is handed to the connection, not when the socket has
 * taken it. Netty's handler turns every write's promise (the answer's void promise too) into a
 * real one and adds a listener to it, to note the time the write completed: an object, a listener
 * and a notification per answer. A write that the socket takes late only moves the end of the
 * idle time earlier by that delay, and a connection is never cut while a request is in flight.
 */
final class IdleConnectionHandler extends ChannelDuplexHandler {

    private final long idleNanos;
    private Ticker ticker;
    /** When the connection last read (at the end of a read) or was written to. */
    private long lastActivity;
    /** A read is in progress (between channelRead and channelReadComplete): not idle. */
    private boolean reading;
    private boolean firstEvent = true;
    private Future<?> timer;
    private boolean destroyed;

    /** {@code idle} of zero or less: never idle. */
    IdleConnectionHandler(long idle, TimeUnit unit) {
        this.idleNanos = Math.max(0, unit.toNanos(idle));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
        super.channelRegistered(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (reading) {
            reading = false;
            if (ticker != null) {
                lastActivity = ticker.nanoTime();
                firstEvent = true; // active again: the next event is a first one
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (ticker != null) {
            lastActivity = ticker.nanoTime();
            firstEvent = true;
        }
        ctx.write(msg, promise);
    }

    private void start(ChannelHandlerContext ctx) {
        if (idleNanos == 0 || destroyed || ticker != null) {
            return;
        }
        ticker = ctx.executor().ticker();
        lastActivity = ticker.nanoTime();
        timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        destroyed = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check(ChannelHandlerContext ctx) {
        if (destroyed || !ctx.channel().isOpen()) {
            return;
        }
        long left = idleNanos - (ticker.nanoTime() - lastActivity);
        if (left > 0 || reading) {
            timer = ctx.executor().schedule(() -> check(ctx), reading ? idleNanos : left, TimeUnit.NANOSECONDS);
            return;
        }
        timer = ctx.executor().schedule(() -> check(ctx), idleNanos, TimeUnit.NANOSECONDS);
        IdleStateEvent e = firstEvent ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT : IdleStateEvent.ALL_IDLE_STATE_EVENT;
        firstEvent = false;
        ctx.fireUserEventTriggered(e);
    }
}

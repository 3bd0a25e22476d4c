package dev.junction.core.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Lingering close after an early answer (a {@code 413} while the client is still sending its
 * body), the way nginx's {@code lingering_close} does it: the answer is written, the sending side
 * is shut down (the client reads the answer and then end-of-stream), and what the client still
 * sends is read and thrown away until it stops, for at most {@link #MAX_BYTES} bytes and
 * {@link #MAX_MILLIS} ms. Closing at once instead would leave unread bytes in the socket, and the
 * kernel answers those with a reset, which most clients (Node's fetch, the openai SDKs) report as
 * ECONNRESET without ever reading the answer.
 *
 * <p>Installed first in the pipeline by {@link #start}, so the bytes never reach the HTTP codec.
 */
final class BodyDrain extends ChannelInboundHandlerAdapter {

    /** Most bytes read and discarded before the connection is closed anyway. */
    static final long MAX_BYTES = 64L * 1024 * 1024;
    /** Longest drain. */
    static final long MAX_MILLIS = 5_000;
    /** A client that sends nothing for this long is done (or stuck): close. */
    static final long QUIET_MILLIS = 1_000;

    private long drained;
    private long lastReadNanos = System.nanoTime();
    private ScheduledFuture<?> deadline;
    private ScheduledFuture<?> quiet;

    private BodyDrain() {
    }

    /**
     * Call once the early answer is written: stops every other reader of the connection, shuts
     * down its output and drains its input until the client stops sending or a bound is reached.
     */
    static void start(Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        ChannelPipeline p = ch.pipeline();
        ServerHttpCodec codec = p.get(ServerHttpCodec.class);
        if (codec != null) {
            codec.stopReadTimeout(); // the early answer was the last: no 408 after it
        }
        p.addFirst("drain", new BodyDrain());
        if (ch instanceof DuplexChannel d) {
            d.shutdownOutput();
        }
        ch.config().setAutoRead(true);
        ch.read();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, MAX_MILLIS, TimeUnit.MILLISECONDS);
        scheduleQuiet(ctx, QUIET_MILLIS);
    }

    private void scheduleQuiet(ChannelHandlerContext ctx, long millis) {
        quiet = ctx.executor().schedule(() -> {
            long idle = (System.nanoTime() - lastReadNanos) / 1_000_000;
            if (idle >= QUIET_MILLIS) {
                ctx.close();
            } else {
                scheduleQuiet(ctx, QUIET_MILLIS - idle);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof io.netty.buffer.ByteBuf b) {
            drained += b.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        lastReadNanos = System.nanoTime();
        if (drained > MAX_BYTES) {
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Swallowed: the handlers behind are done with this connection.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
        }
        if (quiet != null) {
            quiet.cancel(false);
        }
    }
}

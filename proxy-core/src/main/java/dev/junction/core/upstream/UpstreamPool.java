package dev.junction.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The connections to one provider origin on one event loop, confined to it: at most {@code max}
 * open (connecting included), idle ones reused most recent first, and callers beyond that waiting
 * in order, each for at most the acquire timeout, at most {@value #MAX_WAITING} of them. A
 * connection is handed out only while open, and put back only while open; a closed one leaves the
 * count at once (its close is watched), letting a waiter connect.
 *
 * <p>What Netty's {@code FixedChannelPool} did for the client, without its promises: an acquire is
 * a poll of the idle connections and a direct call of the caller ({@link Waiter}); a release is a
 * push back (or a hand-over to the first waiter, on a later turn of the loop).
 */
final class UpstreamPool {

    /** Callers waiting for a connection beyond this many are refused at once. */
    static final int MAX_WAITING = 10_000;

    /** Who asked for a connection: told exactly once, on the pool's event loop. */
    interface Waiter {
        void acquired(Channel ch, boolean reused);

        void acquireFailed(Throwable cause);
    }

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final int max;
    private final long acquireTimeoutMillis;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int open;
    private boolean closed;

    /** {@code bootstrap} is bound to {@code loop}, its remote address and its channel initializer set. */
    UpstreamPool(EventLoop loop, Bootstrap bootstrap, int max, long acquireTimeoutMillis) {
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.max = Math.max(1, max);
        this.acquireTimeoutMillis = acquireTimeoutMillis;
    }

    /** Hands {@code w} a connection: idle, new, or when one frees up. Call on the pool's event loop. */
    void acquire(Waiter w) {
        if (closed) {
            w.acquireFailed(new IllegalStateException("the connection pool is closed"));
            return;
        }
        for (Channel ch; (ch = idle.pollLast()) != null; ) {
            if (ch.isActive()) {
                w.acquired(ch, true);
                return;
            }
            ch.close(); // closed while idle: its close listener has counted it out, or will
        }
        if (open < max) {
            connect(w);
            return;
        }
        if (waiting.size() >= MAX_WAITING) {
            w.acquireFailed(new IllegalStateException("too many requests waiting for a connection (" + MAX_WAITING + ")"));
            return;
        }
        Waiting entry = new Waiting(w);
        entry.timer = loop.schedule(() -> {
            if (waiting.remove(entry)) {
                w.acquireFailed(new TimeoutException("no connection became free within " + acquireTimeoutMillis + " ms"));
            }
        }, acquireTimeoutMillis, TimeUnit.MILLISECONDS);
        waiting.add(entry);
    }

    /**
     * Takes back a connection that {@link #acquire} handed out: kept (or handed to a waiter) while
     * open after a complete exchange; a connection the caller closed is only counted out.
     */
    void release(Channel ch) {
        if (!ch.isActive() || closed) {
            ch.close();
            return;
        }
        Waiting next = waiting.poll();
        if (next != null) {
            next.timer.cancel(false);
            // On a later turn: the releasing call may still be inside this connection's read.
            loop.execute(() -> {
                if (ch.isActive() && !closed) {
                    next.waiter.acquired(ch, true);
                } else {
                    ch.close();
                    acquire(next.waiter);
                }
            });
            return;
        }
        idle.addLast(ch);
    }

    /** Open connections (connecting included), for tests. */
    int open() {
        return open;
    }

    /** Idle connections, for tests. */
    int idle() {
        return idle.size();
    }

    /** Closes the idle connections and refuses the waiters; connections in use close when released. */
    void close() {
        if (!loop.inEventLoop()) {
            loop.execute(this::close);
            return;
        }
        closed = true;
        for (Channel ch; (ch = idle.poll()) != null; ) {
            ch.close();
        }
        for (Waiting w; (w = waiting.poll()) != null; ) {
            w.timer.cancel(false);
            w.waiter.acquireFailed(new IllegalStateException("the connection pool is closed"));
        }
    }

    private void connect(Waiter w) {
        open++;
        ChannelFuture f = bootstrap.connect();
        Channel ch = f.channel();
        // Counted out once: when it closes, or when it fails to connect (a channel that never
        // registered may never report its close).
        boolean[] counted = {true};
        Runnable out = () -> {
            if (counted[0]) {
                counted[0] = false;
                closed(ch);
            }
        };
        ch.closeFuture().addListener(x -> out.run());
        f.addListener(done -> {
            if (done.isSuccess()) {
                w.acquired(ch, false);
            } else {
                out.run();
                w.acquireFailed(done.cause());
            }
        });
    }

    /** A connection closed (after a failed connect too): it no longer counts, and a waiter may connect. */
    private void closed(Channel ch) {
        open--;
        idle.remove(ch);
        if (!closed && open < max) {
            Waiting next = waiting.poll();
            if (next != null) {
                next.timer.cancel(false);
                connect(next.waiter);
            }
        }
    }

    private static final class Waiting {
        final Waiter waiter;
        ScheduledFuture<?> timer;

        Waiting(Waiter waiter) {
            this.waiter = waiter;
        }
    }
}

package dev.junction.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream pool on a real socket: its connection limit with callers waiting in order, the
 * acquire timeout, reuse of idle connections most recent first, and connections closed by either
 * side counted out (a waiter then connects anew).
 */
class UpstreamPoolTest {

    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (Exception e) {
                // closed
            }
        }, "pool-test-accept");
        t.setDaemon(true);
        t.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private UpstreamPool pool(int port, int max, long timeoutMs) {
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .remoteAddress(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
                    }
                });
        return new UpstreamPool(loop, b, max, timeoutMs);
    }

    /** One acquire's outcome: the channel and whether it was reused, or the failure. */
    private record Got(Channel ch, boolean reused, Throwable failure) {
    }

    private CompletableFuture<Got> acquire(UpstreamPool pool) {
        CompletableFuture<Got> f = new CompletableFuture<>();
        loop.execute(() -> pool.acquire(new UpstreamPool.Waiter() {
            @Override
            public void acquired(Channel ch, boolean reused) {
                assertTrue(loop.inEventLoop());
                f.complete(new Got(ch, reused, null));
            }

            @Override
            public void acquireFailed(Throwable cause) {
                f.complete(new Got(null, false, cause));
            }
        }));
        return f;
    }

    private <T> T onLoop(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    @Test
    void callersBeyondTheLimitWaitInOrderAndGetTheReleasedConnection() throws Exception {
        UpstreamPool pool = pool(server.getLocalPort(), 1, 5_000);
        Got first = acquire(pool).get(5, TimeUnit.SECONDS);
        assertFalse(first.reused());
        CompletableFuture<Got> second = acquire(pool);
        CompletableFuture<Got> third = acquire(pool);
        onLoop(() -> null); // the loop ran both acquires: a waiter is parked at once
        assertFalse(second.isDone(), "the limit is one connection");
        onLoop(() -> {
            pool.release(first.ch());
            return null;
        });
        Got s = second.get(5, TimeUnit.SECONDS);
        assertSame(first.ch(), s.ch());
        assertTrue(s.reused());
        assertFalse(third.isDone());
        onLoop(() -> {
            pool.release(s.ch());
            return null;
        });
        assertSame(first.ch(), third.get(5, TimeUnit.SECONDS).ch());
        assertEquals(1, (int) onLoop(pool::open));
    }

    @Test
    void aCallerWaitingLongerThanTheAcquireTimeoutFails() throws Exception {
        UpstreamPool pool = pool(server.getLocalPort(), 1, 200);
        Got first = acquire(pool).get(5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        Got late = acquire(pool).get(5, TimeUnit.SECONDS);
        assertInstanceOf(TimeoutException.class, late.failure());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(150));
        // The timed-out caller is gone: the released connection goes idle, not to it.
        onLoop(() -> {
            pool.release(first.ch());
            return null;
        });
        assertEquals(1, (int) onLoop(pool::idle));
    }

    @Test
    void idleConnectionsAreReusedMostRecentFirstAndClosedOnesAreCountedOut() throws Exception {
        UpstreamPool pool = pool(server.getLocalPort(), 4, 5_000);
        Got a = acquire(pool).get(5, TimeUnit.SECONDS);
        Got b = acquire(pool).get(5, TimeUnit.SECONDS);
        assertNotSame(a.ch(), b.ch());
        onLoop(() -> {
            pool.release(a.ch());
            pool.release(b.ch());
            return null;
        });
        Got again = acquire(pool).get(5, TimeUnit.SECONDS);
        assertSame(b.ch(), again.ch());
        assertTrue(again.reused());
        // A connection the caller closed is counted out when released, not kept.
        onLoop(() -> {
            again.ch().close();
            pool.release(again.ch());
            return null;
        });
        again.ch().closeFuture().sync();
        assertEquals(1, (int) onLoop(pool::open));
        assertEquals(1, (int) onLoop(pool::idle));
        // The vendor closes the idle one: it leaves the pool, and the next caller gets a new connection.
        for (Socket s : accepted) {
            s.close();
        }
        a.ch().closeFuture().await(5, TimeUnit.SECONDS);
        Got fresh = acquire(pool).get(5, TimeUnit.SECONDS);
        assertFalse(fresh.reused());
        assertNotSame(a.ch(), fresh.ch());
        assertEquals(1, (int) onLoop(pool::open));
    }

    @Test
    void aWaiterConnectsWhenAConnectionInUseCloses() throws Exception {
        UpstreamPool pool = pool(server.getLocalPort(), 1, 5_000);
        Got first = acquire(pool).get(5, TimeUnit.SECONDS);
        CompletableFuture<Got> waiter = acquire(pool);
        onLoop(() -> null); // the loop ran the acquire: the waiter is parked
        assertFalse(waiter.isDone());
        onLoop(() -> first.ch().close());
        Got w = waiter.get(5, TimeUnit.SECONDS);
        assertFalse(w.reused());
        assertTrue(w.ch().isActive());
    }

    @Test
    void aFailedConnectIsReportedAndNotCounted() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        UpstreamPool pool = pool(port, 1, 5_000);
        Got g = acquire(pool).get(5, TimeUnit.SECONDS);
        assertTrue(g.failure() != null); // counted out before the caller is told
        assertEquals(0, (int) onLoop(pool::open));
    }

    @Test
    void closingThePoolRefusesWaitersAndClosesIdleConnections() throws Exception {
        UpstreamPool pool = pool(server.getLocalPort(), 1, 5_000);
        Got first = acquire(pool).get(5, TimeUnit.SECONDS);
        CompletableFuture<Got> waiter = acquire(pool);
        onLoop(() -> null); // the loop ran the acquire: the waiter is parked
        pool.close();
        assertInstanceOf(IllegalStateException.class, waiter.get(5, TimeUnit.SECONDS).failure());
        onLoop(() -> {
            pool.release(first.ch());
            return null;
        });
        first.ch().closeFuture().await(5, TimeUnit.SECONDS);
        assertFalse(first.ch().isActive(), "a connection released into a closed pool is closed");
        assertInstanceOf(IllegalStateException.class, acquire(pool).get(5, TimeUnit.SECONDS).failure());
    }
}

package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Pooled upstream channels read on their own (no read interest switched per request), and still:
 * a listener that wants no more pauses the vendor until it asks again (house rule 3), a vendor that
 * closes an idle pooled connection or writes to it out of turn gets that connection dropped rather
 * than reused, and an answer that comes before the request is all written ends the call cleanly.
 * Run on both transports (NIO everywhere, epoll where it is available) against a vendor on a raw
 * socket, which controls exactly what is written when.
 */
class UpstreamReadInterestTest {

    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), null,
            Duration.ofSeconds(20));

    private final List<AutoCloseable> closing = new ArrayList<>();
    private MultiThreadIoEventLoopGroup group;
    private UpstreamClient client;
    private EventLoop loop;

    private void setUp(String transport) {
        IoHandlerFactory io;
        Class<? extends Channel> type;
        if (transport.equals("epoll")) {
            assumeTrue(Epoll.isAvailable(), "native epoll is not available here");
            io = EpollIoHandler.newFactory();
            type = EpollSocketChannel.class;
        } else {
            io = NioIoHandler.newFactory();
            type = NioSocketChannel.class;
        }
        group = new MultiThreadIoEventLoopGroup(1, io);
        loop = group.next();
        client = new UpstreamClient(type, DefaultAddressResolverGroup.INSTANCE, 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    // ---- a vendor on a raw socket ----------------------------------------------------------------

    /** Accepts connections and hands each, in order, to the next script; counts connections. */
    private Origin vendor(List<Consumer<Socket>> scripts) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closing.add(server);
        Thread t = new Thread(() -> {
            for (Consumer<Socket> script : scripts) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(10_000);
                    script.accept(s);
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-vendor");
        t.setDaemon(true);
        t.start();
        return Origin.parse("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    /** Reads one request (head and Content-Length body); null at end of stream. */
    private static String readRequest(InputStream in) {
        try {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                head.write(b);
                if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    break;
                }
            }
            if (b < 0) {
                return null;
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
            return h;
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void write(Socket s, String text) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static String ok(String body) {
        return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static UpstreamRequest request(ByteBuf body) {
        return new UpstreamRequest("POST", "/chat/completions", List.of(), body, false);
    }

    private static UpstreamRequest request() {
        return request(Unpooled.copiedBuffer("{\"model\":\"m\"}", StandardCharsets.UTF_8));
    }

    /** What one call saw. */
    private TextAnswer call(Origin origin, UpstreamRequest req) throws Exception {
        TextAnswer seen = new TextAnswer();
        loop.execute(() -> client.start(loop, "p", origin, 4, TIMEOUTS, req, null, seen));
        seen.done.get(10, TimeUnit.SECONDS);
        return seen;
    }

    // ---- the tests ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void strayBytesOnAnIdlePooledConnectionCloseItAndAreNeverTakenForTheNextAnswer(String transport) throws Exception {
        setUp(transport);
        CompletableFuture<Boolean> closedByGateway = new CompletableFuture<>();
        Origin origin = vendor(List.of(s -> {
            readRequest(readable(s));
            write(s, ok("one"));
            // Out of turn, while the connection idles in the pool: a whole extra answer.
            write(s, ok("stray"));
            try {
                closedByGateway.complete(s.getInputStream().read() < 0);
            } catch (IOException e) {
                closedByGateway.complete(true); // a reset is a close too
            }
        }, s -> {
            readRequest(readable(s));
            write(s, ok("two"));
            readRequest(readable(s));
        }));
        TextAnswer first = call(origin, request());
        assertEquals("one", first.done.get());
        assertEquals(Boolean.FALSE, first.reused);
        assertTrue(closedByGateway.get(5, TimeUnit.SECONDS), "the idle connection that talked out of turn is closed");
        TextAnswer second = call(origin, request());
        assertEquals("two", second.done.get(), "the stray answer must not pass for the next request's");
        assertEquals(Boolean.FALSE, second.reused, "served on a fresh connection");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aVendorClosingAnIdlePooledConnectionIsSeenAndTheNextCallGetsAFreshOne(String transport) throws Exception {
        setUp(transport);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Origin origin = vendor(List.of(s -> {
            readRequest(readable(s));
            write(s, ok("one"));
            closed.complete(null); // the script returns: the vendor closes the kept-alive connection
        }, s -> {
            readRequest(readable(s));
            write(s, ok("two"));
            readRequest(readable(s));
        }));
        assertEquals("one", call(origin, request()).done.get());
        closed.get(5, TimeUnit.SECONDS);
        // The close reaches the gateway's event loop within moments on loopback; then the pool's
        // health check drops the channel at the next acquire instead of writing into a dead socket.
        Thread.sleep(300);
        TextAnswer second = call(origin, request());
        assertEquals("two", second.done.get());
        assertEquals(Boolean.FALSE, second.reused);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aListenerThatWantsNoMorePausesTheVendorUntilItAsksAgain(String transport) throws Exception {
        setUp(transport);
        int total = 32 * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        Origin origin = vendor(List.of(s -> {
            readRequest(readable(s));
            write(s, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + total + "\r\n\r\n");
            byte[] piece = new byte[64 * 1024];
            java.util.Arrays.fill(piece, (byte) 'x');
            try {
                OutputStream out = s.getOutputStream();
                for (int sent = 0; sent < total; sent += piece.length) {
                    out.write(piece);
                    written.addAndGet(piece.length);
                }
                out.flush();
                readRequest(readable(s));
            } catch (IOException e) {
                // the gateway closed the connection
            }
        }));
        AtomicLong received = new AtomicLong();
        CompletableFuture<Object> done = new CompletableFuture<>();
        UpstreamCall[] call = new UpstreamCall[1];
        boolean[] paused = {true};
        UpstreamListener listener = new UpstreamListener() {
            @Override
            public void onHead(HttpResponse head, long nanos) {
                call[0].requestMore();
            }

            @Override
            public void onContent(ByteBuf content, boolean last) {
                received.addAndGet(content.readableBytes());
                content.release();
                if (last) {
                    done.complete(received.get());
                } else if (!paused[0]) {
                    call[0].requestMore(); // keeping up, as a writable client does
                }
                // else: the client "cannot take more" and asks for nothing
            }

            @Override
            public void onFailure(GatewayError error, boolean afterHead) {
                done.complete(error);
            }
        };
        loop.submit(() -> call[0] = client.start(loop, "p", origin, 4, TIMEOUTS, request(), null, listener)).sync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(received.get() > 0, "the first piece arrives");
        Thread.sleep(1_000); // the vendor writes as fast as it can all this time
        long held = received.get();
        assertTrue(held <= 256 * 1024, "a paused call takes at most a read or two more, got " + held + " bytes");
        assertTrue(written.get() < total, "the vendor is held back by the kernel's buffers, wrote " + written.get());
        assertFalse(done.isDone());
        // The client can take more again (its writability came back): asked later, not from a piece.
        loop.execute(() -> {
            paused[0] = false;
            call[0].requestMore();
        });
        Object result = done.get(20, TimeUnit.SECONDS);
        assertEquals((long) total, result, "every byte once the listener asks again");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void anAnswerThatComesBeforeTheRequestIsWrittenEndsTheCallCleanly(String transport) throws Exception {
        setUp(transport);
        CompletableFuture<Void> drained = new CompletableFuture<>();
        Origin origin = vendor(List.of(s -> {
            try {
                InputStream in = readable(s);
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                // Refused on its headers, as a vendor with a body limit does, before the body is read.
                write(s, "HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\ntoo big!");
                Thread.sleep(300);
                in.readNBytes(8 * 1024 * 1024); // then the body, so the gateway's write completes
                drained.complete(null);
                readRequest(in);
            } catch (IOException | InterruptedException e) {
                drained.completeExceptionally(e);
            }
        }));
        byte[] big = new byte[8 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        // A pooled, leak-tracked body: the call must let go of it although its write ends after the answer.
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer(big.length).writeBytes(big);
        TextAnswer seen = call(origin, request(body));
        assertEquals("too big!", seen.done.get());
        assertEquals(413, seen.status);
        drained.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (body.refCnt() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, body.refCnt(), "the request body is released once its write is over");
    }

    private static InputStream readable(Socket s) {
        try {
            return s.getInputStream();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}

package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The first-byte, idle-between-chunks and total timeouts of one call (SPEC §2), which share one
 * timer: each still fires on its own deadline, with its own message, and a vendor that keeps
 * sending within the idle window is not cut off by it.
 */
class UpstreamTimeoutsTest {

    private ServerSocket server;
    private MultiThreadIoEventLoopGroup group;
    private UpstreamClient client;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        client = new UpstreamClient(NioSocketChannel.class, DefaultAddressResolverGroup.INSTANCE, 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.close();
    }

    /** One connection: reads the request, writes the head, then {@code pieces} chunks {@code gapMs} apart, then stalls. */
    private Origin vendor(boolean answer, int pieces, long gapMs) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                in.readNBytes(2); // the body: {}
                if (answer) {
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    for (int i = 0; i < pieces; i++) {
                        Thread.sleep(gapMs);
                        out.write("1\r\nx\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                }
                in.read(); // stall until the gateway closes the connection
            } catch (IOException | InterruptedException e) {
                // closed
            }
        }, "stalling-vendor");
        t.setDaemon(true);
        t.start();
        return Origin.parse("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    /** Runs a call; returns {failure message or null, pieces received, elapsed ms}. */
    private Object[] call(Origin origin, Timeouts timeouts) throws Exception {
        CompletableFuture<String> done = new CompletableFuture<>();
        int[] pieces = {0};
        UpstreamCall[] call = new UpstreamCall[1];
        long t0 = System.nanoTime();
        loop.submit(() -> call[0] = client.start(loop, "p", origin, 1, timeouts,
                new UpstreamRequest("POST", "/x", List.of(), Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8), true),
                null, new UpstreamListener() {
                    @Override
                    public void onHead(HttpResponse head, long nanos) {
                        call[0].requestMore();
                    }

                    @Override
                    public void onContent(ByteBuf content, boolean last) {
                        content.release();
                        pieces[0]++;
                        call[0].requestMore();
                    }

                    @Override
                    public void onFailure(GatewayError error, boolean afterHead) {
                        done.complete(error.message());
                    }
                })).sync();
        String failure = done.get(10, TimeUnit.SECONDS);
        return new Object[] {failure, pieces[0], (System.nanoTime() - t0) / 1_000_000};
    }

    @Test
    void noFirstByteTimesOutOnTheFirstByteDeadline() throws Exception {
        Object[] r = call(vendor(false, 0, 0), new Timeouts(Duration.ofSeconds(2), Duration.ofMillis(300),
                Duration.ofMillis(150), Duration.ofSeconds(5)));
        assertTrue(((String) r[0]).contains("sent no response within 300ms"), (String) r[0]);
        assertTrue((long) r[2] >= 300, "not before its deadline: " + r[2] + " ms");
    }

    @Test
    void aVendorThatKeepsSendingWithinTheIdleWindowIsNotCutOffUntilItStalls() throws Exception {
        // Eight pieces 100 ms apart with a 300 ms idle window, then silence.
        Object[] r = call(vendor(true, 8, 100), new Timeouts(Duration.ofSeconds(2), Duration.ofMillis(250),
                Duration.ofMillis(300), Duration.ofSeconds(5)));
        assertTrue(((String) r[0]).contains("stalled for 300ms between response chunks"), (String) r[0]);
        assertEquals(8, r[1], "every piece sent within the window arrived");
        assertTrue((long) r[2] >= 800 + 300, "cut off only after the last piece's window: " + r[2] + " ms");
    }

    @Test
    void theTotalDeadlineCutsOffAVendorThatNeverStalls() throws Exception {
        Object[] r = call(vendor(true, 1000, 50), new Timeouts(Duration.ofSeconds(2), Duration.ofMillis(300),
                Duration.ofMillis(300), Duration.ofMillis(700)));
        assertTrue(((String) r[0]).contains("did not complete within 700ms"), (String) r[0]);
        assertTrue((int) r[1] > 3, "pieces kept arriving until then: " + r[1]);
        assertTrue((long) r[2] >= 700 && (long) r[2] < 3_000, "on the total deadline: " + r[2] + " ms");
    }

    @Test
    void callsOfOneOriginWithDifferentTimeoutsEachTimeOutOnTheirOwnDeadline() throws Exception {
        // The calls of an origin share one timer: a later call with a nearer deadline must move it
        // earlier, and a call that times out must not take the others with it.
        int n = 5;
        for (int i = 0; i < n; i++) {
            vendor(false, 0, 0);
        }
        Origin origin = Origin.parse("http://127.0.0.1:" + server.getLocalPort() + "/v1");
        long[] firstByteMs = {1500, 1200, 900, 600, 300}; // started in this order: each nearer than the last
        List<CompletableFuture<long[]>> done = new java.util.ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long ms = firstByteMs[i];
            CompletableFuture<long[]> f = new CompletableFuture<>();
            done.add(f);
            loop.submit(() -> client.start(loop, "p", origin, n, new Timeouts(Duration.ofSeconds(2), Duration.ofMillis(ms),
                            null, Duration.ofSeconds(5)),
                    new UpstreamRequest("POST", "/x", List.of(), Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8), false),
                    null, new UpstreamListener() {
                        @Override
                        public void onHead(HttpResponse head, long nanos) {
                        }

                        @Override
                        public void onContent(ByteBuf content, boolean last) {
                            content.release();
                        }

                        @Override
                        public void onFailure(GatewayError error, boolean afterHead) {
                            assertTrue(error.message().contains("sent no response within " + ms + "ms"), error.message());
                            f.complete(new long[] {(System.nanoTime() - t0) / 1_000_000});
                        }
                    })).sync();
            Thread.sleep(20);
        }
        long[] at = new long[n];
        for (int i = 0; i < n; i++) {
            at[i] = done.get(i).get(10, TimeUnit.SECONDS)[0];
            assertTrue(at[i] >= firstByteMs[i], "not before its deadline: " + at[i] + " ms for " + firstByteMs[i]);
        }
        // Started 20 ms apart, 300 ms between the timeouts: they end in the order of their deadlines.
        for (int i = 1; i < n; i++) {
            assertTrue(at[i] < at[i - 1], "the " + firstByteMs[i] + " ms call (" + at[i] + " ms) before the "
                    + firstByteMs[i - 1] + " ms one (" + at[i - 1] + " ms)");
        }
        assertTrue(at[n - 1] < 1200, "the nearest deadline was not held back by the others: " + at[n - 1] + " ms");
    }

    @Test
    void withNoTimeoutsConfiguredACallStillCompletes() throws Exception {
        // No durations at all: no timer is armed, and the answer comes as usual.
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    head.write(in.read());
                }
                in.readNBytes(2);
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                in.read();
            } catch (IOException e) {
                // closed
            }
        });
        t.setDaemon(true);
        t.start();
        CompletableFuture<Object> done = new CompletableFuture<>();
        Origin origin = Origin.parse("http://127.0.0.1:" + server.getLocalPort() + "/v1");
        loop.execute(() -> client.start(loop, "p", origin, 1, new Timeouts(null, null, null, null),
                new UpstreamRequest("POST", "/x", List.of(), Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8), false),
                null, new UpstreamListener() {
                    @Override
                    public void onHead(HttpResponse head, long nanos) {
                    }

                    @Override
                    public void onContent(ByteBuf content, boolean last) {
                        String text = content.toString(StandardCharsets.UTF_8);
                        content.release();
                        if (last) {
                            done.complete(text);
                        }
                    }

                    @Override
                    public void onFailure(GatewayError error, boolean afterHead) {
                        done.complete(error);
                    }
                }));
        assertInstanceOf(String.class, done.get(10, TimeUnit.SECONDS));
    }
}

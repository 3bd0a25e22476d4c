package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request on a kept-alive connection is written without a promise: a write that fails there is
 * still seen, and retried once on a fresh connection; a write that reached the socket is known to
 * have, so a vendor that then closes without answering fails the call instead of receiving the
 * request a second time.
 */
class UpstreamWriteTest {

    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), null,
            Duration.ofSeconds(10));

    private ServerSocket server;
    private MultiThreadIoEventLoopGroup group;
    private UpstreamClient client;
    private EventLoop loop;
    /** The vendor's connections stay open (unless told otherwise) until the test ends. */
    private final CountDownLatch end = new CountDownLatch(1);
    /** What the vendor read: "connection index: request line". */
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        client = new UpstreamClient(NioSocketChannel.class, DefaultAddressResolverGroup.INSTANCE, 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        end.countDown();
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.close();
    }

    /**
     * Accepts connections: the first answers its first request with {@code ok} and then, when
     * {@code closeOnSecond}, reads a second request and closes without answering (else it stays
     * open); every later connection answers each request with {@code retried}.
     */
    private Origin vendor(boolean closeOnSecond) {
        Thread t = new Thread(() -> {
            for (int n = 0; ; n++) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException closed) {
                    return;
                }
                int index = n;
                Thread c = new Thread(() -> serve(s, index, closeOnSecond), "vendor-connection-" + n);
                c.setDaemon(true);
                c.start();
            }
        }, "vendor");
        t.setDaemon(true);
        t.start();
        return Origin.parse("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    private void serve(Socket s, int index, boolean closeOnSecond) {
        try (s) {
            InputStream in = s.getInputStream();
            for (int r = 0; ; r++) {
                String line = readRequest(in);
                if (line == null) {
                    end.await(10, TimeUnit.SECONDS); // the client shut its side: stay open
                    return;
                }
                seen.add(index + ": " + line);
                if (index == 0 && r == 1 && closeOnSecond) {
                    return; // took the request, closes without an answer
                }
                String body = index == 0 ? "ok" : "retried";
                s.getOutputStream().write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
        } catch (IOException | InterruptedException e) {
            // closed
        }
    }

    /** A request's line, its head and body read; null at the end of the stream. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String l : h.split("\r\n")) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(l.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return h.substring(0, h.indexOf("\r\n"));
    }

    /** Runs a call on the loop: its body text or its failure, and the connection it used for its answer. */
    private Object call(Origin origin, String path, Channel[] used) throws Exception {
        UpstreamCall[] call = new UpstreamCall[1];
        TextAnswer answer = new TextAnswer() {
            @Override
            public void onHead(HttpResponse head, long nanos) {
                super.onHead(head, nanos);
                used[0] = call[0].channel();
            }
        };
        loop.execute(() -> call[0] = client.start(loop, "p", origin, 1, TIMEOUTS,
                new UpstreamRequest("POST", path, List.of(Map.entry("authorization", "Bearer k")),
                        Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8), false),
                null, answer));
        return answer.done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWriteThatFailsOnAKeptAliveConnectionIsRetriedOnceOnAFreshOne() throws Exception {
        Origin origin = vendor(false);
        Channel[] first = new Channel[1];
        assertEquals("ok", call(origin, "/a", first));
        assertNotNull(first[0]);
        // The pooled connection stays open for reading but takes no more bytes: the next write fails.
        ((SocketChannel) first[0]).shutdownOutput().sync();
        assertTrue(first[0].isActive(), "still handed out by the pool");
        Channel[] second = new Channel[1];
        assertEquals("retried", call(origin, "/b", second));
        assertTrue(second[0] != first[0], "answered on a fresh connection");
        assertEquals(List.of("0: POST /v1/a HTTP/1.1", "1: POST /v1/b HTTP/1.1"), seen);
    }

    @Test
    void aRequestTheKeptAliveConnectionTookIsNotSentAgainWhenTheVendorClosesWithoutAnswering() throws Exception {
        Origin origin = vendor(true);
        Channel[] first = new Channel[1];
        assertEquals("ok", call(origin, "/a", first));
        Object second = call(origin, "/b", new Channel[1]);
        GatewayError e = assertInstanceOf(GatewayError.class, second);
        assertTrue(e.message().contains("closed the connection before answering"), e.message());
        assertEquals(List.of("0: POST /v1/a HTTP/1.1", "0: POST /v1/b HTTP/1.1"), seen, "sent once");
    }
}

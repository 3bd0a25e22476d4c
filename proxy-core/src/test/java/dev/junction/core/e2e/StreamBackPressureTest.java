package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * House rule 3 end to end: a client that stops reading a long stream which the vendor sends as
 * fast as it can must not make the gateway hold the stream. The gateway stops reading the vendor
 * while the client's connection is not writable and reads on when it is, so the vendor is held back
 * by the sockets' buffers; once the client reads again, every event arrives, in order.
 */
class StreamBackPressureTest {

    /**
     * Content per event and events per stream: 32 MiB of deltas. Measured: with back-pressure the
     * vendor gets about 4 MiB into the sockets' buffers and the gateway holds half a MiB more than
     * before the pause; without it the vendor writes everything and the gateway holds it all.
     */
    private static final int EVENT_CHARS = 16 * 1024;
    private static final int EVENTS = 2 * 1024;

    @Test
    void aSlowReadingClientOnAFastLongStreamKeepsWhatTheGatewayHoldsBounded() throws Exception {
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> vendorDone = new CompletableFuture<>();
        try (ServerSocket vendor = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serveOneStream(vendor, written, vendorDone), "fast-vendor");
            t.setDaemon(true);
            t.start();
            GatewayServer gw = GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { host = "127.0.0.1", port = 0 }
                  providers { fast { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1" } }
                  models { "m" { deployments = [ { provider = fast, model = "m" } ] } }
                  access-log { enabled = false }
                }
                """.formatted(vendor.getLocalPort())));
            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(64 * 1024); // fixed, not grown by the kernel while unread
                client.connect(new InetSocketAddress("127.0.0.1", gw.port()));
                client.setSoTimeout(20_000);
                String body = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
                OutputStream out = client.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Connection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = client.getInputStream();
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                while (!seen.toString(StandardCharsets.ISO_8859_1).contains("\"content\":\"")) {
                    int n = in.read(buf);
                    assertTrue(n > 0, "the stream ended early: " + seen);
                    seen.write(buf, 0, n);
                }
                long before = usedDirect();
                // The client stops reading; the vendor keeps writing as fast as the sockets let it.
                long w0;
                long w1 = written.get();
                do {
                    w0 = w1;
                    Thread.sleep(500);
                    w1 = written.get();
                } while (w1 != w0 && !vendorDone.isDone());
                long held = usedDirect() - before;
                long total = (long) EVENTS * EVENT_CHARS;
                assertTrue(w1 < total, "the vendor was held back while the client did not read, it wrote " + w1
                        + " of " + total + " bytes");
                assertTrue(held < 16L * 1024 * 1024, "the gateway holds at most a few reads of the stream, held "
                        + held + " bytes of direct memory more than before the client stopped");
                // The client reads again: the rest of the stream arrives, every event in order.
                long events = 0;
                long expect = 0;
                boolean sawDone = false;
                String carry = seen.toString(StandardCharsets.ISO_8859_1);
                int n;
                while (true) {
                    int cut = carry.lastIndexOf('\n');
                    if (cut >= 0) {
                        for (String line : carry.substring(0, cut).split("\n")) {
                            if (line.startsWith("data: {")) {
                                if (line.contains("\"content\":\"")) {
                                    assertTrue(line.contains("\"id\":\"e" + expect + "\""), "event " + expect + " next");
                                    expect++;
                                }
                                events++;
                            } else if (line.startsWith("data: [DONE]")) {
                                sawDone = true;
                            }
                        }
                        carry = carry.substring(cut + 1);
                    }
                    n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    carry += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                }
                assertEquals(EVENTS, expect, "every content event reached the client");
                assertTrue(sawDone, "the stream ended with [DONE]");
                assertTrue(events >= EVENTS);
                vendorDone.get(10, TimeUnit.SECONDS);
                assertEquals(total, written.get());
            } finally {
                gw.close();
            }
        }
    }

    private static long usedDirect() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            return p.metric().usedDirectMemory();
        }
        return 0;
    }

    /** One request, answered by a close-delimited SSE stream written as fast as the socket takes it. */
    private static void serveOneStream(ServerSocket server, AtomicLong written, CompletableFuture<Void> done) {
        try (Socket s = server.accept()) {
            s.setSendBufferSize(64 * 1024);
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                head.write(in.read());
            }
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    in.readNBytes(Integer.parseInt(line.substring(15).trim()));
                }
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String text = "x".repeat(EVENT_CHARS);
            for (int i = 0; i < EVENTS; i++) {
                byte[] event = ("data: {\"id\":\"e" + i + "\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text
                        + "\"},\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.ISO_8859_1);
                out.write(event);
                written.addAndGet(EVENT_CHARS);
            }
            out.write(("data: {\"id\":\"end\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                    + "data: {\"id\":\"end\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":" + EVENTS
                    + ",\"total_tokens\":" + (EVENTS + 1) + "}}\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            done.complete(null);
        } catch (IOException e) {
            done.completeExceptionally(e);
        }
    }
}

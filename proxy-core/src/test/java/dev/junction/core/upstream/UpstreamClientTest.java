package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.DefaultAddressResolverGroup;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request the pooled client writes: the headers it builds itself, the adapter's headers
 * (encoded once per deployment and re-encoded when they change) and the per-request ones, with
 * header injection refused as Netty's validating headers refuse it.
 */
class UpstreamClientTest {

    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), null,
            Duration.ofSeconds(10));

    private MockWebServer server;
    private MultiThreadIoEventLoopGroup group;
    private UpstreamClient client;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws Exception {
        server = new MockWebServer();
        server.start();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        client = new UpstreamClient(NioSocketChannel.class, DefaultAddressResolverGroup.INSTANCE, 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.shutdown();
    }

    /** Runs one call on the loop; completes with the answer's body text, or the failure. */
    private Object call(Origin origin, UpstreamRequest req, Map<String, String> extra) throws Exception {
        TextAnswer answer = new TextAnswer();
        loop.execute(() -> {
            try {
                client.start(loop, "p", origin, 4, TIMEOUTS, req, extra, answer);
            } catch (RuntimeException e) {
                answer.done.complete(e);
            }
        });
        return answer.done.get(10, TimeUnit.SECONDS);
    }

    private static UpstreamRequest request(boolean stream, List<Map.Entry<String, String>> headers) {
        return new UpstreamRequest("POST", "/chat/completions", headers,
                Unpooled.copiedBuffer("{\"model\":\"m\"}", StandardCharsets.UTF_8), stream);
    }

    @Test
    void writesTheGatewaysHeadersTheAdaptersAndThePerRequestOnes() throws Exception {
        Origin origin = Origin.parse(server.url("/v1").toString());
        List<Map.Entry<String, String>> first = List.of(Map.entry("authorization", "Bearer k1"), Map.entry("x-org", "o"));
        List<Map.Entry<String, String>> second = List.of(Map.entry("authorization", "Bearer k2"));
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse().setBody("ok" + i));
        }
        assertEquals("ok0", call(origin, request(false, first), Map.of("traceparent", "00-abc-def-01")));
        assertEquals("ok1", call(origin, request(true, first), null));
        assertEquals("ok2", call(origin, request(false, second), null));
        assertEquals("ok3", call(origin, request(false, first), null));

        RecordedRequest r0 = server.takeRequest();
        assertEquals("/v1/chat/completions", r0.getPath());
        assertEquals("POST", r0.getMethod());
        assertEquals(origin.authority(), r0.getHeader("host"));
        assertEquals("application/json", r0.getHeader("content-type"));
        assertEquals("13", r0.getHeader("content-length"));
        assertEquals("application/json", r0.getHeader("accept"));
        assertEquals("Bearer k1", r0.getHeader("authorization"));
        assertEquals("o", r0.getHeader("x-org"));
        assertEquals("00-abc-def-01", r0.getHeader("traceparent"));
        assertEquals("{\"model\":\"m\"}", r0.getBody().readUtf8());

        RecordedRequest r1 = server.takeRequest();
        assertEquals("text/event-stream", r1.getHeader("accept"));
        assertEquals("Bearer k1", r1.getHeader("authorization"));
        assertNull(r1.getHeader("traceparent"));

        RecordedRequest r2 = server.takeRequest();
        assertEquals("Bearer k2", r2.getHeader("authorization"));
        assertNull(r2.getHeader("x-org"), "a changed header list replaces the remembered one");

        RecordedRequest r3 = server.takeRequest();
        assertEquals("Bearer k1", r3.getHeader("authorization"));
        assertEquals("o", r3.getHeader("x-org"));
    }

    @Test
    void aHeaderValueThatWouldInjectAHeaderIsRefusedBeforeAnythingIsSent() throws Exception {
        // (The body is released by the client when it refuses; the leak detector would say otherwise.)
        Origin origin = Origin.parse(server.url("/v1").toString());
        Object adapter = call(origin, request(false, List.of(Map.entry("x-key", "a\r\nx-evil: 1"))), null);
        assertInstanceOf(IllegalArgumentException.class, adapter);
        Object name = call(origin, request(false, List.of(Map.entry("bad name", "v"))), null);
        assertInstanceOf(IllegalArgumentException.class, name);
        Object extra = call(origin, request(false, List.of()), Map.of("traceparent", "x\ny"));
        assertInstanceOf(IllegalArgumentException.class, extra);
        assertEquals(0, server.getRequestCount());
        server.enqueue(new MockResponse().setBody("fine"));
        assertEquals("fine", call(origin, request(false, List.of(Map.entry("x-key", "ok"))), null));
        assertTrue(server.takeRequest().getHeader("x-key").equals("ok"));
    }

    @Test
    void aKeptAliveConnectionCarriesTheNextRequestAndOneTheVendorClosesDoesNot() throws Exception {
        Origin origin = Origin.parse(server.url("/v1").toString());
        List<Map.Entry<String, String>> auth = List.of(Map.entry("authorization", "Bearer k"));
        server.enqueue(new MockResponse().setBody("a"));
        server.enqueue(new MockResponse().setBody("b").setChunkedBody("chunked-b", 3));
        server.enqueue(new MockResponse().setBody("c").addHeader("Connection", "close")
                .setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.DISCONNECT_AT_END));
        server.enqueue(new MockResponse().setBody("d"));
        assertEquals("a", call(origin, request(false, auth), null));
        assertEquals("chunked-b", call(origin, request(false, auth), null));
        assertEquals("c", call(origin, request(false, auth), null));
        assertEquals("d", call(origin, request(false, auth), null));
        // Requests on one connection are numbered from 0: the first three shared one, the last had a new one.
        assertEquals(0, server.takeRequest().getSequenceNumber());
        assertEquals(1, server.takeRequest().getSequenceNumber());
        assertEquals(2, server.takeRequest().getSequenceNumber());
        assertEquals(0, server.takeRequest().getSequenceNumber(), "connection: close ended the connection");
    }

    @Test
    void theVendorKeyIsInNoFailureMessage() throws Exception {
        String key = "sk-live-4f3e2d1c0b9a";
        List<Map.Entry<String, String>> auth = List.of(Map.entry("authorization", "Bearer " + key));
        // Closed before answering, then nobody listening at all.
        server.enqueue(new MockResponse().setSocketPolicy(okhttp3.mockwebserver.SocketPolicy.DISCONNECT_AFTER_REQUEST));
        Origin origin = Origin.parse(server.url("/v1").toString());
        Object closed = call(origin, request(false, auth), null);
        GatewayError e1 = assertInstanceOf(GatewayError.class, closed);
        assertTrue(server.takeRequest().getHeader("authorization").endsWith(key), "the key was sent");
        server.shutdown();
        Object refused = call(origin, request(false, auth), null);
        GatewayError e2 = assertInstanceOf(GatewayError.class, refused);
        for (GatewayError e : List.of(e1, e2)) {
            assertTrue(!e.message().contains(key) && !e.toString().contains(key), e.toString());
        }
    }
}

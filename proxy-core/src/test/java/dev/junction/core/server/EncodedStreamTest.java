package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.EncodedStream;
import dev.junction.core.http.HttpResponses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A streamed answer in wire form ({@link EncodedStream}) through the server codec gives, byte for
 * byte, what Netty's {@link HttpServerCodec} writes for the same head, chunks and end through its
 * header map and chunk encoder — with and without keep-alive, to a HEAD, for chunk sizes around
 * every hex digit boundary and for batches with and without room in front.
 */
class EncodedStreamTest {

    private static final AsciiString[] NAMES = {HttpResponses.X_REQUEST_ID, HttpResponses.X_PROVIDER,
        HttpResponses.X_MODEL, HttpResponses.X_ATTEMPTS, HttpResponses.X_WARNINGS, HttpResponses.SERVER_TIMING};
    private static final int[] SIZES = {1, 2, 15, 16, 17, 255, 256, 257, 4095, 4096, 4097, 65535, 65536, 65537, 100_000};

    @Test
    void streamsInWireFormAreNettysBytes() {
        Random random = new Random(20261203);
        int fellBack = 0;
        for (int round = 0; round < 400; round++) {
            boolean keepAlive = random.nextInt(4) != 0;
            HttpMethod method = random.nextInt(8) == 0 ? HttpMethod.HEAD : HttpMethod.POST;
            List<Map.Entry<AsciiString, String>> headers = new ArrayList<>();
            boolean odd = false;
            for (AsciiString name : NAMES) {
                if (random.nextInt(3) != 0) {
                    boolean weird = random.nextInt(25) == 0;
                    odd |= weird;
                    headers.add(Map.entry(name, randomValue(random, weird)));
                }
            }
            List<byte[]> chunks = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                int size = random.nextBoolean() ? SIZES[random.nextInt(SIZES.length)] : 1 + random.nextInt(300);
                byte[] c = new byte[size];
                for (int j = 0; j < size; j++) {
                    c[j] = (byte) ('a' + random.nextInt(26));
                }
                chunks.add(c);
            }
            // The stream's last frames go out with its end, or the end comes alone.
            boolean lastWithEnd = !chunks.isEmpty() && random.nextBoolean();

            EncodedStream.Builder b = EncodedStream.okEventStream(ByteBufAllocator.DEFAULT, keepAlive);
            for (Map.Entry<AsciiString, String> h : headers) {
                b.header(h.getKey(), h.getValue());
            }
            EncodedStream.Head head = b.build();
            if (head == null) {
                assertTrue(odd, "refused without cause: " + headers);
                fellBack++;
                continue;
            }
            List<Object> mine = new ArrayList<>();
            mine.add(head);
            for (int i = 0; i < chunks.size(); i++) {
                ByteBuf batch = batch(chunks.get(i), random);
                boolean last = lastWithEnd && i == chunks.size() - 1;
                mine.add(last ? EncodedStream.last(batch, ByteBufAllocator.DEFAULT) : EncodedStream.chunk(batch, ByteBufAllocator.DEFAULT));
            }
            if (!lastWithEnd) {
                mine.add(EncodedStream.last(random.nextBoolean() ? null : EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 8),
                        ByteBufAllocator.DEFAULT));
            }

            // What the exchange sends through the header map: the same headers in the same order.
            HttpResponse reference = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpHeaders h = reference.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            for (Map.Entry<AsciiString, String> e : headers) {
                h.set(e.getKey(), e.getValue());
            }
            HttpUtil.setKeepAlive(reference, keepAlive);
            List<Object> netty = new ArrayList<>();
            netty.add(reference);
            for (byte[] c : chunks) {
                netty.add(new DefaultHttpContent(Unpooled.wrappedBuffer(c)));
            }
            netty.add(LastHttpContent.EMPTY_LAST_CONTENT);

            Wire a = serve(new ServerHttpCodec(new HttpDecoderConfig()), method, keepAlive, mine);
            Wire n = serve(new HttpServerCodec(new HttpDecoderConfig()), method, keepAlive, netty);
            assertEquals(n.bytes, a.bytes, "round " + round);
            assertEquals(n.closed, a.closed, "round " + round);
            assertEquals(!keepAlive, a.closed, "closed after an answer that says so");
        }
        assertTrue(fellBack > 0 && fellBack < 100, "odd values fell back: " + fellBack);
    }

    @Test
    void aChunkIsItsBatchWithTheFramingAroundIt() {
        ByteBuf batch = EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 64);
        batch.writeBytes("data: {}\n\n".getBytes(StandardCharsets.US_ASCII));
        EncodedStream.Chunk chunk = EncodedStream.chunk(batch, ByteBufAllocator.DEFAULT);
        assertTrue(chunk.content() == batch, "framed in place, no copy");
        assertEquals("a\r\ndata: {}\n\n\r\n", chunk.content().toString(StandardCharsets.US_ASCII));
        chunk.release();

        ByteBuf cramped = Unpooled.directBuffer(16).writeBytes("x".repeat(16).getBytes(StandardCharsets.US_ASCII));
        EncodedStream.Last last = EncodedStream.last(cramped, ByteBufAllocator.DEFAULT);
        assertEquals(0, cramped.refCnt(), "a batch without room in front is copied and let go of");
        assertEquals("10\r\n" + "x".repeat(16) + "\r\n0\r\n\r\n", last.content().toString(StandardCharsets.US_ASCII));
        last.release();

        ByteBuf empty = EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 8);
        assertThrows(IllegalArgumentException.class, () -> EncodedStream.chunk(empty, ByteBufAllocator.DEFAULT));
        assertEquals(0, empty.refCnt());
    }

    @Test
    void aRefusedHeadLetsGoOfItsBuffer() {
        assertNull(EncodedStream.okEventStream(ByteBufAllocator.DEFAULT, true)
                .header(HttpResponses.X_WARNINGS, "bad\r\nx-injected: 1").build());
        assertNull(EncodedStream.okEventStream(ByteBufAllocator.DEFAULT, true).refuse().build());
    }

    @Test
    void aChunkInWireFormOutsideAStreamInWireFormIsRefused() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig()));
        ch.writeInbound(request(HttpMethod.POST, true));
        for (Object o; (o = ch.readInbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        ByteBuf batch = EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 8).writeByte('x');
        EncodedStream.Chunk chunk = EncodedStream.chunk(batch, ByteBufAllocator.DEFAULT);
        assertThrows(IllegalStateException.class, () -> ch.writeOutbound(chunk));
        assertEquals(0, chunk.refCnt());
        ch.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsGetTheirAnswersAfterAStreamInWireForm() {
        EmbeddedChannel ch = new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig()));
        ch.writeInbound(request(HttpMethod.HEAD, true));
        ch.writeInbound(request(HttpMethod.POST, true));
        ch.writeInbound(request(HttpMethod.POST, true));
        for (Object o; (o = ch.readInbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        for (int i = 0; i < 2; i++) {
            EncodedStream.Head head = EncodedStream.okEventStream(ByteBufAllocator.DEFAULT, true)
                    .header(HttpResponses.X_REQUEST_ID, "req-" + i).build();
            assertNotNull(head);
            ch.writeOutbound(head);
            ByteBuf batch = EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 32);
            batch.writeBytes(("data: " + i + "\n\n").getBytes(StandardCharsets.US_ASCII));
            ch.writeOutbound(EncodedStream.chunk(batch, ByteBufAllocator.DEFAULT));
            ch.writeOutbound(EncodedStream.last(null, ByteBufAllocator.DEFAULT));
        }
        byte[] json = "{\"n\":3}".getBytes(StandardCharsets.US_ASCII);
        ch.writeOutbound(EncodedResponse.okJson(ByteBufAllocator.DEFAULT, json.length, true).build(Unpooled.wrappedBuffer(json)));
        String wire = drain(ch);
        // HEAD: the head alone; POST: the stream; POST: the JSON answer.
        assertFalse(wire.contains("data: 0"), wire);
        assertTrue(wire.contains("x-request-id: req-0\r\n\r\nHTTP/1.1 200 OK\r\n"), wire);
        assertTrue(wire.contains("x-request-id: req-1\r\n\r\n9\r\ndata: 1\n\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n"), wire);
        assertTrue(wire.endsWith("\r\n\r\n{\"n\":3}"), wire);
        assertTrue(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    /** A batch holding {@code bytes}: with room in front (the exchange's), or without (a processor's own buffer). */
    private static ByteBuf batch(byte[] bytes, Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> EncodedStream.newBatch(ByteBufAllocator.DEFAULT, 16).writeBytes(bytes);
            case 1 -> ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
            default -> {
                ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(bytes.length + 8).writerIndex(3).readerIndex(3);
                yield b.writeBytes(bytes);
            }
        };
    }

    private record Wire(String bytes, boolean closed) {
    }

    /**
     * What {@code codec} writes for {@code parts} answering one request: Netty's with the keep-alive
     * handler behind it, ServerHttpCodec alone (it keeps keep-alive itself).
     */
    private static Wire serve(io.netty.channel.ChannelHandler codec, HttpMethod method, boolean keepAlive, List<Object> parts) {
        EmbeddedChannel server = codec instanceof ServerHttpCodec ? new EmbeddedChannel(codec)
                : new EmbeddedChannel(codec, new HttpServerKeepAliveHandler());
        server.writeInbound(request(method, keepAlive));
        for (Object o; (o = server.readInbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        for (Object part : parts) {
            server.writeOutbound(part);
        }
        String wire = drain(server);
        boolean closed = !server.isOpen();
        server.finishAndReleaseAll();
        return new Wire(wire, closed);
    }

    private static ByteBuf request(HttpMethod m, boolean keepAlive) {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, m, "/v1/chat/completions");
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        HttpUtil.setContentLength(r, 0);
        EmbeddedChannel enc = new EmbeddedChannel(new HttpRequestEncoder());
        enc.writeOutbound(r);
        ByteBuf out = Unpooled.buffer();
        for (ByteBuf b; (b = enc.readOutbound()) != null; ) {
            out.writeBytes(b);
            b.release();
        }
        enc.finishAndReleaseAll();
        return out;
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder s = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            s.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return s.toString();
    }

    /** A header value: mostly visible ASCII; {@code weird} ones get a control or non-ASCII character too. */
    private static String randomValue(Random r, boolean weird) {
        StringBuilder s = new StringBuilder();
        int n = 1 + r.nextInt(40);
        for (int i = 0; i < n; i++) {
            s.append((char) (0x21 + r.nextInt(0x7e - 0x21)));
            if (r.nextInt(8) == 0) {
                s.append(r.nextBoolean() ? ' ' : '\t');
            }
        }
        if (weird) {
            char[] odd = {'\u0000', '\u0001', '\u007f', '\u00e9', '\u00ff'};
            s.insert(r.nextInt(s.length()), odd[r.nextInt(odd.length)]);
        }
        return s.toString().strip();
    }
}

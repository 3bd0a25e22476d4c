package dev.junction.core.server;

import dev.junction.core.http.EncodedStream;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.proxy.RequestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Writing a streamed {@code 200} answer to the client as the exchange does: the head with
 * Junction's headers, the 22 frames of a 20-token stream in {@code chunks} HTTP chunks (2: the
 * burst regime, the first frames flushed at once and the rest of the read as one batch; 22: a
 * paced stream, one chunk per event), and the end, through the client pipeline's outbound handlers
 * (codec with its read deadline, keep-alive) into an embedded channel. {@code headerMap}: a header-map head
 * and plain chunks through Netty's {@link HttpServerCodec} (the path before); {@code wireForm}: an
 * {@link EncodedStream} head, chunks framed in their batch's room and the end with the last frames,
 * through {@link ServerHttpCodec}. One operation is one stream, batches included. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar StreamWriteBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StreamWriteBenchmark {

    private static final byte[] FRAME = ("data: {\"id\":\"chatcmpl-sim1\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1796298584,\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":"
            + "\"fp_sim\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"logprobs\":null,"
            + "\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
    private static final int FRAMES = 22;

    @Param({"2", "22"})
    public int chunks;

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private EmbeddedChannel nettyCodec;
    private EmbeddedChannel serverCodec;
    private RequestContext rc;

    @Setup
    public void setup() {
        nettyCodec = ClientPipelines.nettyCodec();
        serverCodec = ClientPipelines.serverCodec();
        rc = ClientPipelines.timedContext();
    }

    @TearDown
    public void tearDown() {
        nettyCodec.finishAndReleaseAll();
        serverCodec.finishAndReleaseAll();
    }

    /** Frames of chunk {@code i} of {@link #chunks}: the first chunk one frame, the rest spread evenly. */
    private int framesIn(int i) {
        if (i == 0) {
            return 1;
        }
        int rest = FRAMES - 1;
        int n = chunks - 1;
        return rest / n + (i - 1 < rest % n ? 1 : 0);
    }

    @Benchmark
    public int headerMap() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders h = head.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        h.set(HttpResponses.X_REQUEST_ID, rc.requestId);
        h.set(HttpResponses.X_PROVIDER, "sim");
        h.set(HttpResponses.X_MODEL, "gpt-4o-mini");
        h.set(HttpResponses.X_ATTEMPTS, HttpResponses.count(1));
        h.set(HttpResponses.SERVER_TIMING, rc.serverTiming(false, System.nanoTime()));
        HttpUtil.setKeepAlive(head, true);
        nettyCodec.write(head);
        int n = 0;
        for (int i = 0; i < chunks; i++) {
            ByteBuf batch = alloc.directBuffer(4096);
            for (int f = framesIn(i); f > 0; f--) {
                batch.writeBytes(FRAME);
            }
            nettyCodec.writeAndFlush(new DefaultHttpContent(batch));
            n += ClientPipelines.drain(nettyCodec);
        }
        nettyCodec.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return n + ClientPipelines.drain(nettyCodec);
    }

    @Benchmark
    public int wireForm() {
        EncodedStream.Head head = EncodedStream.okEventStream(alloc, true)
                .header(HttpResponses.X_REQUEST_ID, rc.requestId)
                .header(HttpResponses.X_PROVIDER, "sim")
                .header(HttpResponses.X_MODEL, "gpt-4o-mini")
                .header(HttpResponses.X_ATTEMPTS, HttpResponses.count(1))
                .header(HttpResponses.SERVER_TIMING, rc.serverTiming(false, System.nanoTime()))
                .build();
        serverCodec.write(head);
        int n = 0;
        for (int i = 0; i < chunks; i++) {
            ByteBuf batch = EncodedStream.newBatch(alloc, 4096);
            for (int f = framesIn(i); f > 0; f--) {
                batch.writeBytes(FRAME);
            }
            if (i == chunks - 1) {
                serverCodec.writeAndFlush(EncodedStream.last(batch, alloc)); // the last frames leave with the end
            } else {
                serverCodec.writeAndFlush(EncodedStream.chunk(batch, alloc));
            }
            n += ClientPipelines.drain(serverCodec);
        }
        return n;
    }
}

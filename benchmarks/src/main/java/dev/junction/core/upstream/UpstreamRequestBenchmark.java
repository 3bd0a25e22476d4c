package dev.junction.core.upstream;

import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One pass-through JSON exchange on an upstream connection's codec, in an embedded channel: the
 * vendor request built from what the adapter gives (a ~150-byte body, the auth header in a fresh
 * list, as {@code OpenAiPassThrough} builds it) and written, then a ~500-byte answer with a few
 * rate-limit headers decoded. {@code headerMap} is the path the wire form replaced: a
 * {@code DefaultFullHttpRequest} with a header map through Netty's {@link HttpClientCodec};
 * {@code wireForm} is the shipped one: {@link RequestHeads} through {@link UpstreamHttpCodec}.
 * The answer is decoded too (it keeps the codecs' method queues paired): by Netty's decoder in
 * {@code headerMap}, by {@link AnswerDecoder} in {@code wireForm} (alone in {@link UpstreamAnswerBenchmark}). In this package because the codec and the heads are package-private. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar UpstreamRequestBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UpstreamRequestBenchmark {

    private static final byte[] BODY = ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    private static final String ANSWER_BODY = "{\"id\":\"chatcmpl-5f1e2d3c4b5a69788796a5b4\",\"object\":\"chat.completion\","
            + "\"created\":1764748800,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"Hello there! This is a short answer from the simulator.\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,"
            + "\"completion_tokens\":12,\"total_tokens\":33},\"system_fingerprint\":\"fp_0123456789\"}";
    private static final ByteBuf ANSWER = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + ANSWER_BODY.length() + "\r\n"
                    + "x-ratelimit-remaining-requests: 499\r\nx-ratelimit-remaining-tokens: 199000\r\n"
                    + "x-request-id: req_0123456789abcdef\r\n\r\n" + ANSWER_BODY, StandardCharsets.US_ASCII));

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final Origin origin = Origin.parse("http://127.0.0.1:19001/v1");
    private final String apiKey = "sk-bench-0123456789abcdefghijklmnopqrstuvwxyz";
    private UpstreamClient.Upstream upstream;
    private RequestHeads heads;
    private EmbeddedChannel nettyCodec;
    private EmbeddedChannel upstreamCodec;
    private EmbeddedChannel nettyEncoder;
    private EmbeddedChannel wire;

    @Setup
    public void setup() {
        upstream = new UpstreamClient.Upstream(null, null, origin);
        heads = new RequestHeads(origin.authority());
        HttpDecoderConfig config = new HttpDecoderConfig().setMaxHeaderSize(64 * 1024).setMaxChunkSize(64 * 1024);
        nettyCodec = new EmbeddedChannel(new HttpClientCodec(config, false, false));
        java.util.ArrayDeque<io.netty.handler.codec.http.HttpMethod> methods = new java.util.ArrayDeque<>();
        UpstreamHandler answers = new UpstreamHandler(new AnswerDecoder(config, methods));
        answers.attach(counter);
        upstreamCodec = new EmbeddedChannel(new UpstreamHttpCodec(methods), answers);
        nettyEncoder = new EmbeddedChannel(new HttpRequestEncoder());
        wire = new EmbeddedChannel();
    }

    @TearDown
    public void tearDown() {
        nettyCodec.finishAndReleaseAll();
        upstreamCodec.finishAndReleaseAll();
        nettyEncoder.finishAndReleaseAll();
        wire.finishAndReleaseAll();
    }

    /**
     * The request as the pass-through adapter hands it over: a fresh header list, and the body as a
     * slice of the pooled buffer the client's request was read into (after its head).
     */
    private UpstreamRequest request() {
        List<Map.Entry<String, String>> h = new ArrayList<>(2);
        h.add(Map.entry("authorization", "Bearer " + apiKey));
        ByteBuf read = alloc.buffer(CLIENT_HEAD + BODY.length).writeZero(CLIENT_HEAD).writeBytes(BODY);
        ByteBuf body = read.retainedSlice(CLIENT_HEAD, BODY.length);
        read.release();
        return new UpstreamRequest("POST", "/chat/completions", h, body, false);
    }

    /** Bytes of the client's request head ahead of the body in the same read. */
    private static final int CLIENT_HEAD = 180;

    @Benchmark
    public int headerMap() {
        nettyCodec.writeAndFlush(upstream.toHttp(origin, request(), null));
        return exchange(nettyCodec);
    }

    @Benchmark
    public int wireForm() {
        UpstreamRequest req = request();
        Object r = heads.encode(origin.basePath(), req, null, alloc);
        upstreamCodec.writeAndFlush(r != null ? r : upstream.toHttp(origin, req, null));
        return exchange(upstreamCodec);
    }

    /** The request alone, through Netty's request encoder (what HttpClientCodec's encoder does, less its queue). */
    @Benchmark
    public int headerMapRequestOnly() {
        nettyEncoder.writeAndFlush(upstream.toHttp(origin, request(), null));
        return drain(nettyEncoder);
    }

    /** The request alone in wire form: its bytes, as {@link UpstreamHttpCodec} writes them (less its queue). */
    @Benchmark
    public int wireFormRequestOnly() {
        EncodedRequest r = heads.encode(origin.basePath(), request(), null, alloc);
        wire.writeAndFlush(r.content().retainedDuplicate());
        r.release();
        return drain(wire);
    }

    private static int drain(EmbeddedChannel ch) {
        int n = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            n += ((ByteBuf) o).readableBytes();
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    /** Counts what the answer decoder hands over (the wire form's answers reach no pipeline object). */
    private final class Counter implements UpstreamHandler.Receiver {
        int n;

        @Override
        public void head(io.netty.handler.codec.http.HttpResponse head) {
            n++;
        }

        @Override
        public void content(ByteBuf piece, boolean last) {
            n++;
            piece.release();
        }

        @Override
        public void malformed(String why) {
            throw new IllegalStateException(why);
        }

        @Override
        public void readComplete() {
        }

        @Override
        public void closed(Throwable cause) {
        }
    }

    private final Counter counter = new Counter();

    private int exchange(EmbeddedChannel ch) {
        counter.n = 0;
        int n = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            n += ((ByteBuf) o).readableBytes();
            ReferenceCountUtil.release(o);
        }
        ch.writeInbound(ANSWER.duplicate());
        for (Object o; (o = ch.readInbound()) != null; ) {
            n++;
            ReferenceCountUtil.release(o);
        }
        return n + counter.n;
    }
}

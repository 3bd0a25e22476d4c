package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
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
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One upstream answer decoded from one read, in an embedded channel: {@code json} is a ~500-byte
 * chat completion with a length and a few rate-limit headers, {@code burst} a chunked stream of
 * twenty events and the end marker, as the simulator sends a burst. {@code netty} is the path the
 * wire form replaced: Netty's {@link HttpResponseDecoder}, an object per head and per chunk passed
 * down the pipeline to a handler; {@code wire} is the shipped one: {@link AnswerDecoder} in
 * {@link UpstreamHandler}, handing the head and one slice per read straight to the call. Both get a
 * fresh pooled copy of the bytes per answer, as a socket read gives one, and both heads are read
 * as the gateway reads every answer's (keep-alive, rate-limit headers). Run with
 * {@code java -jar benchmarks/target/benchmarks.jar UpstreamAnswerBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UpstreamAnswerBenchmark {

    @Param({"json", "burst"})
    public String answer;

    private static final String JSON_BODY = "{\"id\":\"chatcmpl-5f1e2d3c4b5a69788796a5b4\",\"object\":\"chat.completion\","
            + "\"created\":1764770000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello! How can I help you today?\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":9,\"total_tokens\":28}}";

    private static String json() {
        return "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + JSON_BODY.length() + "\r\n"
                + "x-ratelimit-remaining-requests: 9999\r\nx-ratelimit-remaining-tokens: 1999000\r\n"
                + "x-request-id: req_0123456789abcdef\r\n\r\n" + JSON_BODY;
    }

    private static String burst() {
        StringBuilder w = new StringBuilder("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
                + "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n");
        for (int i = 0; i < 21; i++) {
            String e = i < 20
                    ? "data: {\"id\":\"chatcmpl-5f1e2d3c4b5a6978\",\"object\":\"chat.completion.chunk\",\"created\":1764770000,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok" + i
                    + " \"},\"finish_reason\":null}]}\n\n"
                    : "data: [DONE]\n\n";
            w.append(Integer.toHexString(e.length())).append("\r\n").append(e).append("\r\n");
        }
        return w.append("0\r\n\r\n").toString();
    }

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private byte[] wire;
    private EmbeddedChannel netty;
    private EmbeddedChannel wireForm;
    private ArrayDeque<HttpMethod> methods;
    private final Counter counter = new Counter();

    /**
     * Counts what the answer decoder hands over and releases it, and reads of a head what the
     * gateway reads of every answer: whether the connection stays open, and the vendor's rate-limit
     * headers (into a deployment's headroom).
     */
    private static final class Counter implements UpstreamHandler.Receiver {
        int n;
        final dev.junction.core.routing.VendorHeadroom headroom = new dev.junction.core.routing.VendorHeadroom(() -> 0L);

        @Override
        public void head(HttpResponse head) {
            n += head.status().code();
            read(head);
        }

        void read(HttpResponse head) {
            if (io.netty.handler.codec.http.HttpUtil.isKeepAlive(head)) {
                n++;
            }
            headroom.observe(head.status().code(), head.headers());
        }

        @Override
        public void content(ByteBuf piece, boolean last) {
            n += piece.readableBytes();
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

    @Setup
    public void setUp() {
        wire = ("json".equals(answer) ? json() : burst()).getBytes(StandardCharsets.US_ASCII);
        netty = new EmbeddedChannel(new HttpResponseDecoder(UpstreamClient.DECODER));
        methods = new ArrayDeque<>();
        UpstreamHandler h = new UpstreamHandler(new AnswerDecoder(UpstreamClient.DECODER, methods));
        h.attach(counter);
        wireForm = new EmbeddedChannel(h);
    }

    @TearDown
    public void tearDown() {
        netty.finishAndReleaseAll();
        wireForm.finishAndReleaseAll();
    }

    private ByteBuf read() {
        return alloc.buffer(wire.length).writeBytes(wire);
    }

    @Benchmark
    public int netty() {
        netty.writeInbound(read());
        int n = 0;
        for (Object o; (o = netty.readInbound()) != null; ) {
            n++;
            if (o instanceof HttpResponse head) {
                counter.read(head);
            }
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    @Benchmark
    public int wire() {
        methods.add(HttpMethod.POST);
        counter.n = 0;
        wireForm.writeInbound(read());
        return counter.n;
    }
}

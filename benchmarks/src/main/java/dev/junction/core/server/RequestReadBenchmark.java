package dev.junction.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
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
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Reading one client request (an OpenAI SDK's chat request: 11 headers, a 160-byte body, arrived
 * in one read) through the client pipeline's inbound handlers as the gateway builds them (the codec,
 * with its read deadline and keep-alive), up to a last handler that asks for the headers
 * the gateway asks for on every request, answers it with an empty {@code 200} and releases it. {@code whole}: as shipped, the codec
 * reads it in one pass ({@link WholeRequest}, {@link RequestHeaders}); {@code netty}: the same
 * codec with the one-pass reader out of play (a body limit of 0 for it) and the bounded aggregator
 * behind it, so Netty's decoder and aggregator read it, as every request was read before. One operation is one request. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar RequestReadBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestReadBenchmark {

    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}],\"max_tokens\":64}";
    private static final byte[] REQUEST = ("POST /v1/chat/completions HTTP/1.1\r\n"
            + "Accept: application/json\r\n"
            + "Authorization: Bearer sk-junction-0123456789abcdef\r\n"
            + "User-Agent: OpenAI/Java 2.1.0\r\n"
            + "X-Stainless-Lang: java\r\n"
            + "X-Stainless-Package-Version: 2.1.0\r\n"
            + "X-Stainless-OS: Linux\r\n"
            + "X-Stainless-Arch: amd64\r\n"
            + "X-Stainless-Runtime: JRE\r\n"
            + "X-Stainless-Retry-Count: 0\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: " + BODY.length() + "\r\n"
            + "Host: 127.0.0.1:8080\r\n"
            + "\r\n" + BODY).getBytes(StandardCharsets.US_ASCII);

    @Param({"whole", "netty"})
    public String path;

    private EmbeddedChannel channel;
    private Blackhole sink;

    @Setup
    public void setUp(Blackhole bh) {
        sink = bh;
        int maxBody = 4 * 1024 * 1024;
        HttpDecoderConfig config = new HttpDecoderConfig().setMaxInitialLineLength(8192).setMaxHeaderSize(8192)
                .setMaxChunkSize(64 * 1024);
        channel = path.equals("whole")
                ? new EmbeddedChannel(ServerHttpCodec.forGateway(config, maxBody, Duration.ofSeconds(30)), new LastHandler())
                : new EmbeddedChannel(new ServerHttpCodec(config, 0, Duration.ofSeconds(30)),
                        new BodyLimitAggregator(maxBody), new LastHandler());
    }

    /** What GatewayHandler and Endpoints ask of every request before it is proxied. */
    private final class LastHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                sink.consume(req.headers().get("x-request-id"));
                sink.consume(req.headers().get(LocalGateway.TOKEN_HEADER));
                sink.consume(HttpUtil.isKeepAlive(req));
                sink.consume(req.headers().get("traceparent"));
                sink.consume(req.headers().get(HttpHeaderNames.AUTHORIZATION));
                sink.consume(req.headers().getAll("prefer"));
                sink.consume(req.headers().get("x-junction-deadline-ms"));
                sink.consume(req.headers().get("x-junction-strategy"));
                sink.consume(req.headers().get(HttpHeaderNames.CACHE_CONTROL));
                sink.consume(req.content().readableBytes());
                // Answered (an empty 200), so that the codec's and keep-alive's counts of owed answers stay at 0.
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.EMPTY_BUFFER);
                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, HttpHeaderValues.ZERO);
                ctx.writeAndFlush(r);
            }
            ReferenceCountUtil.release(msg);
        }
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public void read() {
        ByteBuf in = ByteBufAllocator.DEFAULT.directBuffer(REQUEST.length);
        in.writeBytes(REQUEST);
        channel.writeInbound(in);
        ClientPipelines.drain(channel);
    }
}

package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.proxy.RequestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
import java.util.concurrent.TimeUnit;

/**
 * Writing a proxied request's {@code 200} JSON answer (a ~900-byte chat completion with the headers
 * Junction adds: request id, provider, model, attempts, Server-Timing, cost) through the client
 * pipeline's outbound handlers (codec with its read deadline, keep-alive) into an embedded channel.
 * {@code headerMap} is the path it replaced: a {@link DefaultFullHttpResponse} with a validating
 * header map, a String Server-Timing value and the attempts as an int, through Netty's
 * {@link HttpServerCodec}; {@code wireForm} is the shipped one: an {@link EncodedResponse} through
 * {@link ServerHttpCodec}. One operation is one answer, including the body buffer the upstream
 * read would have produced. In this package because the codec is package-private. Run with {@code java -jar benchmarks/target/benchmarks.jar AnswerWriteBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AnswerWriteBenchmark {

    private static final byte[] BODY = ("{\"id\":\"chatcmpl-5f1e2d3c4b5a69788796a5b4\",\"object\":\"chat.completion\","
            + "\"created\":1764748800,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":"
            + "{\"role\":\"assistant\",\"content\":\"Hello there! This is a short answer from the simulator, "
            + "long enough to look like a typical reply of a chat model to a small prompt.\",\"refusal\":null,"
            + "\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,"
            + "\"completion_tokens\":32,\"total_tokens\":53,\"prompt_tokens_details\":{\"cached_tokens\":0,"
            + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_0123456789\"}").getBytes(StandardCharsets.UTF_8);

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

    private ByteBuf body() {
        return alloc.buffer(BODY.length).writeBytes(BODY);
    }

    @Benchmark
    public int headerMap() {
        ByteBuf body = body();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body,
                DefaultHttpHeadersFactory.headersFactory().newHeaders(), EmptyHttpHeaders.INSTANCE);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().set(HttpResponses.X_REQUEST_ID, rc.requestId);
        r.headers().set(HttpResponses.X_PROVIDER, "sim");
        r.headers().set(HttpResponses.X_MODEL, "gpt-4o-mini");
        r.headers().setInt(HttpResponses.X_ATTEMPTS, 1);
        r.headers().set(HttpResponses.SERVER_TIMING, rc.serverTiming(true, System.nanoTime()).toString());
        r.headers().set(HttpResponses.X_COST, HttpResponses.usd(0.0000264));
        HttpUtil.setKeepAlive(r, true);
        nettyCodec.writeAndFlush(r);
        return ClientPipelines.drain(nettyCodec);
    }

    @Benchmark
    public int wireForm() {
        ByteBuf body = body();
        EncodedResponse.Builder b = EncodedResponse.okJson(alloc, body.readableBytes(), true)
                .header(HttpResponses.X_REQUEST_ID, rc.requestId)
                .header(HttpResponses.X_PROVIDER, "sim")
                .header(HttpResponses.X_MODEL, "gpt-4o-mini")
                .header(HttpResponses.X_ATTEMPTS, HttpResponses.count(1));
        rc.serverTiming(b, true, System.nanoTime());
        EncodedResponse r = b.header(HttpResponses.X_COST, HttpResponses.usd(0.0000264)).build(body);
        serverCodec.writeAndFlush(r);
        return ClientPipelines.drain(serverCodec);
    }
}

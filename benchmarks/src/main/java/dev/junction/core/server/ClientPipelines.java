package dev.junction.core.server;

import dev.junction.core.proxy.RequestContext;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

import java.time.Duration;

/**
 * What the answer-writing benchmarks share: the client pipeline's outbound handlers in an embedded
 * channel, Netty's codec and keep-alive handler (the path before) or the gateway's own codec (which
 * keeps keep-alive itself), a request context with the timings an answer reports, and the drain of what the
 * channel wrote.
 */
final class ClientPipelines {

    private ClientPipelines() {
    }

    /**
     * The pipeline with Netty's {@link HttpServerCodec} (the read deadline, a handler of its own
     * before, is now the gateway codec's and has no place here).
     */
    static EmbeddedChannel nettyCodec() {
        return new EmbeddedChannel(new HttpServerCodec(new HttpDecoderConfig()), new HttpServerKeepAliveHandler());
    }

    /** The pipeline with the gateway's {@link ServerHttpCodec} (its read deadline and keep-alive are its own). */
    static EmbeddedChannel serverCodec() {
        return new EmbeddedChannel(new ServerHttpCodec(new HttpDecoderConfig(), Integer.MAX_VALUE, Duration.ofSeconds(30)));
    }

    /** A chat request's context 1.3 ms in, with the stages and durations Server-Timing reports. */
    static RequestContext timedContext() {
        RequestContext rc = new RequestContext("5f1e2d3c4b5a69788796a5b4", System.nanoTime() - 1_300_000, "POST",
                "/v1/chat/completions");
        rc.stage("auth", rc.startNanos + 10_000);
        rc.stage("route", rc.startNanos + 30_000);
        rc.duration("connect", 0);
        rc.duration("ttfb", 1_100_000);
        return rc;
    }

    /** Releases what {@code ch} wrote; answers its bytes. */
    static int drain(EmbeddedChannel ch) {
        int n = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            n += b.readableBytes();
            b.release();
        }
        return n;
    }
}

package dev.junction.core.server;

import dev.junction.core.config.ServerConfig;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

import java.util.concurrent.TimeUnit;

/**
 * Assembles a client connection's pipeline in one place, in the order of DESIGN's request flow:
 * idle cut-off → HTTP codec (header limits) → slow-request cut-off → keep-alive → bounded body
 * aggregation (413) → the gateway handler (auth, decoding, routing, proxying).
 */
final class GatewayInitializer extends ChannelInitializer<SocketChannel> {

    private final ServerConfig config;
    private final Endpoints endpoints;
    private final byte[] taskToken;

    GatewayInitializer(ServerConfig config, Endpoints endpoints, byte[] taskToken) {
        this.config = config;
        this.endpoints = endpoints;
        this.taskToken = taskToken;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        int maxBody = (int) Math.min(Integer.MAX_VALUE, config.maxRequestBytes());
        p.addLast("idle", new IdleConnectionHandler(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast("http", new ServerHttpCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024), maxBody));
        p.addLast("read-timeout", new RequestReadTimeoutHandler(config.requestReadTimeout()));
        p.addLast("keep-alive", new HttpServerKeepAliveHandler());
        p.addLast("aggregate", new BodyLimitAggregator(maxBody));
        p.addLast("gateway", new GatewayHandler(endpoints, maxBody, taskToken));
    }
}

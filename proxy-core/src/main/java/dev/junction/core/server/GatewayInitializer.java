package dev.junction.core.server;

import dev.junction.core.config.ServerConfig;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * Assembles a client connection's pipeline in one place, in the order of DESIGN's request flow:
 * HTTP codec (header limits; keep-alive; and the slow-request cut-off, which needs to see every
 * read and every answer the codec sees) → the gateway handler (auth, decoding, routing, proxying;
 * and the idle keep-alive cut-off, which only it can tell from a connection waiting for its
 * answer). Bounded body aggregation (413) sits between the two only on a connection that has sent
 * a request in parts: the codec puts it there the first time (most connections never need it).
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
        p.addLast("http", ServerHttpCodec.forGateway(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setMaxChunkSize(64 * 1024), maxBody, config.requestReadTimeout()));
        p.addLast("gateway", new GatewayHandler(endpoints, maxBody, taskToken, config.idleTimeout()));
    }
}

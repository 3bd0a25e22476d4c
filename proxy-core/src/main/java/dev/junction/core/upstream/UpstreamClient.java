package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.ChannelPool;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pooled HTTP/1.1 client Junction talks to vendors with. Each event loop has its own pools, so
 * an upstream connection lives on the same thread as the client connection that uses it: no
 * locking and no hand-off between threads (DESIGN request flow step 4). Pools are keyed by
 * provider and origin; {@code max-connections} is split evenly across the event loops.
 *
 * <p>TLS verifies the vendor's hostname (SPEC §9); plain http is used as configured (loopback
 * simulators, local servers). Auto-read is off on every upstream channel: reads are requested by
 * the {@link UpstreamCall}'s listener, paced by the client (house rule 3).
 */
public final class UpstreamClient implements AutoCloseable {

    static final AttributeKey<Boolean> USED = AttributeKey.valueOf("junction.upstream.used");

    private final Class<? extends Channel> channelType;
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private final int loops;
    private final SslContext ssl;
    private final Map<EventLoop, Map<String, ChannelPool>> pools = new ConcurrentHashMap<>();

    public UpstreamClient(Class<? extends Channel> channelType, AddressResolverGroup<? extends SocketAddress> resolver,
                          int loops) {
        this.channelType = channelType;
        this.resolver = resolver;
        this.loops = Math.max(1, loops);
        try {
            this.ssl = SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }

    /**
     * Starts a call on {@code loop} (the caller's event loop; must be called from it). The request
     * body is owned by the call from here on.
     */
    public UpstreamCall start(EventLoop loop, String provider, Origin origin, int maxConnections, Timeouts timeouts,
                              UpstreamRequest req, Map<String, String> extraHeaders, UpstreamListener listener) {
        FullHttpRequest http = toHttp(origin, req, extraHeaders);
        ChannelPool pool = pool(loop, provider, origin, maxConnections, timeouts);
        UpstreamCall call = new UpstreamCall(loop, pool, provider, timeouts, http, listener);
        call.start();
        return call;
    }

    private static FullHttpRequest toHttp(Origin origin, UpstreamRequest req, Map<String, String> extraHeaders) {
        ByteBuf body = req.body();
        DefaultFullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(req.method()),
                origin.basePath() + req.path(), body);
        var h = http.headers();
        h.set(HttpHeaderNames.HOST, origin.authority());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        h.set(HttpHeaderNames.ACCEPT, req.stream() ? "text/event-stream" : "application/json");
        for (Map.Entry<String, String> e : req.headers()) {
            h.set(e.getKey(), e.getValue());
        }
        if (extraHeaders != null) {
            extraHeaders.forEach(h::set);
        }
        return http;
    }

    private ChannelPool pool(EventLoop loop, String provider, Origin origin, int maxConnections, Timeouts timeouts) {
        Map<String, ChannelPool> byKey = pools.computeIfAbsent(loop, l -> new HashMap<>());
        String key = provider + "|" + origin.key();
        ChannelPool pool = byKey.get(key);
        if (pool == null) {
            pool = newPool(loop, origin, Math.max(1, (maxConnections + loops - 1) / loops), timeouts);
            byKey.put(key, pool);
        }
        return pool;
    }

    private ChannelPool newPool(EventLoop loop, Origin origin, int max, Timeouts timeouts) {
        int connectMs = timeouts.connect() == null ? 10_000 : (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .resolver(resolver)
                .remoteAddress(InetSocketAddress.createUnresolved(origin.host(), origin.port()))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMs)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        AbstractChannelPoolHandler init = new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                if (origin.tls()) {
                    SSLEngine engine = ssl.newEngine(ch.alloc(), origin.host(), origin.port());
                    SSLParameters params = engine.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    engine.setSSLParameters(params);
                    ch.pipeline().addLast("tls", new SslHandler(engine));
                }
                ch.pipeline().addLast("http", new HttpClientCodec(
                        new HttpDecoderConfig().setMaxHeaderSize(64 * 1024).setMaxChunkSize(64 * 1024), false, false));
                ch.pipeline().addLast("call", new UpstreamHandler());
            }
        };
        // Waiting for a pooled connection counts against the connect timeout; the queue of waiters
        // is bounded so a stuck vendor cannot pile up requests without limit.
        return new FixedChannelPool(b, init, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                connectMs, max, 10_000, true, true);
    }

    @Override
    public void close() {
        pools.values().forEach(m -> m.values().forEach(ChannelPool::close));
        pools.clear();
    }
}

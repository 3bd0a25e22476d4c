package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCounted;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pooled HTTP/1.1 client Junction talks to vendors with. Each event loop has its own pools, so
 * an upstream connection lives on the same thread as the client connection that uses it: no
 * locking and no hand-off between threads (DESIGN request flow step 4). Pools are keyed by
 * provider and origin; {@code max-connections} is split evenly across the event loops.
 *
 * <p>TLS verifies the vendor's hostname (SPEC §9); plain http is used as configured (loopback
 * simulators, local servers). Upstream channels read on their own (auto-read on, so no read
 * interest is switched per request); an {@link UpstreamCall} turns reading off only while its
 * listener, paced by the client, wants no more (house rule 3).
 */
public final class UpstreamClient implements AutoCloseable {

    /**
     * One socket read per event-loop round on an upstream channel (Netty reads up to 16 in a row
     * when auto-read is on). A stream's frames of one read are flushed to the client after the
     * round (the exchange's StreamBatch), and only then does the client's writability tell whether to
     * read on: reading sixteen times first would let a slow client make the gateway hold a
     * megabyte per stream instead of one read's worth.
     */
    private static final RecvByteBufAllocator ONE_READ_PER_ROUND =
            new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(1);

    /** The answer decoder's limits: a head of up to 64 KiB (a vendor's headers can be many). */
    static final HttpDecoderConfig DECODER = new HttpDecoderConfig().setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(64 * 1024);

    private final Class<? extends Channel> channelType;
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private final int loops;
    private final SslContext ssl;
    private final Map<EventLoop, LoopUpstreams> pools = new ConcurrentHashMap<>();

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
        Upstream upstream = upstream(loop, provider, origin, maxConnections, timeouts);
        ReferenceCounted http;
        try {
            http = upstream.heads.encode(origin.basePath(), req, extraHeaders, ByteBufAllocator.DEFAULT);
            if (http == null) {
                http = upstream.toHttp(origin, req, extraHeaders); // a request the wire form does not vouch for
            }
        } catch (RuntimeException e) {
            req.body().release(); // a header that fails validation: the body is ours already
            throw e;
        }
        UpstreamCall call = new UpstreamCall(upstream.deadlines, upstream.pool, provider, timeouts, http, listener);
        call.start();
        return call;
    }

    /** {@code req} as the header-map path builds it (to check the wire form against; body taken). */
    static FullHttpRequest headerMapRequest(Origin origin, UpstreamRequest req, Map<String, String> extraHeaders) {
        return new Upstream(null, null, origin).toHttp(origin, req, extraHeaders);
    }

    /** Pools are shared by base paths: one per provider, scheme, host and port on each event loop. */
    private record Key(String provider, boolean tls, String host, int port) {
    }

    /** Headers the gateway itself builds from checked parts: not validated again on every request. */
    private static final HttpHeadersFactory TRUSTED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    private static final DefaultHeaders.NameValidator<CharSequence> NAMES =
            DefaultHttpHeadersFactory.headersFactory().getNameValidator();
    private static final DefaultHeaders.ValueValidator<CharSequence> VALUES =
            DefaultHttpHeadersFactory.headersFactory().getValueValidator();

    /**
     * A provider at an origin on one event loop (confined to it): its pool, and what every request
     * to it repeats, encoded once: the heads of its requests in wire form ({@link RequestHeads}),
     * and for a request those do not vouch for, the Host header and the last header list the vendor
     * adapter gave, validated once when it changes rather than on every request.
     */
    static final class Upstream {
        final UpstreamPool pool;
        /** The deadlines of its running calls, behind one timer. */
        final Deadlines deadlines;
        final RequestHeads heads;
        final AsciiString host;
        private List<Map.Entry<String, String>> headers = List.of();
        private AsciiString[] names = new AsciiString[0];
        private AsciiString[] values = new AsciiString[0];

        Upstream(UpstreamPool pool, Deadlines deadlines, Origin origin) {
            this.pool = pool;
            this.deadlines = deadlines;
            this.heads = new RequestHeads(origin.authority());
            this.host = AsciiString.of(origin.authority());
        }

        FullHttpRequest toHttp(Origin origin, UpstreamRequest req, Map<String, String> extraHeaders) {
            ByteBuf body = req.body();
            HttpHeaders h = TRUSTED.newHeaders();
            h.set(HttpHeaderNames.HOST, host);
            h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            h.set(HttpHeaderNames.ACCEPT, req.stream() ? HttpHeaderValues.TEXT_EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON);
            List<Map.Entry<String, String>> given = req.headers();
            if (given != headers && !given.equals(headers)) {
                remember(given);
            }
            for (int i = 0; i < names.length; i++) {
                h.set(names[i], values[i]);
            }
            if (extraHeaders != null) {
                extraHeaders.forEach((name, value) -> h.set(checkedName(name), checkedValue(value)));
            }
            // No trailers on a request with a Content-Length: the empty constant, not a map per request.
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(req.method()),
                    origin.basePath() + req.path(), body, h, EmptyHttpHeaders.INSTANCE);
        }

        /** Validates and encodes a header list (as Netty's validating headers would refuse it) and keeps it. */
        private void remember(List<Map.Entry<String, String>> given) {
            AsciiString[] n = new AsciiString[given.size()];
            AsciiString[] v = new AsciiString[given.size()];
            for (int i = 0; i < n.length; i++) {
                n[i] = AsciiString.of(checkedName(given.get(i).getKey()));
                v[i] = AsciiString.of(checkedValue(given.get(i).getValue()));
            }
            names = n;
            values = v;
            headers = given;
        }
    }

    private static CharSequence checkedName(CharSequence name) {
        NAMES.validateName(name);
        return name;
    }

    private static CharSequence checkedValue(CharSequence value) {
        VALUES.validate(value);
        return value;
    }

    private Upstream upstream(EventLoop loop, String provider, Origin origin, int maxConnections, Timeouts timeouts) {
        LoopUpstreams mine = pools.get(loop);
        if (mine == null) {
            mine = pools.computeIfAbsent(loop, l -> new LoopUpstreams());
        }
        // A route's provider name and origin are the same objects request after request (the route
        // table snapshot holds them): the last one asked for is found without a key or a lookup.
        if (mine.lastProvider == provider && mine.lastOrigin == origin) {
            return mine.last;
        }
        Key key = new Key(provider, origin.tls(), origin.host(), origin.port());
        Upstream upstream = mine.byKey.get(key);
        if (upstream == null) {
            upstream = new Upstream(newPool(loop, origin, Math.max(1, (maxConnections + loops - 1) / loops), timeouts),
                    new Deadlines(loop), origin);
            mine.byKey.put(key, upstream);
        }
        mine.last = upstream;
        mine.lastProvider = provider;
        mine.lastOrigin = origin;
        return upstream;
    }

    /** The upstreams of one event loop (confined to it), and the last one asked for. */
    private static final class LoopUpstreams {
        final Map<Key, Upstream> byKey = new HashMap<>();
        Upstream last;
        String lastProvider;
        Origin lastOrigin;
    }

    private UpstreamPool newPool(EventLoop loop, Origin origin, int max, Timeouts timeouts) {
        int connectMs = timeouts.connect() == null ? 10_000 : (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis());
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .resolver(resolver)
                .remoteAddress(InetSocketAddress.createUnresolved(origin.host(), origin.port()))
                .option(ChannelOption.RCVBUF_ALLOCATOR, ONE_READ_PER_ROUND)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMs)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (origin.tls()) {
                    SSLEngine engine = ssl.newEngine(ch.alloc(), origin.host(), origin.port());
                    SSLParameters params = engine.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    engine.setSSLParameters(params);
                    ch.pipeline().addLast("tls", new SslHandler(engine));
                }
                ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);
                UpstreamHttpCodec codec = new UpstreamHttpCodec(methods);
                ch.pipeline().addLast("http", codec);
                ch.pipeline().addLast("call", new UpstreamHandler(new AnswerDecoder(DECODER, methods), codec));
            }
        });
        // Waiting for a pooled connection counts against the connect timeout; the queue of waiters
        // is bounded so a stuck vendor cannot pile up requests without limit.
        return new UpstreamPool(loop, b, max, connectMs);
    }

    @Override
    public void close() {
        pools.values().forEach(m -> m.byKey.values().forEach(u -> u.pool.close()));
        pools.clear();
    }
}

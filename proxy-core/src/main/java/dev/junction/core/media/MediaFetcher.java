package dev.junction.core.media;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Fetches an image (or PDF) that a client passed by URL, for vendors that only take inline bytes
 * (wire-formats: Gemini {@code inlineData}), under the SSRF rules of SPEC §9.
 *
 * <p>Non-blocking on the caller's event loop: DNS through the gateway's non-blocking resolver, one
 * fresh HTTP/1.1 connection per hop, the body accumulated up to {@link FetchPolicy#maxBytes()}.
 * The check that protects internal services is made on the <em>resolved</em> addresses: every
 * address the name resolves to must be {@link AddressClass#PUBLIC} (or allow-listed), and the
 * connection then goes to that exact checked address with no second lookup, so a DNS answer that
 * changes between check and connect (rebinding) cannot redirect it; when a connection fails the
 * next checked address is tried. TLS still verifies the
 * certificate against the URL's host name and sends it as SNI. Redirects are followed up to
 * {@link FetchPolicy#maxRedirects()}, each hop checked again from the start.
 *
 * <h2>Errors</h2>
 * Every failure completes the future with a {@link TranslationException} carrying HTTP 400,
 * {@code invalid_request_error}, code {@code invalid_value}, {@code param} as given by the caller
 * (the JSON path of the URL field, e.g. {@code messages[0].content[1].image_url.url}), not
 * retryable and not a failover reason. That includes timeouts, DNS failures, refused connections,
 * TLS failures and HTTP errors from the image host: the fault lies with the URL the client
 * supplied, which no retry on another deployment can fix, and the client can fix it by sending
 * the image inline as a {@code data:} URL (every message says so). The message names the URL's
 * host but never a resolved address, so the gateway cannot be used to map internal DNS.
 * <ul>
 *   <li>malformed URL, user-info in the URL, scheme other than https (http only when allow-listed)</li>
 *   <li>host resolves to a non-public address (loopback, private, link-local, cloud metadata,
 *       carrier-grade NAT, unspecified, multicast, reserved) and is not allow-listed</li>
 *   <li>host cannot be resolved, connection refused or reset, TLS certificate not valid for the host</li>
 *   <li>HTTP status other than 2xx, a redirect without {@code Location}, more than
 *       {@code maxRedirects} redirects</li>
 *   <li>{@code Content-Length} or the streamed body over {@code maxBytes}</li>
 *   <li>{@code Content-Type} not an accepted type; a generic or missing type and bytes that are
 *       not a recognised image/PDF; a PNG/JPEG/GIF/WebP/PDF type and bytes without that
 *       signature (an error page served as {@code image/png})</li>
 *   <li>no complete answer within {@link FetchPolicy#timeout()}</li>
 * </ul>
 */
public final class MediaFetcher {

    private static final int MAX_URL_LENGTH = 8192;
    private static final int MAX_HEADER_SIZE = 32 * 1024;
    private static final String FIX = " Send the image inline as a base64 data: URL instead.";

    private final Class<? extends Channel> channelType;
    private final AddressResolverGroup<? extends SocketAddress> resolver;
    private final SslContext ssl;
    private final FetchPolicy policy;

    /**
     * @param channelType the gateway's client socket channel class (epoll or NIO, matching the loops)
     * @param resolver    the gateway's non-blocking DNS resolver group
     * @param policy      the default policy for {@link #fetch(String, String, EventLoop)}
     */
    public MediaFetcher(Class<? extends Channel> channelType, AddressResolverGroup<? extends SocketAddress> resolver,
                        FetchPolicy policy) {
        this(channelType, resolver, policy, defaultSsl());
    }

    /** As above with a given client TLS context (it must verify certificates; tests use a private CA). */
    public MediaFetcher(Class<? extends Channel> channelType, AddressResolverGroup<? extends SocketAddress> resolver,
                        FetchPolicy policy, SslContext ssl) {
        this.channelType = channelType;
        this.resolver = resolver;
        this.policy = policy;
        this.ssl = ssl;
    }

    private static SslContext defaultSsl() {
        try {
            return SslContextBuilder.forClient().build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot initialise TLS", e);
        }
    }

    public FetchPolicy policy() {
        return policy;
    }

    /** {@link #fetch(String, String, FetchPolicy, EventLoop)} with this fetcher's policy. */
    public Future<FetchedMedia> fetch(String url, String param, EventLoop loop) {
        return fetch(url, param, policy, loop);
    }

    /**
     * Fetches {@code url} on {@code loop}. The returned future completes on {@code loop}; on success
     * the caller owns {@link FetchedMedia#bytes()}. Cancelling the future aborts the fetch and
     * frees everything it holds. May be called from any thread.
     *
     * @param param the request field the URL came from, reported as the error's {@code param}
     */
    public Future<FetchedMedia> fetch(String url, String param, FetchPolicy policy, EventLoop loop) {
        Promise<FetchedMedia> promise = loop.newPromise();
        Fetch f = new Fetch(loop, policy, param, promise);
        if (loop.inEventLoop()) {
            f.start(url);
        } else {
            loop.execute(() -> f.start(url));
        }
        return promise;
    }

    /** The state of one fetch across its hops; touched only on {@link #loop}. */
    private final class Fetch {
        private final EventLoop loop;
        private final FetchPolicy policy;
        private final String param;
        private final Promise<FetchedMedia> promise;
        private ScheduledFuture<?> timer;
        private Channel channel;
        private ByteBuf body;
        private String headerMime;
        private int redirects;
        private String host = "";

        Fetch(EventLoop loop, FetchPolicy policy, String param, Promise<FetchedMedia> promise) {
            this.loop = loop;
            this.policy = policy;
            this.param = param;
            this.promise = promise;
        }

        void start(String url) {
            if (promise.isDone()) {
                return;                                            // cancelled before it began
            }
            promise.addListener(x -> cleanup());
            timer = loop.schedule(() -> fail("the image URL's host '" + host + "' did not answer within "
                    + policy.timeout().toMillis() + " ms."), policy.timeout().toNanos(), TimeUnit.NANOSECONDS);
            if (url == null || url.length() > MAX_URL_LENGTH) {
                fail("the image URL is missing or longer than " + MAX_URL_LENGTH + " characters.");
                return;
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                fail("the image URL is not a valid URL.");
                return;
            }
            hop(uri);
        }

        /** Checks and fetches one URL: the original or a redirect target. */
        private void hop(URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                fail("the image URL must be an https URL.");
                return;
            }
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                fail("the image URL has no valid host.");
                return;
            }
            if (uri.getRawUserInfo() != null) {
                fail("the image URL must not contain credentials.");
                return;
            }
            String h = uri.getHost();
            host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
            boolean tls = scheme.equals("https");
            int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
            if (port < 1 || port > 65535) {
                fail("the image URL has an invalid port.");
                return;
            }
            byte[] literal = Cidr.literal(host);
            if (literal != null) {
                connectChecked(uri, tls, port, List.of(Cidr.addressOf(literal)));
            } else {
                resolve(resolver.getResolver(loop), uri, tls, port);
            }
        }

        private <T extends SocketAddress> void resolve(AddressResolver<T> r, URI uri, boolean tls, int port) {
            r.resolveAll(InetSocketAddress.createUnresolved(host, port)).addListener(future -> {
                if (promise.isDone()) {
                    return;
                }
                if (!future.isSuccess()) {
                    fail("the image URL's host '" + host + "' could not be resolved.");
                    return;
                }
                List<InetAddress> addresses = new ArrayList<>();
                for (Object a : (List<?>) future.getNow()) {
                    if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
                        addresses.add(isa.getAddress());
                    }
                }
                if (addresses.isEmpty()) {
                    fail("the image URL's host '" + host + "' could not be resolved.");
                    return;
                }
                connectChecked(uri, tls, port, addresses);
            });
        }

        /** The SSRF check of SPEC §9 on every resolved address, then a connection to a checked one. */
        private void connectChecked(URI uri, boolean tls, int port, List<InetAddress> addresses) {
            boolean hostListed = policy.hostAllowed(host);
            boolean allListed = true;
            for (InetAddress a : addresses) {
                boolean listed = policy.networkAllowed(a);
                allListed &= listed;
                if (!hostListed && !listed) {
                    AddressClass c = AddressClassifier.classify(a);
                    if (c != AddressClass.PUBLIC) {
                        fail("the image URL's host '" + host + "' resolves to a " + c.describe()
                                + " address; Junction does not fetch URLs that point into private networks.");
                        return;
                    }
                }
            }
            if (!tls && !hostListed && !allListed) {
                fail("the image URL must use https (plain http is allowed only for allow-listed hosts).");
                return;
            }
            connect(uri, tls, port, addresses, 0);
        }

        /**
         * Connects to {@code addresses[index]}, all of which passed the check; on failure tries the
         * next one (a host with an unreachable IPv6 address may still answer on IPv4).
         */
        private void connect(URI uri, boolean tls, int port, List<InetAddress> addresses, int index) {
            InetAddress target = addresses.get(index);
            int connectMs = (int) Math.min(Integer.MAX_VALUE, policy.timeout().toMillis());
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(channelType)
                    // The address is already resolved and checked: never look it up again.
                    .resolver(NoopAddressResolverGroup.INSTANCE)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectMs))
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (tls) {
                                // SNI and hostname verification use the URL's host, while the
                                // socket goes to the checked address.
                                SSLEngine engine = ssl.newEngine(ch.alloc(), host, port);
                                SSLParameters p = engine.getSSLParameters();
                                p.setEndpointIdentificationAlgorithm("HTTPS");
                                engine.setSSLParameters(p);
                                ch.pipeline().addLast("tls", new SslHandler(engine));
                            }
                            ch.pipeline().addLast("http", new HttpClientCodec(new HttpDecoderConfig()
                                    .setMaxHeaderSize(MAX_HEADER_SIZE).setMaxChunkSize(64 * 1024), false, false));
                            ch.pipeline().addLast("fetch", new FetchHandler(Fetch.this, uri));
                        }
                    });
            ChannelFuture cf = b.connect(new InetSocketAddress(target, port));
            channel = cf.channel();
            cf.addListener(done -> {
                if (promise.isDone() || channel != cf.channel()) {
                    return;
                }
                if (!done.isSuccess()) {
                    if (index + 1 < addresses.size()) {
                        connect(uri, tls, port, addresses, index + 1);
                    } else {
                        fail("could not connect to the image URL's host '" + host + "'.");
                    }
                    return;
                }
                send(cf.channel(), uri, tls, port);
            });
        }

        private void send(Channel ch, URI uri, boolean tls, int port) {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                path += "?" + uri.getRawQuery();
            }
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
            boolean defaultPort = port == (tls ? 443 : 80);
            String hostHeader = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            req.headers()
                    .set(HttpHeaderNames.HOST, defaultPort ? hostHeader : hostHeader + ":" + port)
                    .set(HttpHeaderNames.USER_AGENT, "Junction-MediaFetcher")
                    .set(HttpHeaderNames.ACCEPT, String.join(", ", new TreeSet<>(policy.mimeTypes())))
                    // The size limit is on what is received; a compressed body would escape it.
                    .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ch.writeAndFlush(req).addListener(w -> {
                if (!w.isSuccess() && channel == ch) {
                    failOn(w.cause());
                }
            });
        }

        void redirect(Channel from, URI base, String location) {
            from.close();
            channel = null;
            if (location == null || location.isBlank()) {
                fail("the image URL redirected without a Location.");
                return;
            }
            if (++redirects > policy.maxRedirects()) {
                fail("the image URL redirected more than " + policy.maxRedirects() + " times.");
                return;
            }
            URI next;
            try {
                next = base.resolve(new URI(location.trim()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                fail("the image URL redirected to an invalid URL.");
                return;
            }
            hop(next);
        }

        /** Called for the response head of a 2xx answer; false when the fetch was failed. */
        boolean begin(ChannelHandlerContext ctx, HttpResponse r) {
            long length = HttpUtil.getContentLength(r, -1L);
            if (length > policy.maxBytes()) {
                fail(tooLarge());
                return false;
            }
            String mime = MediaTypes.parseContentType(r.headers().get(HttpHeaderNames.CONTENT_TYPE));
            if (!MediaTypes.isGeneric(mime) && !policy.mimeTypes().contains(mime)) {
                fail(notMedia(mime));
                return false;
            }
            // A declared length sizes the buffer, but only up to 1 MiB: a server that announces a
            // large body and then stalls must not make the gateway hold memory it never receives.
            int initial = (int) Math.min(Math.min(length >= 0 ? length : 16 * 1024, policy.maxBytes()), 1 << 20);
            body = ctx.alloc().buffer(Math.max(initial, 256));
            headerMime = mime;
            return true;
        }

        /** Adds a body chunk; false when the fetch was failed (too large). Does not release {@code c}. */
        boolean append(ByteBuf c) {
            if ((long) body.readableBytes() + c.readableBytes() > policy.maxBytes()) {
                fail(tooLarge());
                return false;
            }
            body.writeBytes(c);
            return true;
        }

        void complete() {
            String sniffed = MediaTypes.sniff(body);
            String mime;
            if (sniffed != null) {
                mime = policy.mimeTypes().contains(sniffed) ? sniffed : null;
            } else if (MediaTypes.isSniffable(headerMime)) {
                // Every such file starts with its signature: without it the body is not what the
                // header says (an error page, a truncated file), and the vendor would reject it.
                fail("the content at the image URL is not a valid " + headerMime + " file.");
                return;
            } else {
                mime = !MediaTypes.isGeneric(headerMime) && policy.mimeTypes().contains(headerMime) ? headerMime : null;
            }
            if (mime == null) {
                fail(notMedia(sniffed != null ? sniffed : headerMime));
                return;
            }
            ByteBuf bytes = body;
            body = null;
            if (!promise.trySuccess(new FetchedMedia(mime, bytes))) {
                bytes.release();
            }
        }

        boolean isCurrent(Channel ch) {
            return channel == ch && !promise.isDone();
        }

        void failOn(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof SSLException) {
                    fail("the TLS certificate of the image URL's host '" + host + "' could not be verified.");
                    return;
                }
            }
            fail("the connection to the image URL's host '" + host + "' failed.");
        }

        void fail(String message) {
            promise.tryFailure(new TranslationException(
                    GatewayError.invalidRequest("invalid_value", param, message + FIX)));
        }

        private String tooLarge() {
            return "the image at the URL is larger than " + policy.maxBytes() + " bytes.";
        }

        private String notMedia(String mime) {
            return "the URL does not point to a supported image or document (got "
                    + (mime == null ? "no content type" : mime) + "; accepted: "
                    + String.join(", ", new TreeSet<>(policy.mimeTypes())) + ").";
        }

        /** Runs once the promise completes, however it completed (also when the caller cancels). */
        private void cleanup() {
            if (timer != null) {
                timer.cancel(false);
            }
            if (channel != null) {
                channel.close();
                channel = null;
            }
            if (body != null) {
                body.release();
                body = null;
            }
        }
    }

    /**
     * The last handler of a fetch connection, after {@code tls} (https only) and {@code http}
     * ({@link HttpClientCodec}). Releases every message it reads.
     */
    private static final class FetchHandler extends ChannelInboundHandlerAdapter {
        private final Fetch fetch;
        private final URI uri;
        private boolean reading;                                   // inside a 2xx body

        FetchHandler(Fetch fetch, URI uri) {
            this.fetch = fetch;
            this.uri = uri;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!fetch.isCurrent(ctx.channel())) {
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        fetch.fail("the image URL's host '" + fetch.host + "' sent an invalid HTTP response.");
                        return;
                    }
                    int code = r.status().code();
                    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
                        fetch.redirect(ctx.channel(), uri, r.headers().get(HttpHeaderNames.LOCATION));
                        return;
                    }
                    if (code >= 100 && code < 200 && code != 101) {
                        return;                                    // interim response; the real one follows
                    }
                    if (code < 200 || code > 299) {
                        fetch.fail("the image URL answered HTTP " + code + ".");
                        return;
                    }
                    if (!fetch.begin(ctx, r)) {
                        return;
                    }
                    reading = true;
                }
                if (msg instanceof HttpContent c && reading) {
                    if (c.decoderResult().isFailure()) {
                        fetch.fail("the image URL's host '" + fetch.host + "' sent an invalid HTTP response.");
                        return;
                    }
                    if (!fetch.append(c.content())) {
                        return;
                    }
                    if (c instanceof LastHttpContent) {
                        reading = false;
                        fetch.complete();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (fetch.isCurrent(ctx.channel())) {
                fetch.fail("the image URL's host '" + fetch.host + "' closed the connection before the image was complete.");
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (fetch.isCurrent(ctx.channel())) {
                fetch.failOn(cause);
            }
            ctx.close();
        }
    }
}

package dev.junction.core.media;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.resolver.SimpleNameResolver;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaFetcherTest {

    static final byte[] PNG = bytes(new int[]{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
    static final byte[] JPEG = bytes(new int[]{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0});
    static final byte[] GIF = "GIF89a\u0001\u0000\u0001\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    static final byte[] WEBP = "RIFF\u0024\u0000\u0000\u0000WEBPVP8 ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    static final byte[] PDF = "%PDF-1.7\n%\u00e2\u00e3".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    static final String PARAM = "messages[0].content[1].image_url.url";

    static EventLoopGroup group;
    static EventLoop loop;
    static DnsAddressResolverGroup dns;

    MockWebServer server;
    StaticResolverGroup names;
    FetchPolicy loopbackAllowed;

    @BeforeAll
    static void startLoops() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
        dns = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(NioDatagramChannel.class)
                .nameServerProvider(DnsServerAddressStreamProviders.platformDefault()));
    }

    @AfterAll
    static void stopLoops() throws InterruptedException {
        dns.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(InetAddress.getByAddress(new byte[]{127, 0, 0, 1}), 0);
        names = new StaticResolverGroup();
        CountingChannel.CONNECTS.set(0);
        loopbackAllowed = FetchPolicy.defaults().withAllow("127.0.0.1");
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown();
    }

    // ----- success and media types -------------------------------------------------------------

    @Test
    void fetchesImageWithItsContentType() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        FetchedMedia m = success(fetcher(loopbackAllowed).fetch(url("/cat.png?size=large"), PARAM, loop));
        try {
            assertEquals("image/png", m.mimeType());
            assertArrayEquals(PNG, ByteBufUtil.getBytes(m.bytes()));
        } finally {
            m.bytes().release();
        }
        RecordedRequest r = server.takeRequest();
        assertEquals("GET", r.getMethod());
        assertEquals("/cat.png?size=large", r.getPath());
        assertEquals("127.0.0.1:" + server.getPort(), r.getHeader("Host"));
        assertEquals("identity", r.getHeader("Accept-Encoding"));
    }

    @Test
    void contentTypeParametersAndJpgAliasAreUnderstood() throws Exception {
        // Without normalisation "image/jpg" is not an accepted type and is refused before the body.
        server.enqueue(new MockResponse().setHeader("Content-Type", "IMAGE/JPG; charset=binary")
                .setBody(new Buffer().write(JPEG)));
        FetchedMedia m = success(fetcher(loopbackAllowed).fetch(url("/x"), PARAM, loop));
        assertEquals("image/jpeg", m.mimeType());
        m.bytes().release();
    }

    @Test
    void refusesABodyThatDoesNotMatchItsImageType() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody("<html>Not Found</html>"));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/x.png"), PARAM, loop), "not a valid image/png file");
    }

    @Test
    void theHeaderDecidesForConfiguredTypesWithoutASignature() throws Exception {
        byte[] heic = "\u0000\u0000\u0000\u0018ftypheic".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/heic").setBody(new Buffer().write(heic)));
        FetchPolicy p = loopbackAllowed.withMimeTypes(java.util.Set.of("image/png", "image/heic"));
        FetchedMedia m = success(fetcher(p).fetch(url("/x.heic"), PARAM, loop));
        assertEquals("image/heic", m.mimeType());
        m.bytes().release();
        // A recognised type outside the policy is refused even behind a generic header.
        server.enqueue(new MockResponse().setHeader("Content-Type", "application/octet-stream").setBody(new Buffer().write(GIF)));
        assertRefused(fetcher(p).fetch(url("/x"), PARAM, loop), "image/gif");
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpeg", "gif", "webp", "pdf"})
    void sniffsWhenContentTypeIsGenericOrMissing(String kind) throws Exception {
        byte[] body = switch (kind) {
            case "png" -> PNG;
            case "jpeg" -> JPEG;
            case "gif" -> GIF;
            case "webp" -> WEBP;
            default -> PDF;
        };
        String expected = kind.equals("pdf") ? "application/pdf" : "image/" + kind;
        server.enqueue(new MockResponse().setHeader("Content-Type", "application/octet-stream")
                .setBody(new Buffer().write(body)));
        server.enqueue(new MockResponse().setBody(new Buffer().write(body)).removeHeader("Content-Type"));
        MediaFetcher f = fetcher(loopbackAllowed);
        for (int i = 0; i < 2; i++) {
            FetchedMedia m = success(f.fetch(url("/blob"), PARAM, loop));
            assertEquals(expected, m.mimeType());
            assertArrayEquals(body, ByteBufUtil.getBytes(m.bytes()));
            m.bytes().release();
        }
        assertNull(server.takeRequest().getHeader("Content-Type"));
    }

    @Test
    void recognisedBytesWinOverAMislabelledHeader() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/jpeg").setBody(new Buffer().write(PNG)));
        FetchedMedia m = success(fetcher(loopbackAllowed).fetch(url("/a.jpg"), PARAM, loop));
        assertEquals("image/png", m.mimeType());
        m.bytes().release();
    }

    @Test
    void refusesContentThatIsNotAnImage() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "text/html; charset=utf-8")
                .setBody("<html>login</html>"));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/page"), PARAM, loop), "text/html");
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/svg+xml").setBody("<svg/>"));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/logo.svg"), PARAM, loop), "image/svg+xml");
        server.enqueue(new MockResponse().setHeader("Content-Type", "application/octet-stream").setBody("hello"));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/blob"), PARAM, loop), "application/octet-stream");
        server.enqueue(new MockResponse().setResponseCode(204));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/empty"), PARAM, loop), "no content type");
    }

    @Test
    void mimeTypesArePolicy() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "application/pdf").setBody(new Buffer().write(PDF)));
        FetchPolicy imagesOnly = loopbackAllowed.withMimeTypes(java.util.Set.of("image/png", "image/jpeg"));
        assertRefused(fetcher(imagesOnly).fetch(url("/doc.pdf"), PARAM, loop), "application/pdf");
    }

    // ----- size limit ----------------------------------------------------------------------------

    @Test
    void refusesByContentLengthBeforeReadingTheBody() throws Exception {
        byte[] big = withPrefix(PNG, 2000);
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(big)));
        assertRefused(fetcher(loopbackAllowed.withMaxBytes(1000)).fetch(url("/big.png"), PARAM, loop),
                "larger than 1000 bytes");
    }

    @Test
    void refusesAStreamedBodyOverTheLimit() throws Exception {
        byte[] big = withPrefix(PNG, 5000);
        // Chunked: no Content-Length, so only counting the streamed bytes catches it.
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setChunkedBody(new Buffer().write(big), 512));
        assertRefused(fetcher(loopbackAllowed.withMaxBytes(4096)).fetch(url("/big.png"), PARAM, loop),
                "larger than 4096 bytes");
    }

    @Test
    void acceptsABodyOfExactlyTheLimit() throws Exception {
        byte[] body = withPrefix(PNG, 4096);
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setChunkedBody(new Buffer().write(body), 300));
        FetchedMedia m = success(fetcher(loopbackAllowed.withMaxBytes(4096)).fetch(url("/ok.png"), PARAM, loop));
        assertArrayEquals(body, ByteBufUtil.getBytes(m.bytes()));
        m.bytes().release();
    }

    @Test
    void refusesABodyCutShort() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(withPrefix(PNG, 100_000)))
                .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/cut.png"), PARAM, loop), "closed the connection");
    }

    // ----- timeout, HTTP errors, unreachable -----------------------------------------------------

    @Test
    void timesOutAsAWhole() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG))
                .setBodyDelay(5, TimeUnit.SECONDS));
        long t0 = System.nanoTime();
        assertRefused(fetcher(loopbackAllowed.withTimeout(Duration.ofMillis(300))).fetch(url("/slow.png"), PARAM, loop),
                "did not answer within 300 ms");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "the timeout cut the fetch short");
    }

    @Test
    void timeoutCoversAServerThatNeverAnswers() throws Exception {
        server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
        assertRefused(fetcher(loopbackAllowed.withTimeout(Duration.ofMillis(300))).fetch(url("/hang"), PARAM, loop),
                "did not answer");
    }

    @Test
    void refusesHttpErrors() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(404).setBody("nope"));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/missing.png"), PARAM, loop), "HTTP 404");
        server.enqueue(new MockResponse().setResponseCode(500));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/boom.png"), PARAM, loop), "HTTP 500");
    }

    @Test
    void refusesUnreachableAndUnresolvableHosts() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[]{127, 0, 0, 1}))) {
            closedPort = s.getLocalPort();
        }
        assertRefused(fetcher(loopbackAllowed).fetch("http://127.0.0.1:" + closedPort + "/x.png", PARAM, loop),
                "could not connect");
        assertRefused(fetcher(loopbackAllowed).fetch("https://nowhere.test/x.png", PARAM, loop), "could not be resolved");
        assertEquals(1, CountingChannel.CONNECTS.get());
    }

    // ----- redirects ------------------------------------------------------------------------------

    @Test
    void followsRedirectsWithinTheLimit() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/b").setBody("moved"));
        server.enqueue(new MockResponse().setResponseCode(301).setHeader("Location", url("/c")));
        server.enqueue(new MockResponse().setResponseCode(307).setHeader("Location", "d?x=1"));
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/gif").setBody(new Buffer().write(GIF)));
        FetchedMedia m = success(fetcher(loopbackAllowed).fetch(url("/a"), PARAM, loop));
        assertEquals("image/gif", m.mimeType());
        m.bytes().release();
        assertEquals("/a", server.takeRequest().getPath());
        assertEquals("/b", server.takeRequest().getPath());
        assertEquals("/c", server.takeRequest().getPath());
        assertEquals("/d?x=1", server.takeRequest().getPath());
        assertEquals(4, CountingChannel.CONNECTS.get(), "a fresh, checked connection per hop");
    }

    @Test
    void refusesTooManyRedirects() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/b"));
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "/c"));
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        assertRefused(fetcher(loopbackAllowed.withMaxRedirects(1)).fetch(url("/a"), PARAM, loop),
                "more than 1 times");
        assertEquals(2, server.getRequestCount());
    }

    @Test
    void refusesARedirectWithoutLocation() throws Exception {
        server.enqueue(new MockResponse().setResponseCode(302));
        assertRefused(fetcher(loopbackAllowed).fetch(url("/a"), PARAM, loop), "without a Location");
    }

    @Test
    void rechecksTheAddressOnEveryRedirect() throws Exception {
        // The first hop is allowed by host name; its redirect targets are not.
        names.put("media.test", "127.0.0.1");
        FetchPolicy p = FetchPolicy.defaults().withAllow("media.test");
        String origin = "http://media.test:" + server.getPort();
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", url("/secret")));
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "https://169.254.169.254/latest/meta-data/"));
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "https://[::ffff:10.0.0.1]/"));
        assertRefused(fetcher(p).fetch(origin + "/a", PARAM, loop), "resolves to a loopback address");
        assertRefused(fetcher(p).fetch(origin + "/b", PARAM, loop), "resolves to a cloud metadata address");
        assertRefused(fetcher(p).fetch(origin + "/c", PARAM, loop), "resolves to a private address");
        assertEquals(3, server.getRequestCount());
        assertEquals(3, CountingChannel.CONNECTS.get(), "no connection to any redirect target");
        assertEquals("media.test:" + server.getPort(), server.takeRequest().getHeader("Host"));
    }

    @Test
    void refusesARedirectFromHttpsToPlainHttpOfAPublicHost() throws Exception {
        names.put("media.test", "127.0.0.1");
        names.put("public.test", "93.184.216.34");
        server.enqueue(new MockResponse().setResponseCode(302).setHeader("Location", "http://public.test/x.png"));
        assertRefused(fetcher(FetchPolicy.defaults().withAllow("media.test"))
                .fetch("http://media.test:" + server.getPort() + "/a", PARAM, loop), "must use https");
        assertEquals(1, CountingChannel.CONNECTS.get());
    }

    // ----- SSRF refusals without any connection ---------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
            "https://127.0.0.1:PORT/x.png",
            "http://127.0.0.1:PORT/x.png",
            "https://127.1.2.3:PORT/x.png",
            "https://localhost:PORT/x.png",
            "https://LOCALHOST.:PORT/x.png",
            "https://[::1]:PORT/x.png",
            "https://[::ffff:127.0.0.1]:PORT/x.png",
            "https://[::ffff:7f00:1]:PORT/x.png",
            "https://0.0.0.0:PORT/x.png",
            "https://[::]:PORT/x.png",
            "https://10.0.0.5/x.png",
            "https://172.16.3.4/x.png",
            "https://192.168.1.1/x.png",
            "https://100.64.0.1/x.png",
            "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "https://[::ffff:169.254.169.254]/latest/meta-data/",
            "https://[fe80::1]/x.png",
            "https://[fd00:ec2::254]/latest/meta-data/",
            "https://224.0.0.1/x.png",
    })
    void refusesNonPublicTargetsWithoutConnecting(String template) throws Exception {
        String u = template.replace("PORT", String.valueOf(server.getPort()));
        // The real DNS resolver: localhost comes from the hosts file, as in production.
        MediaFetcher f = new MediaFetcher(CountingChannel.class, dns, FetchPolicy.defaults());
        TranslationException e = assertRefused(f.fetch(u, PARAM, loop), "Junction does not fetch URLs that point into private networks");
        if (u.toLowerCase(java.util.Locale.ROOT).contains("localhost")) {
            assertFalse(e.getMessage().contains("127.0.0.1"), "the message does not reveal resolved addresses");
        }
        assertEquals(0, CountingChannel.CONNECTS.get(), "no connection attempt");
        assertEquals(0, server.getRequestCount());
    }

    @Test
    void refusesANameWithAnyNonPublicAddress() throws Exception {
        // One public and one loopback answer: a connection could land on either, so it is refused.
        names.put("mixed.test", "93.184.216.34", "127.0.0.1");
        names.put("internal.test", "10.1.2.3");
        TranslationException e = assertRefused(
                fetcher(FetchPolicy.defaults()).fetch("https://mixed.test/x.png", PARAM, loop), "loopback");
        assertFalse(e.getMessage().contains("127.0.0.1") || e.getMessage().contains("93.184"), e.getMessage());
        assertRefused(fetcher(FetchPolicy.defaults()).fetch("https://internal.test/x.png", PARAM, loop), "private");
        assertEquals(0, CountingChannel.CONNECTS.get());
    }

    @Test
    void refusesPlainHttpToAPublicHost() throws Exception {
        names.put("public.test", "93.184.216.34");
        assertRefused(fetcher(FetchPolicy.defaults()).fetch("http://public.test/x.png", PARAM, loop), "must use https");
        assertEquals(0, CountingChannel.CONNECTS.get());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://example.com/x.png", "file:///etc/passwd", "gopher://127.0.0.1/", "x.png",
            "https://user:pw@example.com/x.png", "https:///x.png", "https://exa mple.com/x.png", "http://[::1/x",
            "https://example.com:0/x.png", "https://example.com:70000/x.png"})
    void refusesUrlsThatAreNotPlainHttps(String u) throws Exception {
        assertRefused(fetcher(FetchPolicy.defaults()).fetch(u, PARAM, loop), "the image URL");
        assertEquals(0, CountingChannel.CONNECTS.get());
        assertEquals(0, names.lookups.get());
    }

    // ----- allow-list and DNS pinning -------------------------------------------------------------

    @Test
    void allowListedNetworkAndHostAreFetched() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/webp").setBody(new Buffer().write(WEBP)));
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/webp").setBody(new Buffer().write(WEBP)));
        names.put("img.internal", "127.0.0.1");
        FetchedMedia a = success(fetcher(FetchPolicy.defaults().withAllow("127.0.0.0/8")).fetch(url("/1"), PARAM, loop));
        FetchedMedia b = success(fetcher(FetchPolicy.defaults().withAllow("*.internal"))
                .fetch("http://img.internal:" + server.getPort() + "/2", PARAM, loop));
        assertEquals("image/webp", a.mimeType());
        assertEquals("image/webp", b.mimeType());
        a.bytes().release();
        b.bytes().release();
        server.takeRequest();
        assertEquals("img.internal:" + server.getPort(), server.takeRequest().getHeader("Host"));
    }

    @Test
    void resolvesOncePerHopAndConnectsToTheCheckedAddress() throws Exception {
        // A rebinding resolver: 127.0.0.1 (allow-listed) first, then an address that is not.
        names.put("rebind.test", "127.0.0.1");
        names.then("rebind.test", "10.9.9.9");
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        FetchedMedia m = success(fetcher(FetchPolicy.defaults().withAllow("127.0.0.1"))
                .fetch("http://rebind.test:" + server.getPort() + "/x.png", PARAM, loop));
        m.bytes().release();
        assertEquals(1, names.lookups.get());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void triesTheNextCheckedAddressWhenAConnectionFails() throws Exception {
        // Nothing listens on 127.0.0.2 (the server is bound to 127.0.0.1 only).
        names.put("multi.test", "127.0.0.2", "127.0.0.1");
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        FetchedMedia m = success(fetcher(FetchPolicy.defaults().withAllow("127.0.0.0/8"))
                .fetch("http://multi.test:" + server.getPort() + "/x.png", PARAM, loop));
        m.bytes().release();
        assertEquals(2, CountingChannel.CONNECTS.get());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void skipsInterimResponses() throws Exception {
        String png = new String(PNG, java.nio.charset.StandardCharsets.ISO_8859_1);
        try (RawServer raw = new RawServer("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + PNG.length + "\r\n\r\n" + png)) {
            FetchedMedia m = success(fetcher(loopbackAllowed).fetch(raw.url(), PARAM, loop));
            assertEquals("image/png", m.mimeType());
            assertArrayEquals(PNG, ByteBufUtil.getBytes(m.bytes()));
            m.bytes().release();
        }
    }

    @Test
    void readsABodyDelimitedByConnectionClose() throws Exception {
        String png = new String(PNG, java.nio.charset.StandardCharsets.ISO_8859_1);
        try (RawServer raw = new RawServer("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n" + png)) {
            FetchedMedia m = success(fetcher(loopbackAllowed).fetch(raw.url(), PARAM, loop));
            assertArrayEquals(PNG, ByteBufUtil.getBytes(m.bytes()));
            m.bytes().release();
        }
    }

    @Test
    void refusesAnInvalidResponse() throws Exception {
        try (RawServer raw = new RawServer("SSH-2.0-OpenSSH_9.6\r\n\r\n")) {
            assertRefused(fetcher(loopbackAllowed).fetch(raw.url(), PARAM, loop), "invalid HTTP response");
        }
    }

    // ----- TLS --------------------------------------------------------------------------------------

    @Test
    void httpsVerifiesTheCertificateAgainstTheUrlHost() throws Exception {
        char[] pw = "changeit".toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = MediaFetcherTest.class.getResourceAsStream("/media/localhost.p12")) {
            ks.load(in, pw);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        server.useHttps(serverTls.getSocketFactory(), false);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SslContext clientTls = SslContextBuilder.forClient().trustManager(tmf).build();

        names.put("localhost", "127.0.0.1");
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        FetchPolicy p = FetchPolicy.defaults().withAllow("localhost", "127.0.0.1");
        MediaFetcher f = new MediaFetcher(CountingChannel.class, names, p, clientTls);
        FetchedMedia m = success(f.fetch("https://localhost:" + server.getPort() + "/x.png", PARAM, loop));
        assertEquals("image/png", m.mimeType());
        m.bytes().release();
        assertEquals(1, server.getRequestCount());

        // Same server by IP: the certificate names only "localhost", so verification fails.
        assertRefused(f.fetch("https://127.0.0.1:" + server.getPort() + "/x.png", PARAM, loop),
                "could not be verified");
        // The default trust store does not know the private certificate at all.
        assertRefused(new MediaFetcher(CountingChannel.class, names, p)
                .fetch("https://localhost:" + server.getPort() + "/x.png", PARAM, loop), "could not be verified");
        assertEquals(1, server.getRequestCount());
    }

    // ----- cancellation and threading ---------------------------------------------------------------

    @Test
    void cancellingAbortsTheFetch() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png")
                .setChunkedBody(new Buffer().write(withPrefix(PNG, 50_000)), 1000).throttleBody(1000, 50, TimeUnit.MILLISECONDS));
        Future<FetchedMedia> f = fetcher(loopbackAllowed).fetch(url("/slow.png"), PARAM, loop);
        server.takeRequest(5, TimeUnit.SECONDS);
        Thread.sleep(100);                                     // let part of the body arrive
        assertTrue(f.cancel(false));
        assertTrue(f.await(5, TimeUnit.SECONDS));
        assertTrue(f.isCancelled());
    }

    @Test
    void worksWhenCalledOnTheLoop() throws Exception {
        server.enqueue(new MockResponse().setHeader("Content-Type", "image/png").setBody(new Buffer().write(PNG)));
        MediaFetcher f = fetcher(loopbackAllowed);
        Promise<FetchedMedia> relay = loop.newPromise();
        loop.execute(() -> f.fetch(url("/x.png"), PARAM, loop).addListener(r -> {
            assertTrue(loop.inEventLoop(), "completes on the caller's loop");
            if (r.isSuccess()) {
                relay.setSuccess((FetchedMedia) r.getNow());
            } else {
                relay.setFailure(r.cause());
            }
        }));
        FetchedMedia m = success(relay);
        m.bytes().release();
    }

    // ----- helpers -----------------------------------------------------------------------------------

    private MediaFetcher fetcher(FetchPolicy p) {
        return new MediaFetcher(CountingChannel.class, names, p);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getPort() + path;
    }

    private static FetchedMedia success(Future<FetchedMedia> f) throws InterruptedException {
        assertTrue(f.await(10, TimeUnit.SECONDS), "fetch completed");
        if (!f.isSuccess()) {
            throw new AssertionError("fetch failed", f.cause());
        }
        return f.getNow();
    }

    private static TranslationException assertRefused(Future<FetchedMedia> f, String fragment) throws InterruptedException {
        assertTrue(f.await(10, TimeUnit.SECONDS), "fetch completed");
        assertFalse(f.isSuccess(), "fetch refused");
        TranslationException e = assertInstanceOf(TranslationException.class, f.cause());
        GatewayError err = e.error();
        assertEquals(400, err.status());
        assertEquals("invalid_request_error", err.type());
        assertEquals("invalid_value", err.code());
        assertEquals(PARAM, err.param());
        assertFalse(err.retryable() || err.failover() || err.clientRetryable());
        assertTrue(err.message().contains(fragment), () -> "'" + err.message() + "' should contain '" + fragment + "'");
        assertTrue(err.message().endsWith("Send the image inline as a base64 data: URL instead."));
        return e;
    }

    private static byte[] withPrefix(byte[] prefix, int size) {
        byte[] b = Arrays.copyOf(prefix, size);
        for (int i = prefix.length; i < size; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private static byte[] bytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** Answers one connection with fixed bytes and closes it, for responses MockWebServer cannot produce. */
    static final class RawServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        RawServer(String response) throws Exception {
            socket = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[]{127, 0, 0, 1}));
            thread = new Thread(() -> {
                try (java.net.Socket s = socket.accept()) {
                    InputStream in = s.getInputStream();
                    int state = 0;                                 // wait for the blank line ending the request
                    while (state < 4) {
                        int c = in.read();
                        if (c < 0) {
                            return;
                        }
                        state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                                ? state + 1 : 0;
                    }
                    s.getOutputStream().write(response.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                } catch (java.io.IOException ignored) {
                    // the test's assertions report what went wrong
                }
            }, "raw-server");
            thread.start();
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/x";
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(5000);
        }
    }

    /** Counts connection attempts, to prove refusals happen before any socket is opened. */
    public static final class CountingChannel extends NioSocketChannel {
        static final AtomicInteger CONNECTS = new AtomicInteger();

        @Override
        protected boolean doConnect(SocketAddress remote, SocketAddress local) throws Exception {
            CONNECTS.incrementAndGet();
            return super.doConnect(remote, local);
        }
    }

    /** A resolver with fixed answers; a name's later answers can differ (DNS rebinding). */
    static final class StaticResolverGroup extends AddressResolverGroup<InetSocketAddress> {
        final Map<String, List<List<InetAddress>>> answers = new ConcurrentHashMap<>();
        final AtomicInteger lookups = new AtomicInteger();

        void put(String name, String... addresses) {
            answers.put(name, new java.util.concurrent.CopyOnWriteArrayList<>(List.of(parse(addresses))));
        }

        void then(String name, String... addresses) {
            answers.get(name).add(parse(addresses));
        }

        private static List<InetAddress> parse(String... addresses) {
            return Arrays.stream(addresses).map(a -> Cidr.addressOf(Cidr.literal(a))).toList();
        }

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new InetSocketAddressResolver(executor, new SimpleNameResolver<>(executor) {
                @Override
                protected void doResolve(String host, Promise<InetAddress> p) {
                    List<InetAddress> all = next(host);
                    if (all == null) {
                        p.setFailure(new UnknownHostException(host));
                    } else {
                        p.setSuccess(all.get(0));
                    }
                }

                @Override
                protected void doResolveAll(String host, Promise<List<InetAddress>> p) {
                    List<InetAddress> all = next(host);
                    if (all == null) {
                        p.setFailure(new UnknownHostException(host));
                    } else {
                        p.setSuccess(all);
                    }
                }
            });
        }

        private List<InetAddress> next(String host) {
            lookups.incrementAndGet();
            List<List<InetAddress>> seq = answers.get(host.toLowerCase(java.util.Locale.ROOT));
            if (seq == null) {
                return null;
            }
            return seq.size() > 1 ? seq.remove(0) : seq.get(0);
        }
    }
}

package dev.junction.core.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one-pass request reader against Netty's decoder and aggregator: thousands of generated heads
 * (methods, targets, versions, header names and values good and bad, framing headers, wrong
 * lengths, bare CR and LF) and random corruptions of them. Whenever the reader vouches for a
 * request, Netty's decoder reads the same method, target, version, headers and body from the same
 * bytes; it never vouches for one Netty refuses. And the codec that puts the reader in front of
 * Netty's decoder gives, for pipelined streams of such requests cut at random places, the same
 * sequence of requests and refusals as Netty's decoder alone.
 */
class WholeRequestTest {

    private static final int MAX_LINE = 256;
    private static final int MAX_HEADERS = 512;
    private static final int MAX_BODY = 600;

    private static final String[] METHODS = {"POST", "POST", "POST", "GET", "GET", "HEAD", "PUT", "DELETE", "PATCH",
            "OPTIONS", "CONNECT", "TRACE", "post", "PO ST", "", "GETX", "P\u00d6ST", "BREW"};
    private static final String[] TARGETS = {"/v1/chat/completions", "/v1/chat/completions", "/v1/messages?beta=true",
            "/", "/a%20b", "*", "http://x/y", "/a b", "/\u00e9", "/x\ty", "/{x}", "/a\"b", "/|", "/a#b", "/[::1]", "",
            "/v1/models/m:gen?alt=sse&k=v;x=(1)*+,!$'~", "//double", "/\u0000", "/" + "p".repeat(300)};
    private static final String[] VERSIONS = {"HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0",
            "http/1.1", "HTTP/1.1 ", "HTTP/1", "HTTP/1.10", "HTTP/11"};
    private static final String[] NAMES = {"Host", "host", "Content-Type", "content-type", "Authorization", "X-Request-Id",
            "Accept", "Connection", "User-Agent", "x-stainless-lang", "anthropic-version", "Content-Length",
            "content-length", "CONTENT-LENGTH", "Transfer-Encoding", "transfer-encoding", "Expect", "Upgrade",
            "bad name", "x:y", "\u00f1ame", "", "X-\u00c4", " Leading", "Trailing ", "x{y}", "a/b", "x~!#$%&'*+-.^_`|"};
    private static final String[] VALUES = {"application/json", "Bearer sk-test-0123", "localhost:8080", "keep-alive",
            "close", "100-continue", "chunked", "gzip, chunked", "  padded  ", "a\tb", "", "\u0000", "x\u007f",
            "\u00e9", "a\rb", "a\nb", "h2c", "*/*", "\t", "v ", "12", "0", "+5", "05", "5, 5", " 7", "99999999999999"};
    private static final String[] EOL = {"\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\r\n", "\n", "\r"};

    private static String pick(Random r, String[] a) {
        return a[r.nextInt(a.length)];
    }

    /** One request in wire form: head, then a body that may or may not match its framing. */
    private static byte[] request(Random r) {
        StringBuilder h = new StringBuilder();
        boolean plain = r.nextInt(3) != 0;
        String method = plain ? (r.nextBoolean() ? "POST" : "GET") : pick(r, METHODS);
        String target = plain ? "/v1/chat/completions" : pick(r, TARGETS);
        String version = plain ? "HTTP/1.1" : pick(r, VERSIONS);
        String sp = r.nextInt(30) == 0 ? (r.nextBoolean() ? "  " : "\t") : " ";
        h.append(method).append(sp).append(target).append(' ').append(version).append(plain ? "\r\n" : pick(r, EOL));
        String body = "{\"model\":\"m\",\"messages\":[]}".repeat(r.nextInt(4) == 0 ? r.nextInt(30) : 1);
        if (r.nextInt(8) == 0) {
            body = "";
        }
        boolean chunked = false;
        int headers = r.nextInt(8);
        boolean lengthSent = false;
        for (int k = 0; k < headers; k++) {
            String name;
            String value;
            if (plain || r.nextInt(3) != 0) {
                name = pick(r, new String[] {"Host", "Content-Type", "Authorization", "Accept", "User-Agent", "X-Request-Id"});
                value = pick(r, new String[] {"application/json", "Bearer sk-test-0123", "localhost:8080", "*/*",
                        "OpenAI/Java 2.0", "req-" + r.nextInt(1000)});
            } else {
                name = pick(r, NAMES);
                value = pick(r, VALUES);
            }
            if (name.equalsIgnoreCase("transfer-encoding") && value.equals("chunked")) {
                chunked = true;
            }
            h.append(name).append(r.nextInt(40) == 0 ? " :" : ":").append(r.nextInt(10) == 0 ? "" : " ").append(value)
                    .append(plain ? "\r\n" : pick(r, EOL));
        }
        if (!body.isEmpty() || r.nextBoolean()) {
            int len = body.getBytes(StandardCharsets.UTF_8).length;
            String cl = switch (r.nextInt(plain ? 40 : 10)) {
                case 0 -> String.valueOf(len + 1 + r.nextInt(5));
                case 1 -> String.valueOf(Math.max(0, len - 1 - r.nextInt(5)));
                case 2 -> "0" + len;
                case 3 -> len + ", " + len;
                case 4 -> "+" + len;
                case 5 -> String.valueOf(MAX_BODY + r.nextInt(3) - 1);
                default -> String.valueOf(len);
            };
            if (!chunked || r.nextBoolean()) {
                h.append(r.nextInt(4) == 0 ? "content-length" : "Content-Length").append(": ").append(cl).append("\r\n");
                lengthSent = true;
                if (r.nextInt(30) == 0) {
                    h.append("Content-Length: ").append(cl).append("\r\n");
                }
            }
        }
        h.append(plain ? "\r\n" : pick(r, EOL));
        byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (chunked) {
            String c = Integer.toHexString(b.length) + "\r\n" + body + "\r\n0\r\n\r\n";
            b = c.getBytes(StandardCharsets.UTF_8);
        } else if (!lengthSent && r.nextInt(4) != 0) {
            b = new byte[0];
        }
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        if (r.nextInt(5) == 0) {
            all = corrupt(r, all);
        }
        return all;
    }

    private static final byte[] NASTY = {0, '\r', '\n', ' ', '\t', ':', 0x7f, (byte) 0xe9, (byte) 0xff, 'A', '/', '"'};

    private static byte[] corrupt(Random r, byte[] a) {
        if (a.length == 0) {
            return a;
        }
        int at = r.nextInt(a.length);
        byte b = r.nextBoolean() ? NASTY[r.nextInt(NASTY.length)] : (byte) r.nextInt(256);
        switch (r.nextInt(3)) {
            case 0 -> {
                byte[] c = a.clone();
                c[at] = b;
                return c;
            }
            case 1 -> {
                byte[] c = new byte[a.length + 1];
                System.arraycopy(a, 0, c, 0, at);
                c[at] = b;
                System.arraycopy(a, at, c, at + 1, a.length - at);
                return c;
            }
            default -> {
                byte[] c = new byte[a.length - 1];
                System.arraycopy(a, 0, c, 0, at);
                System.arraycopy(a, at + 1, c, at, a.length - at - 1);
                return c;
            }
        }
    }

    private static HttpDecoderConfig config() {
        return new HttpDecoderConfig().setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_HEADERS);
    }

    /** A request as both sides must agree on it: verdict, method, target, version, headers, body, trailers. */
    private static String describe(Object m) {
        if (!(m instanceof FullHttpRequest r)) {
            return m.getClass().getSimpleName();
        }
        StringBuilder b = new StringBuilder();
        b.append(r.decoderResult().isSuccess() ? "ok" : "refused " + r.decoderResult().cause().getClass().getSimpleName()
                + ": " + r.decoderResult().cause().getMessage());
        b.append(" | ").append(r.method()).append(' ').append(r.uri()).append(' ').append(r.protocolVersion());
        for (Map.Entry<String, String> e : r.headers()) {
            b.append("\n").append(e.getKey()).append(": ").append(e.getValue());
        }
        b.append("\n\n").append(r.content().toString(StandardCharsets.ISO_8859_1));
        for (Map.Entry<String, String> e : r.trailingHeaders()) {
            b.append("\ntrailer ").append(e.getKey()).append(": ").append(e.getValue());
        }
        return b.toString();
    }

    private static List<String> drain(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) {
            out.add(describe(o));
            ReferenceCountUtil.release(o);
        }
        return out;
    }

    /** Closes {@code ch}; what the close reports (a request cut short) is part of the reading. */
    private static List<String> finish(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        try {
            ch.finish();
        } catch (Exception e) {
            out.add("closed: " + e.getClass().getSimpleName());
        }
        out.addAll(drain(ch));
        ch.releaseOutbound();
        return out;
    }

    private static ByteBuf direct(byte[] bytes, int from, int to) {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(Math.max(1, to - from));
        b.writeBytes(bytes, from, to - from);
        return b;
    }

    @Test
    void whatTheReaderVouchesForNettyReadsTheSame() {
        Random random = new Random(20261203L);
        int vouched = 0;
        int refusedByNetty = 0;
        int leftToNetty = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] wire = request(random);
            EmbeddedChannel netty = new EmbeddedChannel(new HttpRequestDecoder(config()), new HttpObjectAggregator(MAX_BODY));
            netty.writeInbound(direct(wire, 0, wire.length));
            List<String> theirs = drain(netty);
            finish(netty);
            if (!theirs.isEmpty() && theirs.get(0).startsWith("refused")) {
                refusedByNetty++;
            }

            ByteBuf in = direct(wire, 0, wire.length);
            try {
                FullHttpRequest mine = WholeRequest.read(in, MAX_LINE, MAX_HEADERS, MAX_BODY);
                String shown = new String(wire, StandardCharsets.ISO_8859_1);
                if (mine == null) {
                    assertEquals(0, in.readerIndex(), "consumed bytes of a request it left to Netty:\n" + shown);
                    leftToNetty++;
                    continue;
                }
                vouched++;
                try {
                    assertTrue(!theirs.isEmpty(), "vouched for a request Netty did not finish:\n" + shown);
                    assertEquals(theirs.get(0), describe(mine), "differs from Netty's reading of:\n" + shown);
                } finally {
                    mine.release();
                }
            } finally {
                in.release();
            }
        }
        // Both sides of the comparison are exercised.
        assertTrue(vouched > 5_000, "vouched " + vouched);
        assertTrue(leftToNetty > 5_000, "left to Netty " + leftToNetty);
        assertTrue(refusedByNetty > 1_000, "refused by Netty " + refusedByNetty);
    }

    @Test
    void theCodecReadsPipelinedStreamsCutAnywhereAsNettysDecoderDoes() {
        Random random = new Random(7L);
        for (int round = 0; round < 3_000; round++) {
            int count = 1 + random.nextInt(5);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (int k = 0; k < count; k++) {
                byte[] one = request(random);
                all.write(one, 0, one.length);
                if (random.nextInt(10) == 0) {
                    all.write('\r');
                    all.write('\n');
                }
            }
            byte[] wire = all.toByteArray();
            int[] cuts = random.ints(random.nextInt(4), 0, wire.length + 1).sorted().toArray();

            EmbeddedChannel netty = new EmbeddedChannel(new HttpRequestDecoder(config()), new HttpObjectAggregator(MAX_BODY));
            EmbeddedChannel mine = new EmbeddedChannel(new ServerHttpCodec(config(), MAX_BODY),
                    new HttpObjectAggregator(MAX_BODY));
            List<String> theirs = new ArrayList<>();
            List<String> ours = new ArrayList<>();
            int from = 0;
            for (int k = 0; k <= cuts.length; k++) {
                int to = k < cuts.length ? cuts[k] : wire.length;
                // Both close after an oversized body's 413 (Netty's aggregator), at the same point.
                assertEquals(netty.isOpen(), mine.isOpen(), "open after " + from + " bytes");
                if ((to > from || k == cuts.length) && netty.isOpen()) {
                    netty.writeInbound(direct(wire, from, to));
                    mine.writeInbound(direct(wire, from, to));
                }
                from = to;
                theirs.addAll(drain(netty));
                ours.addAll(drain(mine));
            }
            theirs.addAll(finish(netty));
            ours.addAll(finish(mine));
            assertEquals(theirs, ours, "stream cut at " + java.util.Arrays.toString(cuts) + ":\n"
                    + new String(wire, StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aSplitHeadOrBodyAndAnOversizedBodyAreLeftToNetty() {
        byte[] wire = ("POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
                .getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 0; cut < wire.length; cut++) {
            ByteBuf in = direct(wire, 0, cut);
            try {
                assertNull(WholeRequest.read(in, MAX_LINE, MAX_HEADERS, MAX_BODY), "cut at " + cut);
                assertEquals(0, in.readerIndex());
            } finally {
                in.release();
            }
        }
        ByteBuf in = direct(wire, 0, wire.length);
        try {
            assertNull(WholeRequest.read(in, MAX_LINE, MAX_HEADERS, 4), "body over the limit");
            FullHttpRequest r = WholeRequest.read(in, MAX_LINE, MAX_HEADERS, 5);
            assertNotNull(r);
            assertEquals("hello", r.content().toString(StandardCharsets.US_ASCII));
            assertEquals(0, in.readableBytes());
            r.release();
        } finally {
            in.release();
        }
    }
}

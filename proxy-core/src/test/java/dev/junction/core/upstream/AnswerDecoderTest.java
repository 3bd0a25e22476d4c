package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire-form answer decoder against Netty's {@link HttpResponseDecoder} (the library path it
 * replaced, same configuration): on thousands of generated answers — canonical and unusual heads,
 * lengths, chunks with extensions and trailers, bodies that run to the close, pipelined answers —
 * each split at random read boundaries, whole and corrupted, both must find the same final answers
 * (status, headers in order, body bytes) and the same verdict for the connection (every answer
 * whole, or broken: malformed or cut short by the close). The body of a broken answer is not
 * compared (neither hands it on as an answer).
 */
class AnswerDecoderTest {

    /**
     * What a connection's bytes decode to: the final answers, and whether an answer whose head was
     * read broke (a malformed or cut-short body). Bytes that make no head — refused, or cut short by
     * the close — end the connection with no answer in both readings; a call waiting for one fails
     * either way.
     */
    private record Outcome(List<String> answers, boolean broken) {
    }

    /**
     * Names looked up before the headers are iterated (so {@link AnswerHeaders} answers them from
     * the head's bytes): those the generator writes, in other cases, and some it never writes.
     */
    static final String[] PROBES = {"content-type", "CONTENT-LENGTH", "transfer-encoding", "connection",
            "x-request-id", "X-RateLimit-Remaining-Requests", "retry-after", "x-empty", "date", "cache-control",
            "anthropic-ratelimit-tokens-reset", "x-ratelimit-reset-tokens", "x-absent", "content-typ", "x"};

    /** The rate-limit names the gateway reads per answer (as {@code VendorHeadroom} lists them). */
    static final io.netty.util.AsciiString[] LIMITS = {
            io.netty.util.AsciiString.of("x-ratelimit-remaining-requests"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-requests-remaining"),
            io.netty.util.AsciiString.of("x-ratelimit-reset-requests"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-requests-reset"),
            io.netty.util.AsciiString.of("x-ratelimit-remaining-tokens"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-tokens-remaining"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-input-tokens-remaining"),
            io.netty.util.AsciiString.of("x-ratelimit-reset-tokens"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-tokens-reset"),
            io.netty.util.AsciiString.of("anthropic-ratelimit-input-tokens-reset"),
            io.netty.util.AsciiString.of("retry-after-ms"),
            io.netty.util.AsciiString.of("retry-after"),
    };

    private static String describe(HttpResponse r, byte[] body) {
        StringBuilder sb = new StringBuilder();
        sb.append(r.protocolVersion()).append(' ').append(r.status().code()).append(' ').append(r.status().reasonPhrase());
        HttpHeaders h = r.headers();
        // Judged from what the decoder noted (no lookup) for its heads, by Netty's rule for Netty's.
        sb.append("\nkeepAlive=").append(AnswerHeaders.keepAlive(r));
        sb.append("\nsize=").append(h.size()).append(" empty=").append(h.isEmpty());
        for (String p : PROBES) {
            sb.append("\n?").append(p).append('=').append(h.get(p)).append(' ').append(h.getAll(p))
                    .append(' ').append(h.contains(p)).append(' ').append(h.containsValue(p, "close", true));
        }
        // The first value of each rate-limit name: read from the bytes in one pass, or one lookup each.
        String[] first;
        if (h instanceof AnswerHeaders a) {
            first = a.firstValues(LIMITS);
        } else {
            first = null;
            for (int k = 0; k < LIMITS.length; k++) {
                String v = h.get(LIMITS[k]);
                if (v != null) {
                    if (first == null) {
                        first = new String[LIMITS.length];
                    }
                    first[k] = v;
                }
            }
        }
        sb.append("\nlimits=").append(first == null ? "none" : java.util.Arrays.toString(first));
        for (Map.Entry<String, String> e : r.headers()) {
            sb.append('\n').append(e.getKey()).append('=').append(e.getValue());
        }
        sb.append("\nbody=").append(new String(body, StandardCharsets.ISO_8859_1));
        return sb.toString();
    }

    /** Why Netty's decoder last refused an answer (for the report of a difference). */
    private static Throwable lastCause;

    /** Netty's reading: final answers (1xx dropped), and whether the connection broke; null for a 101. */
    static Outcome netty(List<byte[]> reads) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseDecoder(UpstreamClient.DECODER));
        List<Object> out = new ArrayList<>();
        try {
            for (byte[] r : reads) {
                ch.writeInbound(Unpooled.wrappedBuffer(r));
                for (Object o; (o = ch.readInbound()) != null; ) {
                    out.add(o);
                }
            }
            ch.finish();
            for (Object o; (o = ch.readInbound()) != null; ) {
                out.add(o);
            }
            List<String> answers = new ArrayList<>();
            HttpResponse head = null;
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean interim = false;
            boolean ended = true;
            for (Object o : out) {
                HttpObject m = (HttpObject) o;
                if (m.decoderResult().isFailure()) {
                    lastCause = m.decoderResult().cause();
                    return new Outcome(answers, !ended && !(m instanceof HttpResponse));
                }
                if (m instanceof HttpResponse r) {
                    if (r.status().code() == 101) {
                        return null;
                    }
                    interim = r.status().code() >= 100 && r.status().code() < 200;
                    head = r;
                    body.reset();
                    ended = false;
                }
                if (m instanceof HttpContent c) {
                    byte[] b = new byte[c.content().readableBytes()];
                    c.content().getBytes(c.content().readerIndex(), b);
                    body.writeBytes(b);
                }
                if (m instanceof LastHttpContent) {
                    if (!interim) {
                        answers.add(describe(head, body.toByteArray()));
                    }
                    ended = true;
                }
            }
            // A head read but its answer not ended (Netty reads to the close only without framing).
            return new Outcome(answers, !ended);
        } finally {
            out.forEach(ReferenceCountUtil::release);
            ch.finishAndReleaseAll();
        }
    }

    private static String lastWhy;

    /** The wire-form decoder's reading of the same reads. */
    static Outcome mine(List<byte[]> reads, ByteBufAllocator alloc) {
        lastWhy = null;
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
        for (int i = 0; i < 16; i++) {
            methods.add(HttpMethod.POST);
        }
        AnswerDecoder d = new AnswerDecoder(UpstreamClient.DECODER, methods);
        List<String> answers = new ArrayList<>();
        boolean[] broken = {false};
        boolean[] malformed = {false};
        AnswerDecoder.Sink sink = new AnswerDecoder.Sink() {
            HttpResponse head;
            final ByteArrayOutputStream body = new ByteArrayOutputStream();

            @Override
            public void head(HttpResponse h) {
                assertFalse(broken[0] || malformed[0], "nothing after a malformed answer");
                head = h;
                body.reset();
            }

            @Override
            public void content(ByteBuf piece, boolean last) {
                try {
                    assertFalse(broken[0] || malformed[0], "nothing after a malformed answer");
                    assertTrue(last || piece.isReadable(), "no empty piece but the last");
                    byte[] b = new byte[piece.readableBytes()];
                    piece.getBytes(piece.readerIndex(), b);
                    body.writeBytes(b);
                } finally {
                    piece.release();
                }
                if (last) {
                    answers.add(describe(head, body.toByteArray()));
                    head = null;
                }
            }

            @Override
            public void malformed(String why) {
                assertFalse(broken[0] || malformed[0], "one verdict");
                malformed[0] = true;
                broken[0] = head != null;
                lastWhy = why;
                assertFalse(why.contains("req_") || why.contains("GMT") || why.contains("json") || why.contains("trailer: t"),
                        () -> "no header value in a message: " + why);
            }
        };
        for (byte[] r : reads) {
            ByteBuf b = alloc.buffer(r.length);
            b.writeBytes(r);
            d.decode(b, alloc, sink);
        }
        boolean cut = d.closed(sink);
        return new Outcome(answers, broken[0] || cut);
    }

    // ---- generation ----

    private static final String[] STATUSES = {"200 OK", "200 OK", "200 OK", "201 Created", "204 No Content",
            "304 Not Modified", "400 Bad Request", "404 Not Found", "429 Too Many Requests", "500 Internal Server Error",
            "503 Service Unavailable", "200 Fine", "599", "200 "};

    private static String header(Random rnd) {
        if (rnd.nextInt(3) == 0) {
            // A rate-limit header, in some case, or a name that only nearly is one.
            String name = LIMITS[rnd.nextInt(LIMITS.length)].toString();
            switch (rnd.nextInt(4)) {
                case 0 -> name = name.toUpperCase();
                case 1 -> name = Character.toUpperCase(name.charAt(0)) + name.substring(1);
                case 2 -> name = name.substring(0, name.length() - 1) + (char) (name.charAt(name.length() - 1) ^ 1);
                default -> { }
            }
            return name + ": " + (rnd.nextBoolean() ? rnd.nextInt(100000) : rnd.nextInt(60) + "m" + rnd.nextInt(60) + "s");
        }
        return switch (rnd.nextInt(12)) {
            case 9 -> "Connection: keep-alive";
            case 10 -> "connection: Close";
            case 11 -> "CONNECTION: upgrade";
            case 0 -> "content-type: application/json";
            case 1 -> "Content-Type: text/event-stream; charset=utf-8";
            case 2 -> "x-ratelimit-remaining-requests: " + rnd.nextInt(1000);
            case 3 -> "retry-after: " + rnd.nextInt(60);
            case 4 -> "x-request-id: req_" + Long.toHexString(rnd.nextLong());
            case 5 -> "cache-control: no-cache";
            case 6 -> "Date: Thu, 03 Dec 2026 14:00:00 GMT";
            case 7 -> "x-empty:";
            default -> "anthropic-ratelimit-tokens-reset: 2026-12-03T14:00:00Z";
        };
    }

    /** An unusual head line or form: read by Netty's decoder in both paths. */
    private static String oddity(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> "x-folded: a\r\n  b";
            case 1 -> "x-spaced : v";
            case 2 -> "x-latin: caf\u00e9";
            case 3 -> "x-tabbed:\tv\t";
            case 4 -> "x-ctl: a\u0001b";
            case 5 -> "no colon here";
            case 6 -> ": empty name";
            default -> "x-trailing-space: v   ";
        };
    }

    private static final String ALPHABET = "data: {}\r\n\n abcxyz";

    private static byte[] body(Random rnd) {
        int n = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 40 : 3000);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = rnd.nextInt(10) == 0 ? (byte) rnd.nextInt(256) : (byte) ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
        }
        return b;
    }

    /** One connection's worth of answers (the last may run to the close). */
    static byte[] connection(Random rnd) {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        int answers = 1 + rnd.nextInt(3);
        for (int a = 0; a < answers; a++) {
            boolean lastAnswer = a == answers - 1;
            if (rnd.nextInt(10) == 0) {
                w.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            if (rnd.nextInt(8) == 0) {
                w.writeBytes((rnd.nextBoolean() ? "HTTP/1.1 100 Continue\r\n\r\n"
                        : "HTTP/1.1 103 Early Hints\r\nlink: </a>; rel=preload\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            String status = STATUSES[rnd.nextInt(STATUSES.length)];
            String version = rnd.nextInt(12) == 0 ? "HTTP/1.0" : "HTTP/1.1";
            String eol = rnd.nextInt(25) == 0 ? "\n" : "\r\n";
            StringBuilder head = new StringBuilder(version).append(' ').append(status).append(eol);
            int hs = rnd.nextInt(10);
            for (int i = 0; i < hs; i++) {
                head.append(rnd.nextInt(20) == 0 ? oddity(rnd) : header(rnd)).append(eol);
            }
            byte[] body = body(rnd);
            int framing = rnd.nextInt(lastAnswer ? 4 : 3); // 0,1 length, 2 chunked, 3 to the close
            if (framing < 2) {
                head.append(rnd.nextBoolean() ? "content-length: " : "Content-Length: ").append(body.length).append(eol);
                if (rnd.nextInt(30) == 0) {
                    head.append("content-length: ").append(body.length).append(eol);
                }
            } else if (framing == 2) {
                head.append(rnd.nextInt(10) == 0 ? "Transfer-Encoding: gzip, chunked" : "transfer-encoding: chunked").append(eol);
            } else {
                head.append("connection: close").append(eol);
            }
            head.append(eol);
            w.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            boolean bodyless = status.startsWith("204") || status.startsWith("304");
            if (bodyless) {
                continue;
            }
            if (framing == 2) {
                int i = 0;
                while (i < body.length) {
                    int n = 1 + rnd.nextInt(Math.min(body.length - i, 500));
                    String size = Integer.toHexString(n);
                    if (rnd.nextInt(5) == 0) {
                        size = size.toUpperCase();
                    }
                    if (rnd.nextInt(8) == 0) {
                        size += ";ext=" + rnd.nextInt(9);
                    }
                    w.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    w.write(body, i, n);
                    w.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    i += n;
                }
                w.writeBytes("0\r\n".getBytes(StandardCharsets.ISO_8859_1));
                if (rnd.nextInt(6) == 0) {
                    w.writeBytes("x-trailer: t\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                w.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                w.writeBytes(body);
            }
            if (framing == 3) {
                break;
            }
        }
        return w.toByteArray();
    }

    static byte[] corrupt(byte[] wire, Random rnd) {
        byte[] b = wire.clone();
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = rnd.nextInt(b.length);
            switch (rnd.nextInt(4)) {
                case 0 -> b[at] = (byte) rnd.nextInt(256);
                case 1 -> b[at] = (byte) "\r\n :;0aZ-".charAt(rnd.nextInt(9));
                case 2 -> { // delete one byte
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                    b = c;
                }
                default -> { // cut the connection short
                    byte[] c = new byte[at];
                    System.arraycopy(b, 0, c, 0, at);
                    b = c;
                }
            }
        }
        return b;
    }

    static List<byte[]> split(byte[] wire, Random rnd) {
        List<byte[]> reads = new ArrayList<>();
        int i = 0;
        while (i < wire.length) {
            int n = rnd.nextInt(4) == 0 ? wire.length - i : 1 + rnd.nextInt(Math.min(wire.length - i, 1 + rnd.nextInt(200)));
            byte[] r = new byte[n];
            System.arraycopy(wire, i, r, 0, n);
            reads.add(r);
            i += n;
        }
        return reads;
    }

    @Test
    void readsWhatNettysDecoderReadsOnGeneratedAndCorruptedAnswersSplitAtRandom() {
        long seed = Long.getLong("answerDecoder.seed", new Random().nextLong());
        Random rnd = new Random(seed);
        int compared = 0;
        int broken = 0;
        int refused = 0;
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            byte[] wire = connection(rnd);
            if (i % 2 == 1) {
                wire = corrupt(wire, rnd);
            }
            List<byte[]> reads = split(wire, rnd);
            lastCause = null;
            Outcome expected = netty(reads);
            if (expected == null) {
                continue; // a protocol switch (101): refused here, followed by Netty
            }
            Outcome actual = mine(reads, ByteBufAllocator.DEFAULT);
            String where = "seed " + seed + " case " + i + ": " + new String(wire, StandardCharsets.ISO_8859_1)
                    .replace("\r", "\\r").replace("\n", "\\n\n");
            if (!expected.equals(actual) && mismatches.size() < 6) {
                mismatches.add(where + "\n  netty: " + expected + " " + lastCause + "\n  mine:  " + actual + " " + lastWhy
                        + "\n  reads: " + reads.stream().map(r -> r.length).toList());
            }
            compared++;
            if (expected.broken()) {
                broken++;
            } else if (lastCause != null) {
                refused++;
            }
        }
        assertEquals(List.of(), mismatches);
        assertTrue(compared > 5500, "compared " + compared);
        // Both kinds of verdict are well represented: bodies broken after their head, heads refused.
        assertTrue(broken > 250, "broken " + broken + " of " + compared);
        assertTrue(refused > 250, "refused " + refused + " of " + compared);
        assertTrue(compared - broken - refused > 2500, "whole " + (compared - broken - refused) + " of " + compared);
    }

    /** Records what a decoder hands over: pieces as text, the last one marked. */
    private static final class Pieces implements AnswerDecoder.Sink {
        final List<String> got = new ArrayList<>();

        @Override
        public void head(HttpResponse head) {
            got.add("head " + head.status().code());
        }

        @Override
        public void content(ByteBuf piece, boolean last) {
            got.add((last ? "last " : "") + piece.toString(StandardCharsets.US_ASCII));
            piece.release();
        }

        @Override
        public void malformed(String why) {
            got.add("malformed: " + why);
        }
    }

    private static final String EVENTS_HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            + "transfer-encoding: chunked\r\n\r\n";

    @Test
    void eachChunkIsASliceOfTheReadAndALengthFramedBodyOnePiecePerRead() {
        StringBuilder wire = new StringBuilder(EVENTS_HEAD);
        List<String> expected = new ArrayList<>(List.of("head 200"));
        for (int i = 0; i < 20; i++) {
            String e = "data: {\"n\":" + i + "}\n\n";
            expected.add(e);
            wire.append(Integer.toHexString(e.length())).append("\r\n").append(e).append("\r\n");
        }
        wire.append("0\r\n\r\n");
        expected.add("last ");
        AnswerDecoder d = new AnswerDecoder(UpstreamClient.DECODER, new ArrayDeque<>(List.of(HttpMethod.POST)));
        Pieces sink = new Pieces();
        ByteBuf in = ByteBufAllocator.DEFAULT.buffer();
        in.writeCharSequence(wire, StandardCharsets.US_ASCII);
        ByteBuf copy = in.copy();
        in.retain();
        d.decode(in, ByteBufAllocator.DEFAULT, sink);
        assertEquals(expected, sink.got);
        assertEquals(copy.toString(StandardCharsets.US_ASCII), in.toString(0, in.writerIndex(), StandardCharsets.US_ASCII),
                "the read buffer is not written to");
        assertEquals(1, in.refCnt(), "no slice of it is kept");
        in.release();
        copy.release();
        assertFalse(d.closed(sink));

        Pieces json = new Pieces();
        AnswerDecoder e = new AnswerDecoder(UpstreamClient.DECODER, new ArrayDeque<>(List.of(HttpMethod.POST)));
        e.decode(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{\"a\":", StandardCharsets.US_ASCII),
                ByteBufAllocator.DEFAULT, json);
        e.decode(Unpooled.copiedBuffer("\"bc\"}", StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT, json);
        assertEquals(List.of("head 200", "{\"a\":", "last \"bc\"}"), json.got);
    }

    @Test
    void aProtocolSwitchAndAnOversizedHeadAreRefusedWithoutTheirHeaderValues() {
        Pieces sink = new Pieces();
        AnswerDecoder d = new AnswerDecoder(UpstreamClient.DECODER, new ArrayDeque<>(List.of(HttpMethod.GET)));
        d.decode(Unpooled.copiedBuffer("HTTP/1.1 101 Switching Protocols\r\nupgrade: secret-proto\r\n\r\n",
                StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT, sink);
        assertEquals(List.of("malformed: a protocol switch (101)"), sink.got);

        Pieces big = new Pieces();
        AnswerDecoder e = new AnswerDecoder(UpstreamClient.DECODER, new ArrayDeque<>(List.of(HttpMethod.GET)));
        e.decode(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n", StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT, big);
        String line = "x-long: " + "secret".repeat(1000) + "\r\n";
        for (int i = 0; i < 16 && big.got.isEmpty(); i++) {
            e.decode(Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII), ByteBufAllocator.DEFAULT, big);
        }
        assertEquals(1, big.got.size(), () -> big.got.toString());
        assertTrue(big.got.get(0).startsWith("malformed: ") && !big.got.get(0).contains("secret"), () -> big.got.toString());
        assertFalse(e.closed(big), "a head is not an answer");
    }
}

package dev.junction.core.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-written access-line writer against a Jackson generator writing the same fields: for
 * thousands of random entries full of hostile strings (control characters, quotes, backslashes,
 * non-ASCII, surrogate pairs, lone surrogates, nulls) and extreme numbers, each line is valid UTF-8,
 * one line, and parses with Jackson to the same tree with the fields in the same order.
 */
class AccessLineWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    /** The line as a Jackson generator writes it (the reference the writer must match). */
    static String jackson(AccessLog.Entry e) throws IOException {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", e.id());
            if (e.traceId() != null) {
                g.writeStringField("trace_id", e.traceId());
            }
            g.writeStringField("method", e.method());
            g.writeStringField("path", e.path());
            g.writeStringField("key", e.key());
            g.writeStringField("alias", e.alias());
            g.writeStringField("deployment", e.deployment());
            g.writeNumberField("status", e.status());
            if (e.error() != null) {
                g.writeStringField("error", e.error());
            }
            g.writeBooleanField("stream", e.stream());
            if (e.hedged()) {
                g.writeBooleanField("hedged", true);
            }
            if (e.cache() != null) {
                g.writeStringField("cache", e.cache());
            }
            if (e.costUsd() > 0) {
                g.writeNumberField("cost_usd", e.costUsd());
            }
            if (e.limited() != null) {
                g.writeStringField("limited", e.limited());
            }
            if (e.limitRoundTrips() > 0) {
                g.writeNumberField("limit_store_round_trips", e.limitRoundTrips());
            }
            if (e.noRetry() != null) {
                g.writeStringField("no_retry", e.noRetry());
            }
            if (e.promptTokens() >= 0) {
                g.writeNumberField("prompt_tokens", e.promptTokens());
                g.writeNumberField("completion_tokens", e.completionTokens());
            }
            g.writeArrayFieldStart("attempts");
            for (RequestContext.Attempt a : e.attempts()) {
                g.writeStartObject();
                g.writeStringField("deployment", a.deployment());
                g.writeStringField("outcome", a.outcome());
                g.writeNumberField("status", a.status());
                g.writeNumberField("ms", Math.round(a.millis() * 1000) / 1000.0);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (!e.warnings().isEmpty()) {
                g.writeArrayFieldStart("warnings");
                for (String s : e.warnings()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            StringBuilder timing = new StringBuilder(e.timing());
            if (timing.length() > 0) {
                timing.append(", ");
            }
            timing.append("total;dur=");
            long us = Math.max(0, (e.totalNanos() + 500) / 1000);
            timing.append(us / 1000).append('.').append(String.format(java.util.Locale.ROOT, "%03d", us % 1000));
            g.writeStringField("timing", timing.toString());
            if (e.requestBody() != null) {
                g.writeStringField("request_body", e.requestBody());
            }
            g.writeEndObject();
        }
        return w.toString();
    }

    private static final String NASTY = "\"\\/\b\f\n\r\t\u0000\u0001\u001f\u007f\u0080\u00e9\u07ff\u0800\u2028\u2029"
            + "\ufeff\uffff\ud83d\ude00\ud800\udbff\udc00\udfff{}[],:";

    static String randomString(Random r, boolean nullable) {
        if (nullable && r.nextInt(6) == 0) {
            return null;
        }
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(r.nextInt(10) == 0 ? 400 : 24);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(8)) {
                case 0 -> b.append(NASTY.charAt(r.nextInt(NASTY.length())));
                case 1 -> b.append((char) r.nextInt(0x20));
                case 2 -> b.append((char) (0xd800 + r.nextInt(0x800))); // any surrogate, paired or not
                case 3 -> b.append((char) r.nextInt(0x10000));
                case 4 -> b.appendCodePoint(0x10000 + r.nextInt(0x100000));
                case 5 -> b.append((char) (0x80 + r.nextInt(0x780)));
                default -> b.append((char) (0x20 + r.nextInt(0x5f)));
            }
        }
        return b.toString();
    }

    /**
     * A timing as the record hands it (an {@link AsciiString} view of bytes, here any byte: read as
     * ISO-8859-1 chars, control characters, quotes and backslashes too), or as a String.
     */
    static CharSequence randomTiming(Random r) {
        if (r.nextInt(3) == 0) {
            return randomString(r, false);
        }
        int n = r.nextInt(4) == 0 ? 0 : r.nextInt(r.nextInt(10) == 0 ? 400 : 120);
        int pad = r.nextInt(5);
        byte[] b = new byte[pad + n + r.nextInt(5)];
        r.nextBytes(b);
        for (int i = pad; i < pad + n; i++) {
            if (r.nextInt(4) != 0) {
                b[i] = (byte) (0x20 + r.nextInt(0x5f)); // mostly printable, as a real timing is
            }
        }
        return new AsciiString(b, pad, n, false);
    }

    private static final double[] DOUBLES = {0, -0.0, 1e-300, Double.MIN_VALUE, 0.1, 0.000123, 1e-7, 1e7, 123456789.123,
            1e300, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, -1.5, 0.0005, 0.0015,
            999.9995, 1e12, 9.99e11, 4.5e15, -7e13};
    private static final long[] LONGS = {0, -1, 1, 9, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 1_000_000_000_000L, -999};

    static double randomDouble(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> DOUBLES[r.nextInt(DOUBLES.length)];
            case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(30) - 15);
            case 2 -> Double.longBitsToDouble(r.nextLong());
            default -> r.nextInt(100_000) / 1000.0 + r.nextDouble() / 1e4;
        };
    }

    static long randomLong(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> LONGS[r.nextInt(LONGS.length)];
            case 1 -> r.nextLong();
            default -> r.nextInt(100_000);
        };
    }

    static AccessLog.Entry randomEntry(Random r) {
        List<RequestContext.Attempt> attempts = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            attempts.add(new RequestContext.Attempt(randomString(r, true), randomString(r, true), randomString(r, true),
                    (int) randomLong(r), randomDouble(r)));
        }
        List<String> warnings = new ArrayList<>();
        for (int i = r.nextInt(3) == 0 ? r.nextInt(4) : 0; i > 0; i--) {
            warnings.add(randomString(r, true));
        }
        return new AccessLog.Entry(randomString(r, true), randomString(r, true), randomString(r, true),
                randomString(r, true), randomString(r, true), randomString(r, true), randomString(r, true),
                (int) randomLong(r), randomString(r, true), r.nextBoolean(), r.nextBoolean(), randomDouble(r),
                randomString(r, true), randomLong(r), randomLong(r), attempts, warnings, randomTiming(r),
                randomLong(r), randomString(r, true), randomString(r, true), (int) randomLong(r), randomString(r, true));
    }

    private static String strictUtf8(byte[] b, int from, int to) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from)).toString();
    }

    private static List<String> fieldOrder(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void thousandsOfRandomHostileEntriesRenderAsJacksonWould() throws Exception {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        AccessLineWriter w = new AccessLineWriter();
        int lines = 0;
        for (int batch = 0; batch < 60; batch++) {
            w.reset();
            List<AccessLog.Entry> entries = new ArrayList<>();
            for (int i = r.nextInt(200) + 1; i > 0; i--) {
                AccessLog.Entry e = randomEntry(r);
                entries.add(e);
                w.line(e);
            }
            byte[] bytes = w.copy();
            int from = 0;
            for (AccessLog.Entry e : entries) {
                int nl = from;
                while (bytes[nl] != '\n') {
                    nl++;
                }
                String mine = strictUtf8(bytes, from, nl);
                String reference = jackson(e);
                JsonNode expected = JSON.readTree(reference);
                JsonNode actual = JSON.readTree(bytes, from, nl - from);
                assertEquals(expected, actual, "seed " + seed + "\n" + reference + "\n" + mine);
                assertEquals(fieldOrder(expected), fieldOrder(actual), "seed " + seed);
                from = nl + 1;
                lines++;
            }
            assertEquals(bytes.length, from, "seed " + seed + ": one line per entry, nothing after");
        }
        assertTrue(lines > 3000, "lines: " + lines);
    }

    @Test
    void everyNumberOfDigitsIsWrittenAsJacksonWritesIt() throws Exception {
        List<Long> values = new ArrayList<>(List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE + 1,
                (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, (long) Integer.MIN_VALUE, Integer.MIN_VALUE - 1L));
        for (long p = 10; p > 0 && p <= Long.MAX_VALUE / 10 * 10; p *= 10) {
            values.addAll(List.of(p - 1, p, p + 1, -p, -(p - 1)));
            if (p > Long.MAX_VALUE / 10) {
                break;
            }
        }
        AccessLineWriter w = new AccessLineWriter();
        for (long v : values) {
            AccessLog.Entry e = new AccessLog.Entry("id", null, "POST", "/v1", null, "a", "d", (int) Math.max(Integer.MIN_VALUE,
                    Math.min(Integer.MAX_VALUE, v)), null, false, false, 0, null, Math.abs(v), v, List.of(), List.of(), "",
                    Math.max(0, v), null, null, (int) Math.max(0, Math.min(Integer.MAX_VALUE, v)), null);
            w.reset();
            w.line(e);
            assertEquals(jackson(e) + "\n", new String(w.copy(), StandardCharsets.UTF_8), "value " + v);
        }
    }

    /** A request's own Server-Timing entries, copied without a look, are written as the same text escaped would be. */
    @Test
    void aRequestsOwnTimingIsWrittenAsItsTextWouldBe() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        AccessLineWriter w = new AccessLineWriter();
        String[] stages = {"auth", "route", "translate", "connect", "ttfb"};
        for (int i = 0; i < 500; i++) {
            RequestContext rc = new RequestContext("req", 0, "POST", "/v1/chat/completions");
            for (int k = r.nextInt(12); k > 0; k--) {
                rc.duration(stages[r.nextInt(stages.length)], r.nextInt(4) == 0 ? r.nextLong() >>> r.nextInt(64) : r.nextInt(9_000_000));
            }
            AccessLineWriter.Plain own = rc.timingView();
            assertEquals(rc.timing(), own.toString(), "seed " + seed);
            AccessLog.Entry e = randomEntry(r);
            w.reset();
            w.line(withTiming(e, own));
            String fast = new String(w.copy(), StandardCharsets.UTF_8);
            w.reset();
            w.line(withTiming(e, rc.timing()));
            assertEquals(new String(w.copy(), StandardCharsets.UTF_8), fast, "seed " + seed);
        }
    }

    private static AccessLog.Entry withTiming(AccessLog.Entry e, CharSequence timing) {
        return new AccessLog.Entry(e.id(), e.traceId(), e.method(), e.path(), e.key(), e.alias(), e.deployment(), e.status(),
                e.error(), e.stream(), e.hedged(), e.costUsd(), e.noRetry(), e.promptTokens(), e.completionTokens(),
                e.attempts(), e.warnings(), timing, e.totalNanos(), e.requestBody(), e.limited(), e.limitRoundTrips(),
                e.cache());
    }

    @Test
    void numbersAndEscapesAreWrittenAsJsonExpects() throws Exception {
        AccessLineWriter w = new AccessLineWriter();
        AccessLog.Entry e = new AccessLog.Entry("a\"b\\c\n\u0001\u00e9\ud83d\ude00\ud800", null, "POST", "/v1", null,
                "x", "y", -42, null, true, false, 0.00012, null, 0, Long.MAX_VALUE,
                List.of(new RequestContext.Attempt("d", "p", "ok", 200, 12.0004),
                        new RequestContext.Attempt("d", "p", "ok", 200, 0.05)),
                List.of(), "route;dur=0.010", 1_234_567, null, null, 0, null);
        w.line(e);
        String line = new String(w.copy(), StandardCharsets.UTF_8);
        assertEquals("{\"id\":\"a\\\"b\\\\c\\n\\u0001\u00e9\ud83d\ude00\\ud800\",\"method\":\"POST\",\"path\":\"/v1\","
                + "\"key\":null,\"alias\":\"x\",\"deployment\":\"y\",\"status\":-42,\"stream\":true,\"cost_usd\":1.2E-4,"
                + "\"prompt_tokens\":0,\"completion_tokens\":9223372036854775807,\"attempts\":[{\"deployment\":\"d\","
                + "\"outcome\":\"ok\",\"status\":200,\"ms\":12.0},{\"deployment\":\"d\",\"outcome\":\"ok\",\"status\":200,"
                + "\"ms\":0.05}],\"timing\":\"route;dur=0.010, total;dur=1.235\"}\n", line);
    }

    @Test
    void theShippedAppenderWritesTheLinesBytesUnchanged() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        LoggerContext ctx = access.getLoggerContext();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AccessLogAppender appender = new AccessLogAppender();
        appender.setContext(ctx);
        appender.setOutputStream(sink);
        appender.start();
        access.addAppender(appender);
        Random r = new Random(7);
        List<AccessLog.Entry> entries = new ArrayList<>();
        try {
            AccessLog log = new AccessLog(AccessLog.BLOCK_BYTES, 1024, false);
            for (int i = 0; i < 2000; i++) {
                AccessLog.Entry e = randomEntry(r);
                entries.add(e);
                log.offer(e);
            }
            log.start();
            log.close();
            // Any other event on the logger is written as its message and a newline.
            access.info("plain {}", 1);
        } finally {
            access.detachAppender(appender);
            appender.stop();
        }
        String[] lines = strictUtf8(sink.toByteArray(), 0, sink.size()).split("\n", -1);
        assertEquals(entries.size() + 2, lines.length, "one line per entry, the plain one and a final newline");
        for (int i = 0; i < entries.size(); i++) {
            assertEquals(JSON.readTree(jackson(entries.get(i))), JSON.readTree(lines[i]), "line " + i);
        }
        assertEquals("plain 1", lines[entries.size()]);
        assertEquals("", lines[entries.size() + 1]);
    }

    /**
     * Lines of several event loops, written while the writer runs, through small blocks (many
     * block changes, lines longer than a block) and the shipped appender alone (so each event
     * carries a view of a block that is reused): every line comes out once, byte for byte as
     * rendered, whole, and each loop's lines in the order the loop rendered them.
     */
    @Test
    void linesOfSeveralLoopsComeOutWholeAndInEachLoopsOrder() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        LoggerContext ctx = access.getLoggerContext();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        AccessLogAppender appender = new AccessLogAppender();
        appender.setContext(ctx);
        appender.setOutputStream(sink);
        appender.start();
        List<ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent>> others = new ArrayList<>();
        access.iteratorForAppenders().forEachRemaining(others::add);
        boolean additive = access.isAdditive();
        others.forEach(access::detachAppender);
        access.setAdditive(false);
        access.addAppender(appender);
        long seed = System.nanoTime();
        int loops = 3;
        int perLoop = 1500;
        java.util.Map<String, int[]> expected = new java.util.HashMap<>(); // line -> {loop, index}
        List<List<AccessLog.Entry>> work = new ArrayList<>();
        Random r = new Random(seed);
        for (int t = 0; t < loops; t++) {
            List<AccessLog.Entry> entries = new ArrayList<>();
            for (int i = 0; i < perLoop; i++) {
                AccessLog.Entry e = randomEntry(r);
                String line = new String(AccessLog.line(e), StandardCharsets.UTF_8);
                if (expected.putIfAbsent(line.substring(0, line.length() - 1), new int[]{t, entries.size()}) == null) {
                    entries.add(e); // the same line twice (rare) would be ambiguous: kept once
                }
            }
            work.add(entries);
        }
        AccessLog log = new AccessLog(4096, 1 << 16, true);
        try {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < loops; t++) {
                List<AccessLog.Entry> entries = work.get(t);
                threads.add(new io.netty.util.concurrent.FastThreadLocalThread(() -> {
                    for (int i = 0; i < entries.size(); i++) {
                        log.offer(entries.get(i));
                        if (i % 100 == 0) {
                            Thread.yield();
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            log.close();
        } finally {
            access.detachAppender(appender);
            appender.stop();
            others.forEach(access::addAppender);
            access.setAdditive(additive);
        }
        assertEquals(0, log.dropped(), "seed " + seed);
        assertEquals(1, log.producerCount(), "the ended loops' blocks are let go (the shared ones remain)");
        String[] lines = strictUtf8(sink.toByteArray(), 0, sink.size()).split("\n", -1);
        int total = work.stream().mapToInt(List::size).sum();
        assertEquals(total + 1, lines.length, "seed " + seed + ": one line per entry and a final newline");
        assertEquals("", lines[total]);
        int[] next = new int[loops];
        for (int i = 0; i < total; i++) {
            int[] at = expected.get(lines[i]);
            assertTrue(at != null, "seed " + seed + ": a line that was never rendered: " + lines[i]);
            assertEquals(next[at[0]], at[1], "seed " + seed + ": loop " + at[0] + " out of order");
            next[at[0]]++;
        }
    }
}

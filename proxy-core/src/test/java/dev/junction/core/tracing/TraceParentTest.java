package dev.junction.core.tracing;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** W3C Trace Context §3.2 parsing: what is continued and what starts a new trace. */
class TraceParentTest {

    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void aValidHeaderIsRead() {
        TraceParent p = TraceParent.parse(VALID);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", p.traceId());
        assertEquals("00f067aa0ba902b7", p.parentId());
        assertEquals("01", p.flags());
        assertTrue(p.sampled());
        assertEquals(VALID, TraceParent.format(p.traceId(), p.parentId(), p.flags()));
    }

    @Test
    void aLaterVersionMayCarryMoreFields() {
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736",
                TraceParent.parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").traceId());
    }

    @Test
    void malformedHeadersStartANewTrace() {
        assertNull(TraceParent.parse(null));
        assertNull(TraceParent.parse(""));
        assertNull(TraceParent.parse(VALID + "-extra"), "version 00 has exactly four fields");
        assertNull(TraceParent.parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "version ff is invalid");
        assertNull(TraceParent.parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "all-zero trace id");
        assertNull(TraceParent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"), "all-zero parent id");
        assertNull(TraceParent.parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"), "upper-case hex");
        assertNull(TraceParent.parse("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01"), "misplaced dash");
        assertNull(TraceParent.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"), "non-hex flags");
    }

    @Test
    void newIdsAreWellFormedAndDistinct() {
        String t = TraceParent.newTraceId();
        String s = TraceParent.newSpanId();
        assertEquals(32, t.length());
        assertEquals(16, s.length());
        assertNotEquals(t, TraceParent.newTraceId());
        assertEquals(t, TraceParent.parse(TraceParent.format(t, s, "00")).traceId());
    }

    @Test
    void newIdsAreLowerCaseHexPaddedWithZeros() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        int leadingZero = 0;
        for (int i = 0; i < 2000; i++) {
            String t = TraceParent.newTraceId();
            String s = TraceParent.newSpanId();
            assertTrue(t.matches("[0-9a-f]{32}") && !t.equals("0".repeat(32)), t);
            assertTrue(s.matches("[0-9a-f]{16}") && !s.equals("0".repeat(16)), s);
            assertTrue(seen.add(t) && seen.add(s));
            // The id is the hex of random bits: its halves read back as numbers with the same digits.
            assertEquals(t.substring(0, 16), String.format("%016x", Long.parseUnsignedLong(t.substring(0, 16), 16)));
            leadingZero += (t.charAt(0) == '0' ? 1 : 0) + (t.charAt(16) == '0' ? 1 : 0) + (s.charAt(0) == '0' ? 1 : 0);
        }
        // About one in sixteen starts with a zero digit, which must be kept.
        assertTrue(leadingZero > 100 && leadingZero < 800, "leading zeros: " + leadingZero);
    }
    /**
     * A call's headers (spans not exported): {@code traceparent} is what {@code format} gives for a
     * fresh span of the request's trace, and the line written into the request's bytes is that value.
     */
    @Test
    void aCallsHeaderIsTheFormatOfTheTraceWithAFreshSpan() {
        java.util.Set<String> spans = new java.util.HashSet<>();
        byte[] line = new byte[TraceHeaders.TRACEPARENT_LINE];
        for (int i = 0; i < 2000; i++) {
            String t = TraceParent.newTraceId();
            String flags = i % 2 == 0 ? "00" : "01";
            TraceHeaders headers = (TraceHeaders) TraceHeaders.of(t, flags, null);
            String h = headers.get("traceparent");
            TraceParent p = TraceParent.parse(h);
            assertEquals(t, p.traceId(), h);
            assertEquals(flags, p.flags(), h);
            assertTrue(p.parentId().matches("[0-9a-f]{16}") && !p.parentId().equals("0".repeat(16)), h);
            assertEquals(TraceParent.format(t, p.parentId(), flags), h);
            assertTrue(spans.add(p.parentId()), "a fresh span id each time");
            headers.writeTraceparentLine(line, 0);
            assertEquals("traceparent: " + h + "\r\n", new String(line, java.nio.charset.StandardCharsets.ISO_8859_1));
            // Ids made in between do not change a header made before.
            String t2 = TraceParent.newTraceId();
            assertEquals(h, headers.get("traceparent"));
            assertNotEquals(t, t2);
        }
        String continued = TraceHeaders.of("4bf92f3577b34da6a3ce929d0e0e4736", "01", null).get("traceparent");
        assertTrue(continued.startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-") && continued.endsWith("-01"), continued);
    }
}

package dev.junction.core.tracing;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attempt's trace headers without span export: a fresh span of the request's trace, the same
 * value however it is read (as a map, or as the bytes of its header line), and {@code tracestate}
 * passed on as the client sent it.
 */
class TraceHeadersTest {

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void theLineWrittenIsTheHeaderOfTheMapViewAndAFreshSpanOfTheTrace() {
        Set<String> spans = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String trace = i == 0 ? TRACE : TraceParent.newTraceId();
            String flags = i % 2 == 0 ? "01" : "00";
            TraceHeaders h = assertInstanceOf(TraceHeaders.class, TraceHeaders.of(trace, flags, null));
            byte[] line = new byte[TraceHeaders.TRACEPARENT_LINE + 2];
            line[0] = 'x';
            line[line.length - 1] = 'y';
            h.writeTraceparentLine(line, 1);
            assertEquals('x', line[0], "nothing written before its place");
            assertEquals('y', line[line.length - 1], "nor after its length");
            String value = h.get("traceparent");
            assertEquals("traceparent: " + value + "\r\n", new String(line, 1, TraceHeaders.TRACEPARENT_LINE,
                    StandardCharsets.US_ASCII));
            TraceParent p = TraceParent.parse(value);
            assertNotNull(p, value);
            assertEquals(trace, p.traceId());
            assertEquals(flags, p.flags());
            assertTrue(spans.add(p.parentId()), "a fresh span id per attempt");
            assertEquals(Map.of("traceparent", value), h);
            assertEquals(1, h.size());
            assertTrue(h.traceparentOnly());
            assertEquals(value, h.get("traceparent"), "read twice, the same span");
        }
    }

    @Test
    void aClientsTracestateIsPassedOnAndAnEmptyOneIsNot() {
        Map<String, String> h = TraceHeaders.of(TRACE, "01", "vendor=abc");
        assertEquals(2, h.size());
        assertEquals("vendor=abc", h.get("tracestate"));
        assertFalse(((TraceHeaders) h).traceparentOnly());
        assertEquals(Set.of("traceparent", "tracestate"), h.keySet());
        Map<String, String> none = TraceHeaders.of(TRACE, "01", "");
        assertEquals(Set.of("traceparent"), none.keySet());
    }

    @Test
    void idsOfOtherLengthsGiveAPlainMapOfTheFormattedHeader() {
        Map<String, String> h = TraceHeaders.of("abc", "01", null);
        assertFalse(h instanceof TraceHeaders);
        assertTrue(h.get("traceparent").startsWith("00-abc-") && h.get("traceparent").endsWith("-01"), h.toString());
    }
}

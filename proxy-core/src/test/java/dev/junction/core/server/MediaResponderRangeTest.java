package dev.junction.core.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@code Range} header parsing of the media responder (RFC 9110 §14). */
class MediaResponderRangeTest {

    @Test
    void singleRanges() {
        assertEquals(new MediaResponder.Span(0, 99), MediaResponder.range("bytes=0-99", 1000));
        assertEquals(new MediaResponder.Span(500, 999), MediaResponder.range("bytes=500-", 1000));
        assertEquals(new MediaResponder.Span(900, 999), MediaResponder.range("bytes=-100", 1000));
        assertEquals(new MediaResponder.Span(0, 999), MediaResponder.range("bytes=-5000", 1000));
        assertEquals(new MediaResponder.Span(990, 999), MediaResponder.range("bytes=990-5000", 1000), "last clamped to the end");
    }

    @Test
    void unsatisfiableAndIgnored() {
        assertSame(MediaResponder.UNSATISFIABLE, MediaResponder.range("bytes=1000-", 1000));
        assertSame(MediaResponder.UNSATISFIABLE, MediaResponder.range("bytes=1000-1001", 1000));
        assertSame(MediaResponder.UNSATISFIABLE, MediaResponder.range("bytes=-0", 1000));
        assertNull(MediaResponder.range(null, 1000));
        assertNull(MediaResponder.range("bytes=5-1", 1000), "invalid: ignored");
        assertNull(MediaResponder.range("bytes=0-1,5-6", 1000), "several ranges: whole file");
        assertNull(MediaResponder.range("items=0-1", 1000));
        assertNull(MediaResponder.range("bytes=a-b", 1000));
    }
}

package dev.junction.core.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaTypesTest {

    @Test
    void parsesContentType() {
        assertEquals("image/png", MediaTypes.parseContentType("image/png"));
        assertEquals("image/png", MediaTypes.parseContentType(" Image/PNG ; q=1"));
        assertEquals("image/jpeg", MediaTypes.parseContentType("image/jpg"));
        assertEquals("image/jpeg", MediaTypes.parseContentType("image/pjpeg"));
        assertNull(MediaTypes.parseContentType(null));
        assertNull(MediaTypes.parseContentType(" ; charset=x"));
        assertTrue(MediaTypes.isGeneric(null));
        assertTrue(MediaTypes.isGeneric("application/octet-stream"));
        assertTrue(MediaTypes.isGeneric("binary/octet-stream"));
        assertFalse(MediaTypes.isGeneric("image/png"));
        assertFalse(MediaTypes.isGeneric("text/html"));
    }

    @Test
    void sniffsSignaturesWithoutMovingTheReaderIndex() {
        assertEquals("image/png", sniff(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}));
        assertEquals("image/jpeg", sniff(new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}));
        assertEquals("image/gif", sniff("GIF87a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("image/gif", sniff("GIF89a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("image/webp", sniff("RIFF\0\0\0\0WEBP".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("application/pdf", sniff("%PDF-".getBytes(StandardCharsets.US_ASCII)));
        // Near misses and truncated signatures.
        assertNull(sniff(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A}));
        assertNull(sniff(new byte[]{(byte) 0xFF, (byte) 0xD8}));
        assertNull(sniff("GIF88a".getBytes(StandardCharsets.US_ASCII)));
        assertNull(sniff("RIFF\0\0\0\0WAVE".getBytes(StandardCharsets.US_ASCII)));
        assertNull(sniff("%PDF".getBytes(StandardCharsets.US_ASCII)));
        assertNull(sniff(new byte[0]));
        assertNull(sniff("<html>".getBytes(StandardCharsets.US_ASCII)));

        ByteBuf b = Unpooled.wrappedBuffer("xx%PDF-1.7".getBytes(StandardCharsets.US_ASCII));
        b.skipBytes(2);
        assertEquals("application/pdf", MediaTypes.sniff(b));
        assertEquals(2, b.readerIndex());
        b.release();
    }

    private static String sniff(byte[] bytes) {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        try {
            return MediaTypes.sniff(b);
        } finally {
            b.release();
        }
    }
}

package dev.junction.core.media;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaStoreTest {

    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void decodesBase64IntoAFileAndExpires() throws Exception {
        MovableClock clock = new MovableClock();
        byte[] bytes = new byte[300_000];
        new java.util.Random(7).nextBytes(bytes);
        try (MediaStore store = MediaStore.open(dir, Duration.ofMinutes(10), clock)) {
            MediaStore.Item item = store.storeBase64(
                    Unpooled.copiedBuffer(Base64.getEncoder().encodeToString(bytes), StandardCharsets.US_ASCII), "image/png")
                    .get(10, TimeUnit.SECONDS);
            assertTrue(MediaStore.isId(item.id()));
            assertEquals(bytes.length, item.size());
            assertArrayEquals(bytes, Files.readAllBytes(item.file()));
            MediaStore.Item found = store.lookup(item.id()).get(10, TimeUnit.SECONDS);
            assertEquals(item.etag(), found.etag());
            assertEquals("image/png", found.mimeType());
            assertFalse(Files.exists(dir.resolve(item.id() + ".part")));

            MediaStore.Item other = store.storeBytes(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), "video/mp4")
                    .get(10, TimeUnit.SECONDS);
            assertNotEquals(item.etag(), other.etag());

            clock.now = clock.now.plus(Duration.ofMinutes(11));
            assertNull(store.lookup(item.id()).get(10, TimeUnit.SECONDS), "expired items are never served");
            assertFalse(Files.exists(item.file()));
            store.executor().submit(store::sweep).get(10, TimeUnit.SECONDS);
            assertFalse(Files.exists(other.file()), "the sweep deletes expired items");
        }
    }

    @Test
    void streamedWriterCommitsOnlyWhenComplete() throws Exception {
        try (MediaStore store = MediaStore.open(dir, Duration.ofHours(1), Clock.systemUTC())) {
            MediaStore.Writer w = store.writer("video/mp4");
            w.write(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
            w.write(Unpooled.copiedBuffer("def", StandardCharsets.US_ASCII));
            assertNull(store.lookup(w.id()).get(10, TimeUnit.SECONDS), "not visible before commit");
            MediaStore.Item item = w.commit().get(10, TimeUnit.SECONDS);
            assertEquals("abcdef", Files.readString(item.file()));
            MediaStore.Writer aborted = store.writer("video/mp4");
            aborted.write(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));
            aborted.abort().get(10, TimeUnit.SECONDS);
            try (var files = Files.list(dir)) {
                assertEquals(2, files.count(), "one item and its sidecar; the aborted part is gone");
            }
        }
    }
}

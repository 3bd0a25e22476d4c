package dev.junction.core.cache;

import dev.junction.core.config.AliasConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process store keeps each alias within max-entries and max-bytes, whichever comes first. */
class LocalCacheStoreTest {

    /** An entry that weighs {@code n} bytes. */
    private static CacheEntry bytes(int n) {
        return new CacheEntry("embeddings", false, false, "", "", "", new long[] {-1, 0, 0, 0, 0},
                java.util.List.of(new CacheEntry.Piece(CacheEntry.BODY, new byte[n - 80], java.util.List.of())));
    }

    @Test
    void entryCountBoundsSmallEntries() {
        AliasConfig.CacheConfig c = new AliasConfig.CacheConfig(Duration.ofMinutes(1), 10, 1_000_000, false, false);
        assertEquals(100, bytes(100).weight());
        LocalCacheStore s = new LocalCacheStore();
        for (int i = 0; i < 50; i++) {
            s.put("a", c, "k" + i, bytes(100));
        }
        assertTrue(s.entries("a") <= 10, "entries " + s.entries("a"));
        assertTrue(s.entries("a") >= 5, "the cache is not emptied, only trimmed: " + s.entries("a"));
        assertEquals(100 * s.entries("a"), s.bytes("a"));
    }

    @Test
    void byteBoundLimitsLargeEntries() {
        AliasConfig.CacheConfig c = new AliasConfig.CacheConfig(Duration.ofMinutes(1), 10_000, 10_000, false, false);
        LocalCacheStore s = new LocalCacheStore();
        for (int i = 0; i < 50; i++) {
            s.put("a", c, "k" + i, bytes(1_000));
        }
        assertTrue(s.bytes("a") <= 10_000, "bytes " + s.bytes("a"));
        assertTrue(s.entries("a") >= 5, "entries " + s.entries("a"));
        s.put("a", c, "huge", bytes(10_001));
        assertNull(s.get("a", c, "huge").toCompletableFuture().join(), "an entry larger than max-bytes is not kept");
    }

    @Test
    void aliasesAreSeparateAndNewSettingsStartAfresh() {
        AliasConfig.CacheConfig c = new AliasConfig.CacheConfig(Duration.ofMinutes(1), 10, false);
        LocalCacheStore s = new LocalCacheStore();
        s.put("a", c, "k", bytes(100));
        assertNull(s.get("b", c, "k").toCompletableFuture().join());
        assertNotNull(s.get("a", c, "k").toCompletableFuture().join());
        AliasConfig.CacheConfig changed = new AliasConfig.CacheConfig(Duration.ofMinutes(2), 10, false);
        assertNull(s.get("a", changed, "k").toCompletableFuture().join(), "changed settings: a new, empty cache");
    }

    /** An entry is answered until {@code ttl} after it was written, and not after. */
    @Test
    void anEntryExpiresAfterTheTtl() throws Exception {
        AliasConfig.CacheConfig c = new AliasConfig.CacheConfig(Duration.ofMillis(300), 10, false);
        LocalCacheStore s = new LocalCacheStore();
        long written = System.nanoTime();
        s.put("a", c, "k", bytes(100));
        assertNotNull(s.get("a", c, "k").toCompletableFuture().join());
        long end = written + Duration.ofSeconds(5).toNanos();
        while (s.get("a", c, "k").toCompletableFuture().join() != null) {
            assertTrue(System.nanoTime() < end, "the entry outlived its ttl");
            Thread.sleep(20);
        }
        long lived = System.nanoTime() - written;
        assertTrue(lived >= Duration.ofMillis(300).toNanos(), "expired before its ttl: " + lived / 1_000_000 + " ms");
        assertEquals(0, s.entries("a"));
    }
}

package dev.junction.core.cache;

import dev.junction.core.config.AliasConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The key and the rules: what is looked up, what is stored, what bypasses. */
class CachePlanTest {

    private static final AliasConfig.CacheConfig STRICT = new AliasConfig.CacheConfig(Duration.ofMinutes(10), 100, false);
    private static final AliasConfig.CacheConfig SAMPLING = new AliasConfig.CacheConfig(Duration.ofMinutes(10), 100, true);

    private static CachePlan plan(String body, AliasConfig.CacheConfig c, String cacheControl) {
        return plan("chat", "a", "key:k1", body, c, cacheControl);
    }

    private static CachePlan plan(String ingress, String alias, String scope, String body, AliasConfig.CacheConfig c,
                                  String cacheControl) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            CachePlan p = CachePlan.of(alias, ingress, c, scope, "sim/m,", b, cacheControl, !ingress.equals("embeddings"));
            assertEquals(0, b.readerIndex(), "the body is not consumed");
            return p;
        } finally {
            b.release();
        }
    }

    private static final String BASE = "{\"model\":\"a\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void memberOrderWhitespaceStreamAndNumberSpellingDoNotChangeTheKey() {
        String key = plan(BASE, STRICT, null).key();
        assertEquals(64, key.length());
        assertEquals(key, plan("{ \"messages\" : [ {\"content\":\"hi\", \"role\":\"user\"} ],\n \"temperature\": 0.0, "
                + "\"model\":\"a\" }", STRICT, null).key());
        assertEquals(key, plan("{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\":\"a\","
                + "\"temperature\":0e0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", STRICT, null).key());
        CachePlan streamed = plan("{\"stream\":true,\"stream_options\":{\"include_usage\":true}," + BASE.substring(1),
                STRICT, null);
        assertTrue(streamed.stream());
        assertTrue(streamed.includeUsage());
    }

    @Test
    void anythingElseChangesTheKey() {
        String key = plan(BASE, STRICT, null).key();
        assertNotEquals(key, plan(BASE.replace("hi", "Hi"), STRICT, null).key(), "content");
        assertNotEquals(key, plan("{\"max_tokens\":5," + BASE.substring(1), STRICT, null).key(), "another member");
        assertNotEquals(key, plan("embeddings", "a", "key:k1", BASE, STRICT, null).key(), "the door");
        assertNotEquals(key, plan("chat", "b", "key:k1", BASE, STRICT, null).key(), "the alias");
        assertNotEquals(key, plan("chat", "a", "key:k2", BASE, STRICT, null).key(), "the gateway key");
        // stream_options is ignored at the top level only; a nested member of that name is content.
        assertNotEquals(key, plan(BASE.replace("\"content\":\"hi\"", "\"content\":\"hi\",\"stream\":true"), STRICT, null)
                .key());
    }

    @Test
    void samplingRequestsAreNotCachedUnlessAllowed() {
        String warm = BASE.replace("\"temperature\":0", "\"temperature\":0.7");
        String unset = BASE.replace("\"temperature\":0,", "");
        for (String body : new String[] {warm, unset}) {
            CachePlan p = plan(body, STRICT, null);
            assertFalse(p.lookup());
            assertFalse(p.store());
            assertNull(p.key());
            assertEquals("temperature", p.bypass());
            assertEquals("bypass", p.headerBeforeLookup());
            assertTrue(plan(body, SAMPLING, null).lookup(), "allow-temperature = true");
        }
        CachePlan emb = plan("embeddings", "a", "key:k1", "{\"model\":\"a\",\"input\":\"x\"}", STRICT, null);
        assertTrue(emb.lookup() && emb.store(), "embeddings do not sample");
    }

    @Test
    void severalChoicesAreNeverCached() {
        CachePlan p = plan("{\"n\":2," + BASE.substring(1), SAMPLING, null);
        assertFalse(p.lookup());
        assertFalse(p.store());
        assertEquals("n", p.bypass());
        assertTrue(plan("{\"n\":1," + BASE.substring(1), STRICT, null).lookup());
    }

    @Test
    void cacheControlNoCacheRefreshesAndNoStoreLeavesAlone() {
        CachePlan noCache = plan(BASE, STRICT, "No-Cache");
        assertFalse(noCache.lookup());
        assertTrue(noCache.store(), "the fresh answer replaces the entry");
        assertEquals("no-cache", noCache.bypass());
        assertEquals(plan(BASE, STRICT, null).key(), noCache.key());
        CachePlan noStore = plan(BASE, STRICT, "max-age=0, no-store");
        assertFalse(noStore.lookup());
        assertFalse(noStore.store());
        assertTrue(plan(BASE, STRICT, "max-age=60").lookup(), "other directives are ignored");
    }

    @Test
    void normalizedBodyIsReadable() throws Exception {
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"b\":1.50,\"a\":{\"y\":[2,1],\"x\":null},\"stream\":true}");
        assertEquals("{\"a\":{\"x\":null,\"y\":[2,1]},\"b\":1.5}", CachePlan.canonical(tree));
    }
}

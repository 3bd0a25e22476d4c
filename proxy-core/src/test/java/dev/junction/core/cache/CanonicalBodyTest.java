package dev.junction.core.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.AliasConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direct reader of the cache key's normalized body ({@link CanonicalBody}) against the tree path
 * it replaces: on random bodies (member order, whitespace, number spellings, escapes, non-ASCII,
 * nesting, the top-level facts) it writes exactly the tree path's bytes and reads the same facts,
 * or declines; corrupted bodies are declined, never keyed differently; equal-meaning bodies get
 * equal keys and different bodies different keys.
 */
class CanonicalBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AliasConfig.CacheConfig SAMPLING = new AliasConfig.CacheConfig(Duration.ofMinutes(10), 100, true);
    private static final String[] NAMES = {"model", "messages", "role", "content", "temperature", "n", "stream",
        "stream_options", "include_usage", "tools", "type", "text", "max_tokens", "a", "b", "ab", "B", "_x", "x1",
        "background", "previous_response_id", "input", "store"};
    private static final String[] STRINGS = {"", "hi", "héllo wörld", "tab\\tnew\\nline", "quote \\\" back \\\\",
        "\\u00e9\\u4e2d", "emoji 😀", "\\/slash", "ctrl \\u0001 \\u001f", "日本語", "plain text with spaces", "DEL \u007f"};
    private static final String[] NUMBERS = {"0", "-0", "0.0", "0e0", "1", "10", "100", "1.50", "1.5e2", "-3",
        "2E-3", "123456789012345678901234", "0.30000000000000001", "1e-400", "7", "0.7", "1.0", "2", "-0.5"};

    /** A random JSON value, spelled with random whitespace and member order; depth-bounded. */
    private static String value(Random r, int depth) {
        int kind = depth > 4 ? 2 + r.nextInt(3) : r.nextInt(6);
        return switch (kind) {
            case 0 -> object(r, depth + 1);
            case 1 -> {
                StringBuilder b = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append(ws(r)).append(value(r, depth + 1)).append(ws(r));
                }
                yield b.append("]").toString();
            }
            case 2 -> "\"" + STRINGS[r.nextInt(STRINGS.length)] + "\"";
            case 3 -> NUMBERS[r.nextInt(NUMBERS.length)];
            default -> new String[] {"true", "false", "null"}[r.nextInt(3)];
        };
    }

    private static String object(Random r, int depth) {
        List<String> names = new ArrayList<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            String name = NAMES[r.nextInt(NAMES.length)];
            if (!names.contains(name) || r.nextInt(20) == 0) { // now and then a duplicate
                names.add(name);
            }
        }
        if (depth == 1 && r.nextBoolean()) {
            names.add("stream_options");
        }
        Collections.shuffle(names, r);
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            String v = value(r, depth);
            if (depth == 1 && name.equals("stream_options") && r.nextBoolean()) {
                v = "{\"include_usage\":" + new String[] {"true", "false", "null"}[r.nextInt(3)] + ",\"x\":" + value(r, 3) + "}";
            }
            b.append(i > 0 ? "," : "").append(ws(r)).append('"').append(name).append('"').append(ws(r)).append(':')
                    .append(ws(r)).append(v).append(ws(r));
        }
        return b.append("}").toString();
    }

    private static String ws(Random r) {
        return new String[] {"", "", "", " ", "\n  ", "\t", "\r\n"}[r.nextInt(7)];
    }

    @Test
    void writesWhatTheTreePathWritesOrDeclines() throws Exception {
        Random r = new Random(20261203);
        CanonicalBody direct = new CanonicalBody();
        int vouched = 0;
        int total = 4000;
        for (int i = 0; i < total; i++) {
            String body = object(r, 0);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            JsonNode tree = JSON.readTree(bytes);
            if (direct.read(bytes, bytes.length)) {
                vouched++;
                String expected = CachePlan.canonical(tree);
                assertEquals(expected, new String(direct.out(), 0, direct.length(), StandardCharsets.UTF_8), body);
                CachePlan.Facts f = CachePlan.Facts.of(tree);
                assertEquals(f, new CachePlan.Facts(direct.stream, direct.includeUsage, direct.temperature, direct.n,
                        direct.background, direct.continues), body);
            }
        }
        // Duplicate names are left to the tree; everything else in these bodies is read directly.
        assertTrue(vouched > total * 2 / 3, "read directly: " + vouched + " of " + total);
    }

    @Test
    void corruptedBodiesAreDeclinedNeverMisread() throws Exception {
        Random r = new Random(7);
        CanonicalBody direct = new CanonicalBody();
        for (int i = 0; i < 4000; i++) {
            byte[] bytes = object(r, 0).getBytes(StandardCharsets.UTF_8);
            int cuts = 1 + r.nextInt(3);
            for (int c = 0; c < cuts; c++) {
                if (bytes.length == 0) {
                    break;
                }
                int at = r.nextInt(bytes.length);
                switch (r.nextInt(3)) {
                    case 0 -> bytes[at] = (byte) "{}[]\",:\\0e.-x \u0001".charAt(r.nextInt(15));
                    case 1 -> bytes = java.util.Arrays.copyOf(bytes, at);
                    default -> bytes[at] = (byte) (0x80 + r.nextInt(0x80));
                }
            }
            JsonNode tree;
            try {
                tree = JSON.readTree(bytes);
            } catch (Exception e) {
                tree = null;
            }
            boolean read = direct.read(bytes, bytes.length);
            if (tree == null || !tree.isObject()) {
                assertFalse(read, "declined: " + new String(bytes, StandardCharsets.UTF_8));
            } else if (read) {
                assertEquals(CachePlan.canonical(tree), new String(direct.out(), 0, direct.length(), StandardCharsets.UTF_8));
            }
        }
    }

    private static String key(String body) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            // Not a sampling door here: every body gets a key (the temperature and n rules are CachePlanTest's).
            return CachePlan.of("a", "chat", "/v1/chat/completions", SAMPLING, "key:k", "sim/m,", b, null, false).key();
        } finally {
            b.release();
        }
    }

    @Test
    void equalMeaningGivesEqualKeysAndDifferentBodiesDifferentKeys() throws Exception {
        Random r = new Random(42);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 500; i++) {
            JsonNode tree = JSON.readTree(object(r, 0).replace("\"stream\"", "\"streamx\"")
                    .replace("\"stream_options\"", "\"so\""));
            // Spelled another way: members reversed, whitespace, stream flags added, numbers respelled.
            String canonical = CachePlan.canonical(tree);
            String respelled = respell(tree, r);
            String withStream = tree.isEmpty() ? "{\"stream\":true}"
                    : respelled.replaceFirst("\\{", "{\"stream\": true, \"stream_options\": {\"include_usage\": true},");
            String k = key(canonical);
            assertEquals(k, key(respelled), respelled);
            assertEquals(k, key(withStream), withStream);
            seen.add(canonical);
            // One changed value: another key.
            String changed = canonical.equals("{}") ? "{\"x\":1}" : canonical.replaceFirst("\\{", "{\"zz_changed\":1,");
            assertNotEquals(k, key(changed), changed);
        }
        java.util.Map<String, String> keys = new java.util.HashMap<>();
        for (String c : seen) {
            String other = keys.put(key(c), c);
            assertEquals(null, other, "two different bodies, one key: " + c + " / " + other);
        }
        assertEquals(key("{\"temperature\":0,\"n\":1}"), key("{ \"n\" : 1.0 , \"temperature\" : 0e0 }"));
        assertNotEquals(key("{\"temperature\":0,\"x\":\"a\"}"), key("{\"temperature\":0,\"x\":\"b\"}"));
    }

    /** {@code n} written with members in reverse order, random whitespace, and numbers in another spelling. */
    private static String respell(JsonNode n, Random r) {
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            Collections.reverse(names);
            StringBuilder b = new StringBuilder("{");
            for (int i = 0; i < names.size(); i++) {
                b.append(i > 0 ? "," : "").append(ws(r)).append(JSON.valueToTree(names.get(i)).toString()).append(ws(r))
                        .append(':').append(respell(n.get(names.get(i)), r));
            }
            return b.append(ws(r)).append("}").toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < n.size(); i++) {
                b.append(i > 0 ? "," : "").append(ws(r)).append(respell(n.get(i), r));
            }
            return b.append("]").toString();
        }
        if (n.isIntegralNumber() && n.canConvertToLong() && Math.abs(n.asLong()) < (1L << 53) && r.nextBoolean()) {
            return n.asLong() + ".0";
        }
        if (n.isNumber() && n.decimalValue().signum() == 0) {
            return "0e0";
        }
        return n.toString();
    }

    @Test
    void keysAreTheTreePathsKeys() throws Exception {
        String body = "{\"model\":\"gpt\",\"temperature\":0,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        CanonicalBody direct = new CanonicalBody();
        assertTrue(direct.read(bytes, bytes.length));
        String[] parts = {"chat /v1/chat/completions", "a", "key:k", "sim/m,"};
        assertEquals(CachePlan.key(parts, JSON.readTree(body)), CachePlan.key(parts, direct.out(), direct.length()));
        assertArrayEquals("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"gpt\",\"temperature\":0}"
                .getBytes(StandardCharsets.UTF_8), java.util.Arrays.copyOf(direct.out(), direct.length()));
    }
}

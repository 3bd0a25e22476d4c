package dev.junction.core.cache;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.AliasConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * What the cache does with one request of an alias that caches (docs/cache.md): look it up or not,
 * store its answer or not, and under which key.
 *
 * <p>The key is the SHA-256 of: the door ({@code chat}, {@code embeddings}, ...) and the request's
 * path (one door may serve several endpoints, e.g. Messages and its token count), the alias, the
 * scope (the gateway key's name, or everyone when the alias says {@code shared = true}), a
 * fingerprint of the alias's deployments (a changed routing never serves an older model's answers),
 * and the body normalized: members sorted by name at every depth, no whitespace, numbers in one
 * spelling ({@code 0}, {@code 0.0} and {@code 0e0} are one value), and the top-level members that
 * only say how the answer is delivered ({@code stream}, {@code stream_options}) left out.
 *
 * @param key      the entry's key (hex), or null when the request is not cacheable at all
 * @param lookup   answer from the cache when an entry exists
 * @param store    keep the answer when it succeeds
 * @param bypass   why the cache is not consulted ({@code no-cache}, {@code no-store},
 *                 {@code temperature}, {@code n}), or null
 */
public record CachePlan(String alias, String ingress, String key, AliasConfig.CacheConfig config, boolean lookup,
                        boolean store, String bypass, boolean stream, boolean includeUsage) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code x-junction-cache} answer: hit is decided later; here miss or bypass. */
    public String headerBeforeLookup() {
        return lookup ? "miss" : "bypass";
    }

    /**
     * The plan for one request. {@code body} is the client's JSON (already validated; not consumed),
     * {@code cacheControl} the request's {@code Cache-Control} header or null, {@code samples} whether
     * the door generates text (the temperature and {@code n} rules apply).
     */
    public static CachePlan of(String alias, String ingress, String path, AliasConfig.CacheConfig config, String scope,
                               String fingerprint, ByteBuf body, String cacheControl, boolean samples) {
        return of(alias, ingress, path, config, scope, scope, fingerprint, body, cacheControl, samples, null);
    }

    /**
     * The plan for one request through {@code shape}'s door: as above, and the door may refuse the
     * request ({@link ReplayShape#bypass}) or keep it to the key's own entries ({@code ownScope},
     * {@link ReplayShape#ownedByKey}) on an alias that shares them.
     */
    public static CachePlan of(String alias, ReplayShape shape, String path, AliasConfig.CacheConfig config,
                               String scope, String ownScope, String fingerprint, ByteBuf body, String cacheControl) {
        return of(alias, shape.ingress(), path, config, scope, ownScope, fingerprint, body, cacheControl,
                shape.samples(), shape);
    }

    private static CachePlan of(String alias, String ingress, String path, AliasConfig.CacheConfig config, String scope,
                                String ownScope, String fingerprint, ByteBuf body, String cacheControl, boolean samples,
                                ReplayShape shape) {
        // The body's normalized form and facts, read from its bytes; the tree path for what the
        // direct reader cannot vouch for (docs/cache.md: the same key either way).
        CanonicalBody direct = CanonicalBody.local();
        JsonNode root = null;
        Facts facts;
        if (direct.read(body)) {
            facts = new Facts(direct.stream, direct.includeUsage, direct.temperature, direct.n, direct.background,
                    direct.continues);
        } else {
            try {
                root = JSON.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
            } catch (IOException e) {
                return new CachePlan(alias, ingress, null, config, false, false, "unreadable", false, false);
            }
            facts = Facts.of(root);
        }
        boolean stream = facts.stream();
        boolean includeUsage = facts.includeUsage();
        String bypass = null;
        boolean store = true;
        if (cacheControl != null) {
            for (String directive : cacheControl.toLowerCase(Locale.ROOT).split(",")) {
                String d = directive.trim();
                if (d.equals("no-store")) {
                    bypass = "no-store";
                    store = false;
                } else if (d.equals("no-cache") && bypass == null) {
                    // HTTP's no-cache: do not answer from the cache, the fresh answer replaces the entry.
                    bypass = "no-cache";
                }
            }
        }
        String refused = shape == null ? null : shape.bypass(facts);
        if (refused != null) {
            return new CachePlan(alias, ingress, null, config, false, false, refused, stream, includeUsage);
        }
        if (shape != null && shape.ownedByKey(facts)) {
            scope = ownScope;
        }
        if (samples) {
            if (facts.n() > 1) {
                return new CachePlan(alias, ingress, null, config, false, false, "n", stream, includeUsage);
            }
            // No temperature means the vendor's default, which samples for every vendor (1.0 at
            // OpenAI and Anthropic): an answer drawn at random is not served to the next caller.
            if (!config.allowTemperature() && facts.temperature() != 0) {
                return new CachePlan(alias, ingress, null, config, false, false, "temperature", stream,
                        includeUsage);
            }
        }
        String[] parts = {ingress + " " + path, alias, scope, fingerprint};
        String key = root == null ? key(parts, direct.out(), direct.length()) : key(parts, root);
        return new CachePlan(alias, ingress, key, config, bypass == null, store, bypass, stream, includeUsage);
    }

    /**
     * What the plan reads from the top of a body: {@code stream}, {@code stream_options.include_usage},
     * {@code temperature} (-1 absent or not a number, 0 when ≤ 0, 1 when > 0), {@code n} (as a long,
     * 0 when not a number), {@code background}, and whether {@code previous_response_id} is set.
     */
    public record Facts(boolean stream, boolean includeUsage, int temperature, long n, boolean background,
                        boolean continues) {

        static Facts of(JsonNode root) {
            JsonNode t = root.get("temperature");
            JsonNode n = root.get("n");
            JsonNode previous = root.get("previous_response_id");
            return new Facts(root.path("stream").asBoolean(false),
                    root.path("stream_options").path("include_usage").asBoolean(false),
                    t == null || !t.isNumber() ? -1 : t.decimalValue().signum() > 0 ? 1 : 0,
                    n != null && n.isNumber() ? n.asLong() : 0,
                    root.path("background").asBoolean(false),
                    previous != null && !previous.isNull());
        }
    }

    private static MessageDigest sha256() {
        MessageDigest sha = DIGEST.get();
        sha.reset();
        return sha;
    }

    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private static void parts(MessageDigest sha, String[] parts) {
        sha.update("junction-cache-1".getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        for (String part : parts) {
            sha.update(part.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
    }

    /** The key from the normalized body's bytes ({@link CanonicalBody}). */
    static String key(String[] parts, byte[] canonical, int length) {
        MessageDigest sha = sha256();
        parts(sha, parts);
        sha.update(canonical, 0, length);
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The key from the body's tree (what the direct reader leaves to Jackson). */
    static String key(String[] parts, JsonNode body) {
        MessageDigest sha = sha256();
        parts(sha, parts);
        try (JsonGenerator g = JSON.getFactory().createGenerator(new DigestOut(sha))) {
            writeCanonical(g, body, true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    static String key(String ingress, String alias, String scope, String fingerprint, JsonNode body) {
        return key(new String[] {ingress, alias, scope, fingerprint}, body);
    }

    /** The normalized body as a string (tests and docs show what the key is made of). */
    static String canonical(JsonNode body) {
        java.io.StringWriter w = new java.io.StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(w)) {
            writeCanonical(g, body, true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void writeCanonical(JsonGenerator g, JsonNode n, boolean top) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(n.size());
                for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                    names.add(it.next());
                }
                Collections.sort(names);
                g.writeStartObject();
                for (String name : names) {
                    if (top && (name.equals("stream") || name.equals("stream_options"))) {
                        continue;
                    }
                    g.writeFieldName(name);
                    writeCanonical(g, n.get(name), false);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode item : n) {
                    writeCanonical(g, item, false);
                }
                g.writeEndArray();
            }
            case NUMBER -> {
                BigDecimal d = n.decimalValue();
                g.writeNumber(d.signum() == 0 ? "0" : d.stripTrailingZeros().toString());
            }
            default -> g.writeTree(n);
        }
    }

    /** Feeds the generator's bytes straight into the digest. */
    private static final class DigestOut extends OutputStream {
        private final MessageDigest sha;

        DigestOut(MessageDigest sha) {
            this.sha = sha;
        }

        @Override
        public void write(int b) {
            sha.update((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha.update(b, off, len);
        }
    }
}

package dev.junction.core.server;

import dev.junction.core.config.AuthConfig;
import dev.junction.core.config.KeyConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Checks gateway keys (SPEC §1, §9). The presented key is hashed and compared with every
 * configured key's hash in constant time, without stopping at the first match, so timing reveals
 * neither a key nor which key matched.
 */
public final class GatewayAuth {

    /** The identity of an anonymous caller when no keys are configured. */
    public static final KeyConfig ANONYMOUS = new KeyConfig("anonymous", "", List.of("*"), null, null, null, true);

    private final List<KeyConfig> keys;
    private final byte[][] hashes;

    public GatewayAuth(AuthConfig config) {
        this.keys = config.keys();
        this.hashes = new byte[keys.size()][];
        for (int i = 0; i < keys.size(); i++) {
            hashes[i] = sha256(keys.get(i).key());
        }
    }

    public boolean enabled() {
        return !keys.isEmpty();
    }

    /**
     * The key for an {@code Authorization} header value, {@link #ANONYMOUS} when auth is off, or
     * null when the key is missing or wrong.
     */
    public KeyConfig authenticate(String authorization) {
        if (keys.isEmpty()) {
            return ANONYMOUS;
        }
        if (authorization == null || authorization.length() < 8
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        byte[] presented = sha256(authorization.substring(7).trim());
        KeyConfig match = null;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(presented, hashes[i]) && match == null) {
                match = keys.get(i);
            }
        }
        return match;
    }

    /** The key named {@code name} (a task's owner), {@link #ANONYMOUS} when auth is off, or null. */
    public KeyConfig byName(String name) {
        if (keys.isEmpty()) {
            return ANONYMOUS.name().equals(name) ? ANONYMOUS : null;
        }
        for (KeyConfig k : keys) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        return null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

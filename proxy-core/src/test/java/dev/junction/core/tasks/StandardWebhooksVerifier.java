package dev.junction.core.tasks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * What a webhook receiver does with a Standard Webhooks delivery (standardwebhooks.com, "Verifying
 * webhook signatures"), written from the specification and independent of Junction's signer: the
 * key is the base64 after {@code whsec_}; the signed content is {@code id.timestamp.body}; the
 * header holds space-separated {@code v1,<base64>} signatures, any of which may match; the
 * timestamp must be within five minutes of now.
 */
final class StandardWebhooksVerifier {

    private final byte[] key;

    StandardWebhooksVerifier(String secret) {
        this.key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
    }

    /** Throws when the delivery is not authentic or too old. */
    void verify(String id, String timestamp, String signatures, byte[] body, long nowSeconds) {
        if (id == null || timestamp == null || signatures == null) {
            throw new IllegalArgumentException("missing webhook headers");
        }
        long ts = Long.parseLong(timestamp);
        if (Math.abs(nowSeconds - ts) > 300) {
            throw new IllegalArgumentException("timestamp too far from now");
        }
        byte[] expected;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            expected = mac.doFinal(concat((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8), body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (String s : signatures.split(" ")) {
            int comma = s.indexOf(',');
            if (comma > 0 && s.substring(0, comma).equals("v1")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(s.substring(comma + 1)))) {
                return;
            }
        }
        throw new IllegalArgumentException("no matching signature");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Mistral (wire-formats §6.1, §8 item 15): tool-call ids must be exactly nine ASCII letters or
 * digits, or the request is rejected with "Tool call id was … but must be a-z, A-Z, 0-9, with a
 * length of 9". A conversation that began elsewhere (OpenAI's {@code call_…} ids, or a failover
 * from another vendor) therefore has its history ids rewritten in the upstream body. The rewrite is
 * a pure function of the id (SHA-256 → base62, nine characters), so an assistant's
 * {@code tool_calls[].id} and the matching tool message's {@code tool_call_id} get the same new id
 * in every turn, with no state kept. Ids Mistral issued itself already fit and are left alone.
 *
 * <p>Extra finish reasons: {@code model_length} means the context window was hit ({@code length});
 * {@code error} means generation failed, reported as a retryable upstream failure.
 */
final class MistralDialect implements CompatDialect {

    static final MistralDialect INSTANCE = new MistralDialect();

    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int ID_LENGTH = 9;

    private MistralDialect() {
    }

    @Override
    public String name() {
        return "mistral";
    }

    @Override
    public List<BodyEdit> requestEdits(ByteBuf body) {
        List<OpenAiRequestScanner.StringSpan> ids = OpenAiRequestScanner.toolCallIds(body);
        List<BodyEdit> edits = new ArrayList<>(0);
        for (OpenAiRequestScanner.StringSpan id : ids) {
            if (!acceptable(id.value())) {
                edits.add(new BodyEdit(id.start(), id.end(),
                        ('"' + toolCallId(id.value()) + '"').getBytes(StandardCharsets.US_ASCII)));
            }
        }
        return edits;
    }

    /** Whether Mistral accepts {@code id} as it is: {@code ^[a-zA-Z0-9]{9}$}. */
    static boolean acceptable(String id) {
        if (id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < ID_LENGTH; i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The nine-character id standing for {@code id}: the first 63 bits of its SHA-256 in base62
     * (62^9 ≈ 1.4·10^16 values, so two ids of one conversation practically never collide).
     */
    static String toolCallId(String id) {
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        v &= Long.MAX_VALUE;
        char[] out = new char[ID_LENGTH];
        for (int i = ID_LENGTH - 1; i >= 0; i--) {
            out[i] = BASE62[(int) (v % 62)];
            v /= 62;
        }
        return new String(out);
    }

    @Override
    public boolean mapsFinishReasons() {
        return true;
    }

    @Override
    public FinishOverride finishReason(String vendorReason) {
        return switch (vendorReason) {
            case "model_length" -> FinishOverride.rename("length");
            case "error" -> FinishOverride.fail(GatewayError.upstreamUnavailable(
                    "The provider stopped generating with finish_reason 'error'."));
            default -> null;
        };
    }
}

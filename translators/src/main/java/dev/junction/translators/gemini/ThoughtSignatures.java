package dev.junction.translators.gemini;

/**
 * Carries Gemini 3 thought signatures through OpenAI clients inside the tool call id
 * (wire-formats §3.7, §4.5): OpenAI clients drop unknown fields but always echo a call's id back
 * in the assistant history, so the id {@code call_<x>__thought__<sig>} survives the round trip.
 * The signature is written base64url without padding so the id stays within the characters
 * OpenAI-compatible clients accept; {@link #decode} turns it back into the standard base64 that
 * Gemini's {@code thoughtSignature} field expects.
 */
public final class ThoughtSignatures {

    /** The separator used by LiteLLM and others for the same purpose (wire-formats §3.7). */
    public static final String SEPARATOR = "__thought__";

    /**
     * Google's documented sentinel for replaying a function call whose signature is unknown
     * (e.g. a call made by another vendor before a failover, or by a client-built history).
     */
    public static final String SKIP_VALIDATOR = "skip_thought_signature_validator";

    private ThoughtSignatures() {
    }

    /** A tool call id split into the client-visible base and the Gemini signature (null if none). */
    public record Decoded(String baseId, String signature) {
    }

    /** {@code baseId} with the signature appended, or {@code baseId} itself when there is none. */
    public static String encode(String baseId, String signatureBase64) {
        if (signatureBase64 == null || signatureBase64.isEmpty()) {
            return baseId;
        }
        StringBuilder sb = new StringBuilder(baseId.length() + SEPARATOR.length() + signatureBase64.length());
        sb.append(baseId).append(SEPARATOR);
        for (int i = 0; i < signatureBase64.length(); i++) {
            char c = signatureBase64.charAt(i);
            switch (c) {
                case '+' -> sb.append('-');
                case '/' -> sb.append('_');
                case '=' -> { }
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Splits an id made by {@link #encode}. An id without the separator, or whose suffix is not
     * base64url, has no signature: the suffix is then not ours and the id is kept whole.
     */
    public static Decoded decode(String id) {
        int at = id.lastIndexOf(SEPARATOR);
        if (at < 0) {
            return new Decoded(id, null);
        }
        String suffix = id.substring(at + SEPARATOR.length());
        if (suffix.isEmpty()) {
            return new Decoded(id, null);
        }
        StringBuilder sb = new StringBuilder(suffix.length() + 3);
        for (int i = 0; i < suffix.length(); i++) {
            char c = suffix.charAt(i);
            if (c == '-') {
                sb.append('+');
            } else if (c == '_') {
                sb.append('/');
            } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                sb.append(c);
            } else {
                return new Decoded(id, null);
            }
        }
        if (sb.length() % 4 == 1) {
            return new Decoded(id, null);
        }
        while (sb.length() % 4 != 0) {
            sb.append('=');
        }
        return new Decoded(id.substring(0, at), sb.toString());
    }
}

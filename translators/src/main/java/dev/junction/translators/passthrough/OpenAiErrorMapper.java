package dev.junction.translators.passthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.RetryAfter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Maps an error answer of an OpenAI-shaped vendor to SPEC §4 (wire-formats §5.1 OpenAI rows, §5.2,
 * §6.1). Reads the standard {@code {"error":{...}}} body and the flat variants of vLLM/Mistral
 * ({@code {"object":"error","message":...}}) and Ollama ({@code {"error":"text"}}); {@code code}
 * may be a string or a number. Vendor messages are kept where they help the client, except for
 * credential failures, whose vendor text can echo part of Junction's key.
 */
public final class OpenAiErrorMapper {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAI 429 codes that mean "out of money", never fixed by waiting (wire-formats §1.6, §5.2). */
    private static final Set<String> QUOTA_CODES = Set.of("insufficient_quota", "credit_balance_exhausted",
            "organization_spend_limit_exceeded", "project_spend_limit_exceeded", "organization_usage_limit_exceeded",
            "billing_hard_limit_reached");

    private OpenAiErrorMapper() {
    }

    private record VendorError(String message, String type, String code, String param) {
    }

    public static GatewayError map(int status, HttpHeaders headers, ByteBuf body) {
        VendorError v = read(body);
        String vendorText = v.message != null ? v.message : "HTTP " + status;
        Duration retryAfter = RetryAfter.parse(headers);
        String type = lower(v.type);
        String code = lower(v.code);
        switch (status) {
            case 400, 422 -> {
                String c = "context_length_exceeded".equals(code) ? code : (status == 422 ? "invalid_value" : nonNumeric(v.code));
                if ("content_filter".equals(code)) {
                    c = "content_filter";
                }
                return GatewayError.fatal(400, "invalid_request_error", c != null ? c : "invalid_value", v.param,
                        "The upstream provider rejected the request: " + vendorText);
            }
            case 401, 403 -> {
                return GatewayError.upstreamAuthenticationFailed(
                        "The upstream provider rejected Junction's credentials for this deployment (HTTP " + status
                                + "). The gateway operator must fix the provider's api-key; your own key is fine.");
            }
            case 402 -> {
                // Payment Required is the vendor's account out of credit whatever the server (DeepSeek
                // "Insufficient Balance", wire-formats §6.1; Gemini prepay, §8 item 5): never fixed by
                // waiting, another deployment may still serve (SPEC §4 upstream_quota_exhausted).
                return GatewayError.upstreamQuotaExhausted(
                        "The upstream provider's account is out of credit (HTTP 402): " + vendorText);
            }
            case 404 -> {
                return GatewayError.upstreamModelNotFound(
                        "The upstream provider does not know the deployment's model: " + vendorText
                                + " The gateway operator must fix the deployment's model name.");
            }
            case 408 -> {
                return GatewayError.upstreamTimeout("The upstream provider timed out: " + vendorText).withRetryAfter(retryAfter);
            }
            case 413 -> {
                return GatewayError.fatal(413, "invalid_request_error", "request_too_large", null,
                        "The upstream provider says the request is too large: " + vendorText);
            }
            case 429 -> {
                if (QUOTA_CODES.contains(code) || QUOTA_CODES.contains(type)) {
                    return GatewayError.upstreamQuotaExhausted(
                            "The upstream provider's account is out of quota or credit: " + vendorText);
                }
                if (vendorText.startsWith("Request too large")) {
                    return GatewayError.fatal(413, "invalid_request_error", "request_too_large", null,
                            "The request exceeds the upstream provider's per-minute token limit: " + vendorText
                                    + " Reduce the input or max_tokens.").withFailover();
                }
                return GatewayError.upstreamRateLimited("The upstream provider is rate limiting: " + vendorText)
                        .withRetryAfter(retryAfter);
            }
            default -> {
                if (status == 504) {
                    return GatewayError.upstreamTimeout("The upstream provider timed out: " + vendorText)
                            .withRetryAfter(retryAfter);
                }
                if (status >= 500) {
                    return GatewayError.upstreamUnavailable("The upstream provider is unavailable (HTTP " + status + "): "
                            + vendorText).withRetryAfter(retryAfter);
                }
                return GatewayError.upstreamError("The upstream provider answered HTTP " + status + ": " + vendorText);
            }
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String nonNumeric(String code) {
        return code == null || code.chars().allMatch(Character::isDigit) ? null : code;
    }

    private static VendorError read(ByteBuf body) {
        if (body == null || !body.isReadable()) {
            return new VendorError(null, null, null, null);
        }
        try {
            JsonNode root = JSON.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
            if (root == null) {
                return new VendorError(null, null, null, null);
            }
            JsonNode err = root.get("error");
            if (err != null && err.isTextual()) {
                return new VendorError(err.asText(), null, null, null);
            }
            JsonNode e = err != null && err.isObject() ? err : root;
            return new VendorError(text(e, "message"), text(e, "type"), text(e, "code"), text(e, "param"));
        } catch (IOException e) {
            String raw = body.toString(body.readerIndex(), Math.min(body.readableBytes(), 200),
                    java.nio.charset.StandardCharsets.UTF_8);
            return new VendorError(raw.isBlank() ? null : raw.strip(), null, null, null);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

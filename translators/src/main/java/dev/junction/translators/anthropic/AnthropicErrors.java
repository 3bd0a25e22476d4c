package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Anthropic error answers (wire-formats §2.5, §2.6, §5.1, §5.2) in the SPEC §4 vocabulary. The
 * status is what the client gets if this is the final outcome; the flags tell the resilience layer
 * whether to retry the same deployment and whether to fail over.
 */
final class AnthropicErrors {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Anthropic keys look like sk-ant-...; scrubbed from any vendor text we pass on (SPEC §9). */
    private static final Pattern KEY = Pattern.compile("sk-ant-[A-Za-z0-9_\\-]+");

    private AnthropicErrors() {
    }

    static GatewayError map(int status, HttpHeaders headers, ByteBuf body, Clock clock) {
        String type = null;
        String message = null;
        String detailCode = null;
        if (body != null && body.isReadable()) {
            try {
                JsonNode n = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate(), false));
                if (n != null) {
                    JsonNode e = n.path("error");
                    type = e.hasNonNull("type") ? e.get("type").asText() : null;
                    message = e.hasNonNull("message") ? e.get("message").asText() : null;
                    detailCode = e.path("details").hasNonNull("error_code")
                            ? e.path("details").get("error_code").asText() : null;
                }
            } catch (IOException notJson) {
                // A 413 from Cloudflare or a proxy's HTML page (wire-formats §5.1): the status decides.
            }
        }
        GatewayError error = classify(status, type, message == null ? "" : scrub(message), detailCode);
        Duration retryAfter = headers == null ? null : retryAfter(headers, clock);
        return retryAfter != null && error.retryable() ? error.withRetryAfter(retryAfter) : error;
    }

    /** An {@code error} event inside a 200 stream (wire-formats §2.4). */
    static GatewayError fromStream(String type, String message) {
        int status = switch (type) {
            case "overloaded_error" -> 529;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "billing_error" -> 402;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "invalid_request_error" -> 400;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            default -> 500;
        };
        return classify(status, type, scrub(message), null);
    }

    private static GatewayError classify(int status, String type, String vendorMessage, String detailCode) {
        String said = vendorMessage.isEmpty() ? "" : " Anthropic said: " + vendorMessage;
        if (status == 429 && "enforced_spend_limit_reached".equals(detailCode) || status == 402
                || status == 400 && vendorMessage.toLowerCase().contains("spend limit")) {
            return GatewayError.upstreamQuotaExhausted(
                    "The Anthropic account behind this deployment is out of credit or at its spend limit; retrying"
                            + " will not help until an operator raises it." + said);
        }
        if (status == 400 && vendorMessage.startsWith("prompt is too long")) {
            return GatewayError.invalidRequest("context_length_exceeded", "messages",
                    "The prompt is longer than the model's context window. Shorten the messages or use a model"
                            + " with a larger context." + said).withFailover();
        }
        return switch (status) {
            case 401, 403 -> GatewayError.upstreamAuthenticationFailed(
                    "Anthropic rejected the gateway's provider credentials (" + (type == null ? "HTTP " + status : type)
                            + "). This is not a problem with your API key; an operator must fix the provider key.");
            case 429 -> GatewayError.upstreamRateLimited(
                    "Anthropic is rate-limiting this deployment. Retry after the indicated delay." + said);
            case 404 -> GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model",
                    "The deployment's model is not available on Anthropic." + said).withFailover();
            case 413 -> GatewayError.fatal(413, "invalid_request_error", "request_too_large", null,
                    "The request is larger than Anthropic accepts (32 MB). Send smaller images or documents.");
            case 504 -> GatewayError.upstreamTimeout("Anthropic timed out before answering." + said);
            case 408, 409, 500, 502, 503, 529 -> GatewayError.upstreamUnavailable(
                    "Anthropic is unavailable or overloaded (" + (type == null ? "HTTP " + status : type) + ")." + said);
            default -> status >= 500
                    ? GatewayError.upstreamUnavailable("Anthropic failed with HTTP " + status + "." + said)
                    : GatewayError.invalidRequest("invalid_value", null, vendorMessage.isEmpty()
                    ? "Anthropic rejected the request (HTTP " + status + ")." : "Anthropic rejected the request: "
                    + vendorMessage);
        };
    }

    /** {@code retry-after-ms} first, then {@code retry-after} as seconds or an HTTP date (wire-formats §2.6). */
    static Duration retryAfter(HttpHeaders headers, Clock clock) {
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                double v = Double.parseDouble(ms.trim());
                if (v >= 0) {
                    return Duration.ofMillis((long) v);
                }
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        String ra = headers.get("retry-after");
        if (ra == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(ra.trim());
            return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(ra.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    static String scrub(String s) {
        return KEY.matcher(s).replaceAll("sk-ant-***");
    }
}

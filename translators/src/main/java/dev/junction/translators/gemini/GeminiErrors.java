package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.junction.stream.GatewayError;
import io.netty.handler.codec.http.HttpHeaders;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Maps Gemini errors ({@code google.rpc.Status} JSON, wire-formats §3.5) to the SPEC §4
 * vocabulary, following the table of wire-formats §5.1 and the rate-limit/quota rules of §5.2.
 * Decisions where the reference leaves a choice:
 * <ul>
 *   <li>403 {@code PERMISSION_DENIED}: Junction's own key lacks permission for the model or API.
 *       The client did nothing wrong and cannot fix it, so it is reported like any rejection of
 *       Junction's vendor key: 502 {@code upstream_authentication_failed}, failover allowed.</li>
 *   <li>400 {@code FAILED_PRECONDITION} (billing not enabled, unsupported region) is a property of
 *       the account, not of the request: treated as the account being unable to serve, i.e.
 *       {@code upstream_quota_exhausted} (503, failover, no retry).</li>
 *   <li>Other 400s keep Gemini's message with {@code code:null}, except a token-limit message,
 *       which becomes {@code context_length_exceeded} (§5.1, the message text is ⚠️).</li>
 *   <li>429 without any {@code QuotaFailure} detail ("Resource has been exhausted") is transient
 *       shared capacity (§5.2): a retryable rate limit.</li>
 * </ul>
 * Messages never contain a key: Gemini's texts do not echo it, and anything shaped like a Google
 * API key is redacted anyway.
 */
public final class GeminiErrors {

    private static final Pattern GOOGLE_KEY = Pattern.compile("AIza[0-9A-Za-z_\\-]{20,}");
    private static final Pattern TOKEN_LIMIT = Pattern.compile(
            "(input token count.*exceeds)|(exceeds the maximum number of tokens)|(token count.*exceeds.*limit)",
            Pattern.CASE_INSENSITIVE);

    private GeminiErrors() {
    }

    /** A non-2xx answer. {@code body} may be null or not JSON (e.g. an HTML page from a proxy). */
    public static GatewayError map(int httpStatus, JsonNode body, HttpHeaders headers) {
        JsonNode error = body == null ? MissingNode.getInstance() : body.path("error");
        Duration headerRetry = headers == null ? null : retryAfterHeader(headers.get("retry-after"));
        // A 2xx carrying an error object: the object's own code is the status that counts.
        int status = httpStatus < 300 ? statusOf(error) : httpStatus;
        return mapError(status, error, headerRetry);
    }

    private static int statusOf(JsonNode error) {
        int code = error.path("code").asInt(0);
        return code >= 400 ? code : statusFor(GeminiEvents.text(error, "status"));
    }

    /** An in-stream {@code {"error":...}} chunk (wire-formats §3.4); its {@code code} is the status. */
    public static GatewayError map(GeminiEvent.Failure failure) {
        return mapError(statusOf(failure.error()), failure.error(), null);
    }

    static GatewayError mapError(int httpStatus, JsonNode error, Duration headerRetry) {
        String status = GeminiEvents.text(error, "status");
        String vendorMessage = redact(GeminiEvents.text(error, "message"));
        String said = vendorMessage == null || vendorMessage.isBlank()
                ? "Gemini answered HTTP " + httpStatus + (status == null ? "" : " " + status) + "."
                : vendorMessage;
        if (hasReason(error, "API_KEY_INVALID") || httpStatus == 401) {
            return keyRejected("Gemini rejected the provider's API key (API_KEY_INVALID). "
                    + "Check the api-key configured for this Gemini provider.");
        }
        switch (httpStatus) {
            case 400 -> {
                if ("FAILED_PRECONDITION".equals(status)) {
                    return quotaExhausted("Gemini cannot serve this account (FAILED_PRECONDITION): " + said
                            + " Enable billing or use a supported region for this provider.");
                }
                if (TOKEN_LIMIT.matcher(said).find()) {
                    return GatewayError.invalidRequest("context_length_exceeded", "messages", said);
                }
                return GatewayError.invalidRequest(null, null, said);
            }
            case 402 -> {
                return quotaExhausted("Gemini reports the provider account's prepaid credits are depleted: " + said);
            }
            case 403 -> {
                return keyRejected("Gemini refused the provider's API key permission for this request "
                        + "(PERMISSION_DENIED): " + said + " Check the key's project and API access.");
            }
            case 404 -> {
                return GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model", said).withFailover();
            }
            case 429 -> {
                return tooMany(error, said, headerRetry);
            }
            case 408, 504 -> {
                return GatewayError.upstreamTimeout("Gemini timed out: " + said);
            }
            default -> {
                if (httpStatus >= 500) {
                    return GatewayError.upstreamUnavailable("Gemini is unavailable: " + said).withRetryAfter(headerRetry);
                }
                return GatewayError.invalidRequest(null, null, said);
            }
        }
    }

    /** §5.2: per-day quota or "limit: 0" = stop; per-minute or no detail = wait and retry. */
    private static GatewayError tooMany(JsonNode error, String said, Duration headerRetry) {
        boolean perDay = false;
        boolean perMinute = false;
        Duration retryDelay = null;
        for (JsonNode d : error.path("details")) {
            String type = d.path("@type").asText("");
            if (type.endsWith("google.rpc.QuotaFailure")) {
                for (JsonNode v : d.path("violations")) {
                    String quotaId = v.path("quotaId").asText("");
                    perDay |= quotaId.contains("PerDay");
                    perMinute |= quotaId.contains("PerMinute");
                }
            } else if (type.endsWith("google.rpc.RetryInfo")) {
                retryDelay = protoDuration(d.path("retryDelay").asText(null));
            }
        }
        boolean noQuotaAtAll = said.toLowerCase(Locale.ROOT).contains("limit: 0");
        boolean prepaid = said.toLowerCase(Locale.ROOT).contains("prepayment credits are depleted");
        if (perDay || noQuotaAtAll || prepaid) {
            return quotaExhausted("Gemini quota exhausted for the provider account"
                    + (perDay ? " (daily quota)" : noQuotaAtAll ? " (the model has no quota on this tier)" : "")
                    + ": " + said);
        }
        Duration after = retryDelay != null ? retryDelay : headerRetry;
        return GatewayError.upstreamRateLimited("Gemini rate limit" + (perMinute ? " (per-minute quota)" : "") + ": " + said)
                .withRetryAfter(after);
    }

    private static GatewayError keyRejected(String message) {
        return GatewayError.upstreamAuthenticationFailed(message);
    }

    private static GatewayError quotaExhausted(String message) {
        return GatewayError.upstreamQuotaExhausted(message);
    }

    private static boolean hasReason(JsonNode error, String reason) {
        for (JsonNode d : error.path("details")) {
            if (reason.equals(d.path("reason").asText(null))) {
                return true;
            }
        }
        return false;
    }

    /** The HTTP status Google uses for a {@code google.rpc.Code} name (only needed without {@code code}). */
    static int statusFor(String status) {
        if (status == null) {
            return 500;
        }
        return switch (status) {
            case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> 400;
            case "UNAUTHENTICATED" -> 401;
            case "PERMISSION_DENIED" -> 403;
            case "NOT_FOUND" -> 404;
            case "RESOURCE_EXHAUSTED" -> 429;
            case "UNAVAILABLE" -> 503;
            case "DEADLINE_EXCEEDED" -> 504;
            default -> 500;
        };
    }

    /** A protobuf JSON Duration: decimal seconds with an {@code s} suffix, e.g. {@code "34.4s"}. */
    static Duration protoDuration(String text) {
        if (text == null || !text.endsWith("s")) {
            return null;
        }
        try {
            double seconds = Double.parseDouble(text.substring(0, text.length() - 1));
            if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
                return null;
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Duration retryAfterHeader(String value) {
        if (value == null) {
            return null;
        }
        try {
            long s = Long.parseLong(value.trim());
            return s >= 0 ? Duration.ofSeconds(s) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String redact(String message) {
        return message == null ? null : GOOGLE_KEY.matcher(message).replaceAll("[redacted]");
    }
}

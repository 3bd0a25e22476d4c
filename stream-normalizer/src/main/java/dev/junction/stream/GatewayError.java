package dev.junction.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * One failure in the vocabulary of SPEC §4: the HTTP status, OpenAI error {@code type} and
 * {@code code} the client sees, a message that says what was wrong and what to do, and how the
 * gateway itself may react to it ({@link #retryable()} on the same or another deployment,
 * {@link #failover()} to another deployment, {@link #retryAfter()} when the vendor said when).
 *
 * <p>The message never carries a vendor key; translators build it from vendor text that does not
 * contain the key. {@code clientRetryable} is what {@code x-should-retry} tells the client SDK.
 *
 * <p>Build errors with the named factories below, one per SPEC §4 situation, so that a code always
 * goes out with its status; {@link #withoutRetry()}, {@link #withFailover()} and {@link #terminal()}
 * adjust what the gateway does about it.
 */
public record GatewayError(int status, String type, String code, String param, String message,
                           boolean retryable, boolean failover, boolean clientRetryable,
                           Duration retryAfter) {

    private static final String UPSTREAM = "upstream_error";

    public GatewayError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
    }

    /** An error a retry cannot fix, e.g. a bad request. */
    public static GatewayError fatal(int status, String type, String code, String param, String message) {
        return new GatewayError(status, type, code, param, message, false, false, false, null);
    }

    public static GatewayError invalidRequest(String code, String param, String message) {
        return fatal(400, "invalid_request_error", code, param, message);
    }

    public static GatewayError internal(String message) {
        return new GatewayError(500, "server_error", "internal_error", null, message, false, false, true, null);
    }

    /**
     * The gateway's own refusal for now (a key over its rate or concurrency limit, the shared limit
     * store unreachable): the request never left, so nothing is retried or failed over; the client
     * may try again after {@code retryAfter}.
     */
    public static GatewayError tryLater(int status, String type, String code, String message, Duration retryAfter) {
        return new GatewayError(status, type, code, null, message, false, false, true, retryAfter);
    }

    /**
     * SPEC §4 "vendor 5xx / overloaded": {@code 503 upstream_unavailable}. Also a connection that
     * failed or closed, and an answer or stream the vendor did not finish: retried, failed over,
     * and the client may retry.
     */
    public static GatewayError upstreamUnavailable(String message) {
        return transientUpstream(503, "upstream_unavailable", message);
    }

    /** SPEC §4 "no first byte / stream stalled past its timeout": {@code 504 upstream_timeout}. */
    public static GatewayError upstreamTimeout(String message) {
        return transientUpstream(504, "upstream_timeout", message);
    }

    /** SPEC §4 "every candidate was rate-limited upstream": {@code 429 upstream_rate_limited}. */
    public static GatewayError upstreamRateLimited(String message) {
        return new GatewayError(429, "rate_limit_error", "upstream_rate_limited", null, message, true, true, true, null);
    }

    /** A vendor answer Junction cannot read: {@code 502 upstream_invalid_response}, retried and failed over. */
    public static GatewayError upstreamInvalidResponse(String message) {
        return transientUpstream(502, "upstream_invalid_response", message);
    }

    /**
     * SPEC §4 / §5 {@code stream_interrupted}: the vendor cut its stream. Before the commit point the
     * gateway still retries or fails over; the in-band error sent after it is {@link #terminal()}.
     */
    public static GatewayError streamInterrupted(String message) {
        return transientUpstream(502, "stream_interrupted", message);
    }

    /** SPEC §4: the vendor rejected Junction's own key, {@code 502 upstream_authentication_failed} (never 401). */
    public static GatewayError upstreamAuthenticationFailed(String message) {
        return deploymentProblem(502, UPSTREAM, "upstream_authentication_failed", null, message);
    }

    /** SPEC §4: the vendor account is out of quota or credit, {@code 503 upstream_quota_exhausted}. */
    public static GatewayError upstreamQuotaExhausted(String message) {
        return deploymentProblem(503, UPSTREAM, "upstream_quota_exhausted", null, message);
    }

    /** The vendor does not know the deployment's model (the operator's configuration): {@code 502 upstream_model_not_found}. */
    public static GatewayError upstreamModelNotFound(String message) {
        return deploymentProblem(502, UPSTREAM, "upstream_model_not_found", null, message);
    }

    /** A vendor error with no more specific code: {@code 502 upstream_error}, failed over but not retried. */
    public static GatewayError upstreamError(String message) {
        return deploymentProblem(502, UPSTREAM, "upstream_error", null, message);
    }

    /** Same error, not retried on the same deployment (another deployment may still be tried). */
    public GatewayError withoutRetry() {
        return new GatewayError(status, type, code, param, message, false, failover, clientRetryable, retryAfter);
    }

    /** Same error, but another deployment may answer it (e.g. a vendor's own context or size limit). */
    public GatewayError withFailover() {
        return new GatewayError(status, type, code, param, message, retryable, true, clientRetryable, retryAfter);
    }

    /** Same error, final for this request: the gateway neither retries nor fails over. */
    public GatewayError terminal() {
        return new GatewayError(status, type, code, param, message, false, false, clientRetryable, retryAfter);
    }

    public GatewayError withRetryAfter(Duration d) {
        return new GatewayError(status, type, code, param, message, retryable, failover, clientRetryable, d);
    }

    public GatewayError withMessage(String m) {
        return new GatewayError(status, type, code, param, m, retryable, failover, clientRetryable, retryAfter);
    }

    private static GatewayError transientUpstream(int status, String code, String message) {
        return new GatewayError(status, UPSTREAM, code, null, message, true, true, true, null);
    }

    /** What this deployment cannot serve and waiting will not change: another deployment may. */
    private static GatewayError deploymentProblem(int status, String type, String code, String param, String message) {
        return new GatewayError(status, type, code, param, message, false, true, false, null);
    }
}

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
 */
public record GatewayError(int status, String type, String code, String param, String message,
                           boolean retryable, boolean failover, boolean clientRetryable,
                           Duration retryAfter) {

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

    public GatewayError withRetryAfter(Duration d) {
        return new GatewayError(status, type, code, param, message, retryable, failover, clientRetryable, d);
    }

    public GatewayError withMessage(String m) {
        return new GatewayError(status, type, code, param, m, retryable, failover, clientRetryable, retryAfter);
    }
}

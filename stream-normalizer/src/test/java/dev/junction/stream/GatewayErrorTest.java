package dev.junction.stream;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each named factory gives its SPEC §4 status, type and code, and what the gateway may do about it. */
class GatewayErrorTest {

    private static void spec(GatewayError e, int status, String type, String code) {
        assertEquals(status, e.status(), e.code());
        assertEquals(type, e.type(), e.code());
        assertEquals(code, e.code());
    }

    @Test
    void upstreamFailuresCarryTheStatusOfSpecSection4() {
        spec(GatewayError.upstreamUnavailable("m"), 503, "upstream_error", "upstream_unavailable");
        spec(GatewayError.upstreamTimeout("m"), 504, "upstream_error", "upstream_timeout");
        spec(GatewayError.upstreamRateLimited("m"), 429, "rate_limit_error", "upstream_rate_limited");
        spec(GatewayError.upstreamAuthenticationFailed("m"), 502, "upstream_error", "upstream_authentication_failed");
        spec(GatewayError.upstreamQuotaExhausted("m"), 503, "upstream_error", "upstream_quota_exhausted");
        spec(GatewayError.streamInterrupted("m"), 502, "upstream_error", "stream_interrupted");
    }

    @Test
    void transientFailuresAreRetriedAndFailedOver() {
        for (GatewayError e : new GatewayError[] {GatewayError.upstreamUnavailable("m"), GatewayError.upstreamTimeout("m"),
                GatewayError.upstreamRateLimited("m"), GatewayError.upstreamInvalidResponse("m"),
                GatewayError.streamInterrupted("m")}) {
            assertTrue(e.retryable() && e.failover() && e.clientRetryable(), e.code());
        }
    }

    @Test
    void aDeploymentProblemFailsOverButIsNotRetried() {
        for (GatewayError e : new GatewayError[] {GatewayError.upstreamAuthenticationFailed("m"),
                GatewayError.upstreamQuotaExhausted("m"), GatewayError.upstreamModelNotFound("m"),
                GatewayError.upstreamError("m")}) {
            assertFalse(e.retryable(), e.code());
            assertTrue(e.failover(), e.code());
            assertFalse(e.clientRetryable(), e.code()); // x-should-retry: false
        }
    }

    @Test
    void modifiersChangeOnlyWhatTheGatewayDoes() {
        GatewayError e = GatewayError.upstreamUnavailable("m").withRetryAfter(Duration.ofSeconds(2));
        GatewayError t = e.terminal();
        assertFalse(t.retryable() || t.failover());
        assertTrue(t.clientRetryable());
        assertEquals(Duration.ofSeconds(2), t.retryAfter());
        spec(t, 503, "upstream_error", "upstream_unavailable");
        GatewayError w = e.withoutRetry();
        assertFalse(w.retryable());
        assertTrue(w.failover());
        GatewayError f = GatewayError.invalidRequest("context_length_exceeded", "messages", "m").withFailover();
        assertFalse(f.retryable());
        assertTrue(f.failover());
        spec(f, 400, "invalid_request_error", "context_length_exceeded");
    }

    @Test
    void theGatewaysOwnRefusalIsNeverRetriedButTheClientMayTryLater() {
        GatewayError e = GatewayError.tryLater(429, "rate_limit_error", "rate_limit_exceeded", "m", Duration.ofSeconds(3));
        spec(e, 429, "rate_limit_error", "rate_limit_exceeded");
        assertFalse(e.retryable() || e.failover());
        assertTrue(e.clientRetryable());
        assertEquals(Duration.ofSeconds(3), e.retryAfter());
    }
}

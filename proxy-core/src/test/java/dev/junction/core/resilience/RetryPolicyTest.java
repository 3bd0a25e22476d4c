package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import dev.junction.core.time.RandomSource;
import dev.junction.stream.GatewayError;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private static final GatewayError UNAVAILABLE = GatewayError.upstreamUnavailable("vendor overloaded");
    private static final GatewayError QUOTA = GatewayError.upstreamQuotaExhausted("out of credit");
    private static final GatewayError BAD_REQUEST = GatewayError.invalidRequest("invalid_value", "temperature", "bad");

    private final FakeTicker ticker = new FakeTicker();
    private final RetryPolicy policy = ResiliencePolicies.defaults().retry().policy(RandomSource.seeded(1));

    @Test
    void failsOverAtOnceWhenAnotherDeploymentIsLeft() {
        RetryDecision d = policy.decide(1, 0, UNAVAILABLE, true, true, Deadline.none(ticker));
        assertEquals(RetryDecision.Action.FAILOVER, d.action());
        assertEquals(0, d.delayNanos());
        assertEquals(RetryDecision.Action.FAILOVER, policy.decide(1, 0, QUOTA, true, true, Deadline.none(ticker)).action());
    }

    @Test
    void retriesTheSameDeploymentWithBackoffWhenItIsTheOnlyOne() {
        RetryDecision d = policy.decide(1, 0, UNAVAILABLE, true, false, Deadline.none(ticker));
        assertEquals(RetryDecision.Action.RETRY_SAME, d.action());
        assertTrue(d.delayNanos() >= 0 && d.delayNanos() <= Duration.ofMillis(100).toNanos());
    }

    @Test
    void honoursRetryAfterOnTheSameDeployment() {
        GatewayError limited = UNAVAILABLE.withRetryAfter(Duration.ofSeconds(2));
        RetryDecision d = policy.decide(1, 0, limited, true, false, Deadline.after(Duration.ofSeconds(10), ticker));
        assertEquals(RetryDecision.Action.RETRY_SAME, d.action());
        assertEquals(Duration.ofSeconds(2).toNanos(), d.delayNanos());
        RetryDecision late = policy.decide(1, 0, limited, true, false, Deadline.after(Duration.ofSeconds(1), ticker));
        assertEquals(RetryDecision.stop(NoRetryReason.DEADLINE_EXCEEDED), late);
    }

    @Test
    void stopsForEachReasonAndCountsIt() {
        Deadline none = Deadline.none(ticker);
        assertEquals(NoRetryReason.NOT_REPLAYABLE, policy.decide(1, 0, UNAVAILABLE, false, true, none).reason());
        assertEquals(NoRetryReason.NOT_RETRYABLE, policy.decide(1, 0, BAD_REQUEST, true, true, none).reason());
        assertEquals(NoRetryReason.ATTEMPTS_EXHAUSTED, policy.decide(3, 0, UNAVAILABLE, true, true, none).reason());
        Deadline passed = Deadline.after(Duration.ofMillis(5), ticker);
        ticker.advanceMillis(5);
        assertEquals(NoRetryReason.DEADLINE_EXCEEDED, policy.decide(1, 0, UNAVAILABLE, true, true, passed).reason());
        assertEquals(NoRetryReason.NO_OTHER_DEPLOYMENT, policy.decide(1, 0, QUOTA, true, false, none).reason());
        assertEquals(NoRetryReason.RETRY_AFTER_TOO_LONG, policy.decide(1, 0,
                UNAVAILABLE.withRetryAfter(Duration.ofMinutes(5)), true, false, none).reason());
        policy.decide(1, 0, BAD_REQUEST, true, true, none);

        var counts = policy.noRetryCounts();
        assertEquals(2L, counts.get(NoRetryReason.NOT_RETRYABLE));
        for (NoRetryReason r : NoRetryReason.values()) {
            if (r != NoRetryReason.NOT_RETRYABLE) {
                assertEquals(1L, counts.get(r), r.label());
            }
        }
        assertEquals("not_replayable", NoRetryReason.NOT_REPLAYABLE.label());
    }

    @Test
    void commitPointWinsOverEverything() {
        // SPEC §5: once a byte reached the client, even a retryable error with spare deployments stops.
        RetryDecision d = policy.decide(1, 0, UNAVAILABLE, false, true, Deadline.none(ticker));
        assertEquals(RetryDecision.stop(NoRetryReason.NOT_REPLAYABLE), d);
    }
}

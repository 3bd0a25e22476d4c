package dev.junction.core.resilience;

/**
 * What to do after a failed attempt, in the spirit of Armeria's {@code RetryDecision}.
 *
 * @param action     retry the same deployment, fail over to the next candidate, or stop
 * @param delayNanos wait before the next attempt (0 for failover and stop)
 * @param reason     why not, when {@code action == STOP}; null otherwise
 */
public record RetryDecision(Action action, long delayNanos, NoRetryReason reason) {

    public enum Action { RETRY_SAME, FAILOVER, STOP }

    public static RetryDecision retrySame(long delayNanos) {
        return new RetryDecision(Action.RETRY_SAME, delayNanos, null);
    }

    public static RetryDecision failover() {
        return new RetryDecision(Action.FAILOVER, 0, null);
    }

    public static RetryDecision stop(NoRetryReason reason) {
        return new RetryDecision(Action.STOP, 0, reason);
    }

    public boolean retries() {
        return action != Action.STOP;
    }
}

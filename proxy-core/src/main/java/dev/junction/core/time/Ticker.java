package dev.junction.core.time;

/**
 * A source of monotonic nanoseconds, like {@link System#nanoTime()}, injected wherever a policy
 * depends on elapsed time (backoff, circuit breaker cool-downs, error-rate windows, deadlines) so
 * those policies are tested without sleeping (DESIGN house rule 8). Values are only meaningful as
 * differences.
 */
@FunctionalInterface
public interface Ticker {

    long nanos();

    /** The JVM's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}

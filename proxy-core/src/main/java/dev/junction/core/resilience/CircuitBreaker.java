package dev.junction.core.resilience;

import dev.junction.core.time.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Per-deployment circuit breaker (SPEC §7): CLOSED until the failure rate over the sliding window
 * reaches the threshold with at least {@code minimumCalls} calls, then OPEN (no traffic) for the
 * cool-down, then HALF_OPEN admitting at most {@code halfOpenProbes} concurrent probe attempts. A
 * probe that succeeds closes the circuit (with a fresh window); one that fails re-opens it for
 * another cool-down.
 *
 * <p>Use: the router filters candidates with {@link #isAvailable()} (no side effect); the caller
 * calls {@link #tryAcquire()} right before sending an attempt and skips the deployment when it is
 * refused, then reports exactly one of {@link #onSuccess()}, {@link #onFailure()} or
 * {@link #onCancelled()} for each acquired attempt. Only failures that say something about the
 * deployment's health (5xx, timeouts, connection errors, upstream rate limits) should be reported as
 * failures; a 400 caused by the client's request is a success for the breaker.
 *
 * <p>State lives in one immutable record behind an {@link AtomicReference}: transitions are CAS
 * loops, never locks (calls come from event-loop threads).
 */
public final class CircuitBreaker {

    public enum State { CLOSED, OPEN, HALF_OPEN }

    /**
     * @param failureRateThreshold open when failures / calls in the window reach this (0..1]
     * @param minimumCalls         fewer calls than this in the window never open the circuit
     * @param window               length of the sliding window
     * @param buckets              buckets in the window (resolution)
     * @param openFor              cool-down before the first probe
     * @param halfOpenProbes       concurrent probe attempts admitted while half-open
     */
    public record Settings(double failureRateThreshold, int minimumCalls, Duration window, int buckets,
                           Duration openFor, int halfOpenProbes) {
        public Settings {
            if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
                throw new IllegalArgumentException("failure-rate-threshold must be in (0, 1]");
            }
            if (minimumCalls < 1 || buckets < 1 || halfOpenProbes < 1) {
                throw new IllegalArgumentException("minimum-calls, buckets and half-open-probes must be >= 1");
            }
            if (window.isNegative() || window.isZero() || openFor.isNegative()) {
                throw new IllegalArgumentException("window must be > 0 and open-for >= 0");
            }
        }
    }

    private record Status(State state, long openedAt, int probes) {
    }

    private static final Status CLOSED = new Status(State.CLOSED, 0, 0);

    private final Settings settings;
    private final Ticker ticker;
    private final SlidingWindow window;
    private final long openForNanos;
    private final AtomicReference<Status> status = new AtomicReference<>(CLOSED);

    public CircuitBreaker(Settings settings, Ticker ticker) {
        this.settings = settings;
        this.ticker = ticker;
        this.window = new SlidingWindow(settings.window(), settings.buckets(), ticker);
        this.openForNanos = settings.openFor().toNanos();
    }

    public State state() {
        Status s = status.get();
        if (s.state == State.OPEN && coolDownOver(s)) {
            return State.HALF_OPEN;
        }
        return s.state;
    }

    public Settings settings() {
        return settings;
    }

    /** Whether an attempt would be admitted now; no side effect (for candidate filtering). */
    public boolean isAvailable() {
        Status s = status.get();
        return switch (s.state) {
            case CLOSED -> true;
            case OPEN -> coolDownOver(s);
            case HALF_OPEN -> s.probes < settings.halfOpenProbes();
        };
    }

    /** Nanoseconds until an open circuit admits a probe; 0 when not open (for Retry-After). */
    public long remainingOpenNanos() {
        Status s = status.get();
        if (s.state != State.OPEN) {
            return 0;
        }
        return Math.max(0, s.openedAt + openForNanos - ticker.nanos());
    }

    /** Admits an attempt (taking a probe permit when half-open) or refuses it. */
    public boolean tryAcquire() {
        while (true) {
            Status s = status.get();
            switch (s.state) {
                case CLOSED:
                    return true;
                case OPEN:
                    if (!coolDownOver(s)) {
                        return false;
                    }
                    if (status.compareAndSet(s, new Status(State.HALF_OPEN, s.openedAt, 1))) {
                        return true;
                    }
                    break;
                case HALF_OPEN:
                    if (s.probes >= settings.halfOpenProbes()) {
                        return false;
                    }
                    if (status.compareAndSet(s, new Status(State.HALF_OPEN, s.openedAt, s.probes + 1))) {
                        return true;
                    }
                    break;
                default:
                    throw new IllegalStateException(s.state.name());
            }
        }
    }

    public void onSuccess() {
        window.record(false);
        while (true) {
            Status s = status.get();
            if (s.state != State.HALF_OPEN) {
                return;
            }
            if (status.compareAndSet(s, CLOSED)) {
                window.reset();
                return;
            }
        }
    }

    public void onFailure() {
        window.record(true);
        while (true) {
            Status s = status.get();
            switch (s.state) {
                case HALF_OPEN:
                    if (status.compareAndSet(s, new Status(State.OPEN, ticker.nanos(), 0))) {
                        return;
                    }
                    break;
                case CLOSED:
                    SlidingWindow.Counts c = window.counts();
                    if (c.calls() < settings.minimumCalls() || c.failureRate() < settings.failureRateThreshold()) {
                        return;
                    }
                    if (status.compareAndSet(s, new Status(State.OPEN, ticker.nanos(), 0))) {
                        return;
                    }
                    break;
                default:
                    return;
            }
        }
    }

    /** An acquired attempt ended without a health signal (client gone, hedge lost): frees its probe. */
    public void onCancelled() {
        while (true) {
            Status s = status.get();
            if (s.state != State.HALF_OPEN || s.probes == 0) {
                return;
            }
            if (status.compareAndSet(s, new Status(State.HALF_OPEN, s.openedAt, s.probes - 1))) {
                return;
            }
        }
    }

    /** Calls and failures in the current window. */
    public SlidingWindow.Counts windowCounts() {
        return window.counts();
    }

    private boolean coolDownOver(Status s) {
        return ticker.nanos() - s.openedAt >= openForNanos;
    }
}

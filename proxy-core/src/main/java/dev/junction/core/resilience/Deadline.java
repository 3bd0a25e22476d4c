package dev.junction.core.resilience;

import dev.junction.core.time.Ticker;
import dev.junction.stream.GatewayError;

import java.time.Duration;

/**
 * The whole-request deadline, retries included (SPEC §3 {@code x-junction-deadline-ms}). Retries,
 * backoff waits and hedges never start past it; the caller also uses {@link #remainingNanos()} to
 * bound each attempt's own timeout.
 */
public final class Deadline {

    /** The request header carrying a deadline in milliseconds from receipt. */
    public static final String HEADER = "x-junction-deadline-ms";

    private final Ticker ticker;
    private final long deadlineNanos;
    private final boolean unbounded;

    private Deadline(Ticker ticker, long deadlineNanos, boolean unbounded) {
        this.ticker = ticker;
        this.deadlineNanos = deadlineNanos;
        this.unbounded = unbounded;
    }

    /** No deadline: {@link #remainingNanos()} is {@link Long#MAX_VALUE}. */
    public static Deadline none(Ticker ticker) {
        return new Deadline(ticker, 0, true);
    }

    public static Deadline after(Duration d, Ticker ticker) {
        return new Deadline(ticker, ticker.nanos() + Math.max(0, d.toNanos()), false);
    }

    /**
     * The deadline a request asked for, or {@code fallback} (null for none) when it sent no header.
     * A header larger than {@code max} (when not null) is clamped to it: the gateway's own bound on
     * how long one request may hold resources wins.
     *
     * @throws InvalidHeaderException with a 400 {@code invalid_value} when the header is not a
     *                                positive whole number of milliseconds
     */
    public static Deadline fromHeader(String value, Duration fallback, Duration max, Ticker ticker) {
        if (value == null || value.isBlank()) {
            return fallback == null ? none(ticker) : after(fallback, ticker);
        }
        long ms;
        try {
            ms = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            ms = -1;
        }
        if (ms <= 0) {
            throw new InvalidHeaderException(GatewayError.invalidRequest("invalid_value", HEADER,
                    HEADER + " must be a positive whole number of milliseconds (e.g. 30000), got \"" + value + "\""));
        }
        Duration d = Duration.ofMillis(ms);
        if (max != null && d.compareTo(max) > 0) {
            d = max;
        }
        return after(d, ticker);
    }

    public boolean isUnbounded() {
        return unbounded;
    }

    /** Nanoseconds left, never negative; {@link Long#MAX_VALUE} when unbounded. */
    public long remainingNanos() {
        if (unbounded) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, deadlineNanos - ticker.nanos());
    }

    public boolean expired() {
        return !unbounded && ticker.nanos() - deadlineNanos >= 0;
    }

    /** Whether waiting {@code nanos} and then starting an attempt still happens before the deadline. */
    public boolean allows(long nanos) {
        return unbounded || nanos < remainingNanos();
    }

    @Override
    public String toString() {
        return unbounded ? "Deadline[none]" : "Deadline[" + Duration.ofNanos(remainingNanos()).toMillis() + "ms left]";
    }
}

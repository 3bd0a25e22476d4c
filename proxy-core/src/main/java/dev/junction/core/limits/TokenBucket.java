package dev.junction.core.limits;

/**
 * A per-minute limit as a token bucket that refills continuously (SPEC §7.1 "windows that do not
 * reset in a burst at the minute boundary"): capacity = the limit, refill = limit / 60 s. A full
 * bucket admits a burst of the whole limit; after that, room comes back smoothly (a 600 rpm key
 * gets one request every 100 ms), so there is no instant at which a fresh minute admits a second
 * full burst, unlike a fixed window. This is the same admission rule as GCRA. The Redis store runs
 * the same arithmetic in its Lua scripts ({@code reserve.lua}, {@code settle.lua}); a deployment's
 * configured vendor limits use it too ({@code VendorHeadroom}). Not thread-safe: the owner locks.
 *
 * <p>The level may go below zero: a tpm reservation larger than what is left is admitted when the
 * bucket holds at least {@code min(estimate, capacity)} (so a request larger than the whole limit
 * can still run on a full bucket), and a settlement that reports more tokens than were reserved
 * takes the difference; the debt is paid back by the refill before anything else is admitted.
 */
public final class TokenBucket {

    public static final long WINDOW_MILLIS = 60_000;

    private double level = Double.NaN;
    private long at;

    /** Refills up to {@code capacity} for the time since the last call; returns the level. */
    public double level(long nowMillis, long capacity) {
        if (Double.isNaN(level)) {
            level = capacity;
        } else if (nowMillis > at) {
            level = Math.min(capacity, level + (nowMillis - at) * (double) capacity / WINDOW_MILLIS);
        } else {
            level = Math.min(capacity, level);
        }
        at = Math.max(at, nowMillis);
        return level;
    }

    /** Milliseconds until the bucket holds {@code need} (0 when it already does). */
    public static long waitMillis(double level, double need, long capacity) {
        if (level >= need) {
            return 0;
        }
        return (long) Math.ceil((need - level) * WINDOW_MILLIS / capacity);
    }

    /** Milliseconds until the bucket is full again. */
    public static long resetMillis(double level, long capacity) {
        return waitMillis(level, capacity, capacity);
    }

    public void take(double n) {
        level -= n;
    }

    /** Gives back (or, negative, takes) {@code n}; never above {@code capacity}. */
    public void adjust(double n, long capacity) {
        level = Math.min(capacity, level + n);
    }
}

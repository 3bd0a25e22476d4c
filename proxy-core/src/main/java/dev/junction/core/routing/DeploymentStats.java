package dev.junction.core.routing;

import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.resilience.SlidingWindow;
import dev.junction.core.time.Ticker;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live statistics of one deployment, read by the latency strategy, hedging and
 * {@code /admin/routes}; they survive config reloads for unchanged deployments
 * ({@link RouteTable#build}). Thread-safe and lock-free on the request path; memory is bounded: a
 * fixed ring of recent time-to-first-token samples and a fixed ring of error-rate buckets.
 *
 * <p>Per attempt the caller calls {@link #start()}, then {@link #recordTtft(long)} when the first
 * byte arrives, then exactly one of {@link #recordSuccess()}, {@link #recordFailure(String)},
 * {@link #recordCancelled()} or {@link #recordCancelled(long)}.
 *
 * <p>An attempt cancelled before its first byte (it lost a hedge race, or the client went away)
 * still says something about the deployment: its first byte would have come no earlier than the
 * time already waited. {@link #recordCancelled(long)} records that wait as a cut-off sample when it
 * is longer than the current average, so that a slow tail which hedging keeps cutting off stays
 * visible to the latency strategy (average and p99; a lower bound, it never overstates the tail).
 * Shorter waits carry no information about the tail and are left out, so that a hedge that lost
 * early does not make its deployment look faster than it is. The p50 and p95 (the hedge delay)
 * are of answered attempts only.
 */
public final class DeploymentStats {

    /** JSON-friendly view for {@code /admin/routes}; times in milliseconds, -1 when unknown. */
    public record Snapshot(double ewmaTtftMs, double p50TtftMs, double p95TtftMs, double p99TtftMs,
                           long ttftSamples, double errorRate, long windowCalls, int inFlight, long totalRequests,
                           long totalErrors, String lastErrorCode) {
    }

    /**
     * @param answered samples of attempts that produced a first byte (p50, p95 come from these)
     * @param all      those plus the cut-off waits (p99 comes from these)
     */
    private record Percentiles(long count, int answered, long p50, long p95, int all, long p99) {
    }

    private static final long NONE = -1;

    private final ResiliencePolicies.Stats settings;
    private final Ticker ticker;
    private final double alpha;
    private final long staleAfterNanos;

    private final AtomicLong ewmaBits = new AtomicLong(Double.doubleToRawLongBits(NONE));
    private final AtomicLong lastSampleAt = new AtomicLong();
    private final AtomicLongArray ring;
    private final int refreshEvery;
    private final AtomicLong reserved = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private volatile Percentiles percentiles = new Percentiles(0, 0, NONE, NONE, 0, NONE);

    private final SlidingWindow errors;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder totalRequests = new LongAdder();
    private final LongAdder totalErrors = new LongAdder();
    private volatile String lastErrorCode;
    private final VendorHeadroom headroom = new VendorHeadroom(System::currentTimeMillis);

    public DeploymentStats(ResiliencePolicies.Stats settings, Ticker ticker) {
        this.settings = settings;
        this.ticker = ticker;
        this.alpha = settings.ewmaDecay();
        this.staleAfterNanos = settings.staleAfter().toNanos();
        this.ring = new AtomicLongArray(settings.latencySamples());
        this.refreshEvery = Math.max(1, settings.latencySamples() / 32);
        this.errors = new SlidingWindow(settings.errorWindow(), settings.errorBuckets(), ticker);
    }

    public ResiliencePolicies.Stats settings() {
        return settings;
    }

    /** An attempt starts: counts it in flight (the caller measures its TTFT with its own clock reading). */
    public void start() {
        inFlight.incrementAndGet();
        totalRequests.increment();
    }

    /** The attempt's first byte arrived {@code ttftNanos} after {@link #start()}. */
    public void recordTtft(long ttftNanos) {
        sample(Math.max(0, ttftNanos), false);
    }

    /** {@code cutOff}: a wait without a first byte, kept in the ring as {@code -t} (t > 0). */
    private void sample(long t, boolean cutOff) {
        while (true) {
            long bits = ewmaBits.get();
            double old = Double.longBitsToDouble(bits);
            double next = old < 0 ? t : old + alpha * (t - old);
            if (ewmaBits.compareAndSet(bits, Double.doubleToRawLongBits(next))) {
                break;
            }
        }
        // Reserve a slot, fill it, then publish: readers never count a slot that is not written yet.
        long slot = reserved.getAndIncrement();
        ring.set((int) (slot % ring.length()), cutOff ? -t : t);
        samples.incrementAndGet();
        lastSampleAt.set(ticker.nanos());
    }

    public void recordSuccess() {
        inFlight.decrementAndGet();
        errors.record(false);
    }

    /** A failure that says something about the deployment's health; {@code code} is the SPEC §4 code. */
    public void recordFailure(String code) {
        inFlight.decrementAndGet();
        errors.record(true);
        totalErrors.increment();
        lastErrorCode = code;
    }

    /** The attempt ended without a health signal (client disconnected, hedge lost, client error). */
    public void recordCancelled() {
        inFlight.decrementAndGet();
    }

    /**
     * As {@link #recordCancelled()}, for an attempt that had waited {@code waitedNanos} without a
     * first byte: a wait longer than the current average is recorded as a (censored) TTFT sample.
     */
    public void recordCancelled(long waitedNanos) {
        double ewma = ewmaTtftNanos();
        if (ewma >= 0 && waitedNanos > ewma) {
            sample(waitedNanos, true);
        }
        inFlight.decrementAndGet();
    }

    /** Moving average of TTFT in nanoseconds, or -1 before the first sample. */
    public double ewmaTtftNanos() {
        return Double.longBitsToDouble(ewmaBits.get());
    }

    /** Whether a TTFT sample arrived within {@code stats.stale-after}. */
    public boolean hasRecentSample() {
        return hasRecentSample(ticker.nanos());
    }

    /** As {@link #hasRecentSample()}, at a ticker reading the caller already has. */
    public boolean hasRecentSample(long nowNanos) {
        return samples.get() > 0 && nowNanos - lastSampleAt.get() < staleAfterNanos;
    }

    public long ttftSamples() {
        return samples.get();
    }

    /** Median of the recent TTFT samples of answered attempts, or -1 when there are none. */
    public long p50TtftNanos() {
        return percentiles().p50;
    }

    /**
     * 95th percentile of the recent TTFT samples of answered attempts, or -1 with fewer than
     * {@code min-samples-for-p95}. Cut-off waits are left out: this is the p95 hedge delay, and a
     * wait cut off by a hedge lasts the hedge delay plus the hedge's own TTFT, so counting it
     * would raise the delay, which would lengthen the next cut-off waits, and so on.
     */
    public long p95TtftNanos() {
        Percentiles p = percentiles();
        return p.answered >= settings.minSamplesForP95() ? p.p95 : NONE;
    }

    /**
     * 99th percentile of the recent TTFT samples, cut-off waits included (as lower bounds), or -1
     * with fewer than {@code min-samples-for-p95}. Nearest rank: with the default 128 samples it is
     * the second slowest, so one outlier alone does not move it. The latency strategy's tail figure.
     */
    public long p99TtftNanos() {
        Percentiles p = percentiles();
        return p.all >= settings.minSamplesForP95() ? p.p99 : NONE;
    }

    /** Failures / attempts over the sliding error window. */
    public double errorRate() {
        return errors.counts().failureRate();
    }

    /** As {@link #errorRate()}, at a ticker reading the caller already has. */
    public double errorRate(long nowNanos) {
        return errors.counts(nowNanos).failureRate();
    }

    /** What the vendor lets this deployment do now (its rate limits, SPEC §7.1). */
    public VendorHeadroom headroom() {
        return headroom;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public Snapshot snapshot() {
        SlidingWindow.Counts c = errors.counts();
        Percentiles p = percentiles();
        double ewma = ewmaTtftNanos();
        return new Snapshot(ewma < 0 ? -1 : ewma / 1e6, ms(p.p50), ms(p95TtftNanos()), ms(p99TtftNanos()),
                samples.get(),
                c.failureRate(), c.calls(), inFlight.get(), totalRequests.sum(), totalErrors.sum(), lastErrorCode);
    }

    private static double ms(long nanos) {
        return nanos < 0 ? -1 : nanos / 1e6;
    }

    /**
     * Recomputed only when samples arrived since the last computation (sorting ≤ ring size longs),
     * and once the ring is full only every {@code ring/32} new samples: the latency strategy reads
     * the p99 of every candidate on every decision, and a busy deployment gets a sample per request.
     */
    private Percentiles percentiles() {
        Percentiles p = percentiles;
        long n = samples.get();
        if (p.count == n || (p.count >= ring.length() && n - p.count < refreshEvery)) {
            return p;
        }
        int size = (int) Math.min(n, ring.length());
        long[] copy = new long[size];
        for (int i = 0; i < size; i++) {
            copy[i] = ring.get(i);
        }
        // One sort: the cut-off waits (stored negative) come first, longest first; the answered
        // samples follow in ascending order.
        Arrays.sort(copy);
        int cut = 0;
        while (cut < size && copy[cut] < 0) {
            cut++;
        }
        int answered = size - cut;
        long p50 = answered == 0 ? NONE : copy[cut + rank(answered, 0.50)];
        long p95 = answered == 0 ? NONE : copy[cut + rank(answered, 0.95)];
        // p99 of all: walk down from the longest of either kind, merging the two sorted runs.
        int fromTop = size - 1 - rank(size, 0.99);
        int a = size - 1;   // next longest answered sample
        int c = 0;          // next longest cut-off wait
        long p99 = NONE;
        for (int k = 0; k <= fromTop; k++) {
            boolean takeAnswered = a >= cut && (c >= cut || copy[a] >= -copy[c]);
            p99 = takeAnswered ? copy[a--] : -copy[c++];
        }
        p = new Percentiles(n, answered, p50, p95, size, p99);
        percentiles = p;
        return p;
    }

    /** Nearest-rank percentile index. */
    private static int rank(int size, double q) {
        return Math.max(0, Math.min(size - 1, (int) Math.ceil(q * size) - 1));
    }
}

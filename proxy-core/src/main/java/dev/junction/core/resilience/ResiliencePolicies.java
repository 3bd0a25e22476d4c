package dev.junction.core.resilience;

import dev.junction.core.time.RandomSource;
import dev.junction.core.time.Ticker;

import java.time.Duration;

/**
 * The settings of the routing and resilience policies, with their defaults as constants
 * ({@link #defaults()}). {@code GatewaySnapshot.policies} lays {@code junction.resilience} over the
 * defaults (reference.conf documents each key):
 * <pre>
 * junction.resilience {
 *   retry { max-attempts, base, cap }                         → {@link Retry}
 *   circuit-breaker { failure-rate, minimum-requests, window, open-for, half-open-probes }
 *                                                             → {@link CircuitBreaker.Settings}
 *   hedge { budget-percent }                                  → {@link Hedge#budgetRatio()}
 *   latency-routing { tail-weight, tolerance, explore-percent } → {@link LatencyRouting}
 * }
 * </pre>
 * Everything else is fixed at its default and has no configuration key: the longest vendor
 * Retry-After waited out (2 s, {@code GatewaySnapshot.MAX_RETRY_AFTER}), the breaker's window
 * buckets, the hedge budget's burst and smallest delay, and every {@link Stats} setting.
 */
public record ResiliencePolicies(Retry retry, CircuitBreaker.Settings circuitBreaker, Hedge hedge, Stats stats,
                                 LatencyRouting latencyRouting) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(100);
    public static final Duration DEFAULT_BACKOFF_CAP = Duration.ofSeconds(5);
    public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(30);

    public static final double DEFAULT_FAILURE_RATE_THRESHOLD = 0.5;
    public static final int DEFAULT_MINIMUM_CALLS = 20;
    public static final Duration DEFAULT_BREAKER_WINDOW = Duration.ofSeconds(30);
    public static final int DEFAULT_BREAKER_BUCKETS = 10;
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(30);
    public static final int DEFAULT_HALF_OPEN_PROBES = 3;

    public static final double DEFAULT_HEDGE_BUDGET_RATIO = 0.1;
    public static final int DEFAULT_HEDGE_BUDGET_BURST = 10;
    public static final Duration DEFAULT_HEDGE_FLOOR = Duration.ofMillis(50);

    public static final double DEFAULT_EWMA_DECAY = 0.2;
    public static final int DEFAULT_LATENCY_SAMPLES = 128;
    public static final Duration DEFAULT_ERROR_WINDOW = Duration.ofSeconds(30);
    public static final int DEFAULT_ERROR_BUCKETS = 10;
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(60);
    public static final int DEFAULT_MIN_SAMPLES_FOR_P95 = 20;
    public static final double DEFAULT_ERROR_PENALTY = 5.0;

    public static final double DEFAULT_TAIL_WEIGHT = 0.5;
    public static final double DEFAULT_LATENCY_TOLERANCE = 0.25;
    public static final double DEFAULT_EXPLORE_SHARE = 0.02;

    /** The policies with the default latency-routing settings. */
    public ResiliencePolicies(Retry retry, CircuitBreaker.Settings circuitBreaker, Hedge hedge, Stats stats) {
        this(retry, circuitBreaker, hedge, stats, LatencyRouting.DEFAULT);
    }

    /**
     * Attempts in total (first included), backoff base and cap (full jitter), and the longest
     * vendor Retry-After that is waited out rather than given up on.
     */
    public record Retry(int maxAttempts, Duration base, Duration cap, Duration maxRetryAfter) {
        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry.max-attempts must be >= 1");
            }
        }

        public RetryPolicy policy(RandomSource random) {
            return new RetryPolicy(maxAttempts, new Backoff(base, cap, maxRetryAfter, random));
        }
    }

    /**
     * {@code hedge { ... }}: the budget shared by an alias's requests (a ratio of requests plus a
     * reserve of {@code minPerSecond} hedges a second, see {@link HedgeBudget}) and the smallest
     * hedge delay.
     */
    public record Hedge(double budgetRatio, int budgetBurst, Duration floor, double minPerSecond) {

        /** With the default reserve of {@value #DEFAULT_HEDGE_MIN_PER_SECOND} hedge a second. */
        public Hedge(double budgetRatio, int budgetBurst, Duration floor) {
            this(budgetRatio, budgetBurst, floor, DEFAULT_HEDGE_MIN_PER_SECOND);
        }

        public HedgeBudget newBudget() {
            return new HedgeBudget(budgetRatio, budgetBurst, minPerSecond, Ticker.system());
        }
    }

    /**
     * How deployment statistics are kept (not configurable: always {@link #defaults()}).
     *
     * @param ewmaDecay       weight of a new TTFT sample in the moving average, in (0, 1]
     * @param latencySamples  size of the ring of recent TTFT samples (p50/p95)
     * @param errorWindow     the error rate's sliding window
     * @param errorBuckets    its buckets
     * @param staleAfter      a deployment with no TTFT sample for this long is explored again by the
     *                        latency strategy (its average no longer says anything)
     * @param minSamplesForP95 fewer samples than this and p95 is "unknown" (no p95 hedge)
     * @param errorPenalty    the latency strategy multiplies a score by {@code 1 + errorPenalty × error rate}
     */
    public record Stats(double ewmaDecay, int latencySamples, Duration errorWindow, int errorBuckets,
                        Duration staleAfter, int minSamplesForP95, double errorPenalty) {
        public Stats {
            if (!(ewmaDecay > 0 && ewmaDecay <= 1)) {
                throw new IllegalArgumentException("stats.ewma-decay must be in (0, 1]");
            }
            if (latencySamples < 1 || errorBuckets < 1 || minSamplesForP95 < 1 || errorPenalty < 0) {
                throw new IllegalArgumentException("stats sizes must be >= 1 and error-penalty >= 0");
            }
        }
    }

    /**
     * {@code latency-routing { ... }} ({@code explore-percent / 100} is {@code exploreShare}): how the {@code latency} strategy (SPEC §7) turns statistics into
     * a choice. A deployment's figure is its tail-aware latency
     * {@code EWMA + tailWeight × max(0, p99 − EWMA)} times {@code 1 + errorPenalty × error rate};
     * first attempts go to the deployments whose figure is within {@code tolerance} of the best
     * (power of two choices by in-flight load among those), and {@code exploreShare} of them to
     * one of the others, so that their statistics stay fresh and a recovered deployment is found.
     *
     * @param tailWeight   weight of the p99's excess over the average, in [0, 1]
     * @param tolerance    relative band around the best figure, >= 0 (0.25 = up to 25% worse)
     * @param exploreShare share of first attempts sent to a clearly worse deployment, in [0, 1)
     */
    public record LatencyRouting(double tailWeight, double tolerance, double exploreShare) {

        public static final LatencyRouting DEFAULT = new LatencyRouting(DEFAULT_TAIL_WEIGHT,
                DEFAULT_LATENCY_TOLERANCE, DEFAULT_EXPLORE_SHARE);

        public LatencyRouting {
            if (!(tailWeight >= 0 && tailWeight <= 1)) {
                throw new IllegalArgumentException("latency-routing.tail-weight must be in [0, 1]");
            }
            if (!(tolerance >= 0 && tolerance < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("latency-routing.tolerance must be >= 0");
            }
            if (!(exploreShare >= 0 && exploreShare < 1)) {
                throw new IllegalArgumentException("latency-routing.explore-percent must be in [0, 100)");
            }
        }
    }

    /** Hedges a second every hedging alias may start whatever its traffic (a fresh or quiet gateway too). */
    public static final double DEFAULT_HEDGE_MIN_PER_SECOND = 1;

    public static ResiliencePolicies defaults() {
        return new ResiliencePolicies(
                new Retry(DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_MAX_RETRY_AFTER),
                new CircuitBreaker.Settings(DEFAULT_FAILURE_RATE_THRESHOLD, DEFAULT_MINIMUM_CALLS,
                        DEFAULT_BREAKER_WINDOW, DEFAULT_BREAKER_BUCKETS, DEFAULT_OPEN_FOR, DEFAULT_HALF_OPEN_PROBES),
                new Hedge(DEFAULT_HEDGE_BUDGET_RATIO, DEFAULT_HEDGE_BUDGET_BURST, DEFAULT_HEDGE_FLOOR),
                new Stats(DEFAULT_EWMA_DECAY, DEFAULT_LATENCY_SAMPLES, DEFAULT_ERROR_WINDOW, DEFAULT_ERROR_BUCKETS,
                        DEFAULT_STALE_AFTER, DEFAULT_MIN_SAMPLES_FOR_P95, DEFAULT_ERROR_PENALTY));
    }

    /** A circuit breaker for one deployment with these settings. */
    public CircuitBreaker newCircuitBreaker(Ticker ticker) {
        return new CircuitBreaker(circuitBreaker, ticker);
    }
}

package dev.junction.core.routing;

import dev.junction.core.catalog.ModelInfo;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.RandomSource;
import dev.junction.core.time.Ticker;

import java.util.Comparator;
import java.util.List;

/** The four strategies of SPEC §7. */
public final class Strategies {

    public static final String PRIORITY = "priority";
    public static final String WEIGHTED = "weighted";
    public static final String LATENCY = "latency";
    public static final String COST = "cost";
    public static final List<String> NAMES = List.of(PRIORITY, WEIGHTED, LATENCY, COST);

    /** Output tokens assumed by the cost strategy when the request sets no max (capped by the model's max). */
    public static final int ASSUMED_OUTPUT_TOKENS = 1000;

    private Strategies() {
    }

    /** Config order. */
    public static RoutingStrategy priority() {
        return Priority.INSTANCE;
    }

    /**
     * Weighted random order: the first choice is deployment {@code i} with probability
     * {@code weight_i / Σ weight}, and the rest follow by weighted sampling without replacement
     * (Efraimidis–Spirakis keys {@code -ln(u) / w}). Weight 0 puts a deployment last.
     */
    public static RoutingStrategy weighted(RandomSource random) {
        return new Weighted(random);
    }

    /** {@link #latency(RandomSource, ResiliencePolicies.Stats, ResiliencePolicies.LatencyRouting, Ticker)} with the default routing settings. */
    public static RoutingStrategy latency(RandomSource random, ResiliencePolicies.Stats settings, Ticker ticker) {
        return latency(random, settings, ResiliencePolicies.LatencyRouting.DEFAULT, ticker);
    }

    /**
     * SPEC §7 {@code latency}: power of two choices on a decaying average of TTFT, penalised by
     * errors and in-flight load, refined so that a tail or an error rate keeps first attempts away
     * (docs/decisions.md, "Latency routing"):
     * <ol>
     *   <li>Each candidate gets a load-free figure: its tail-aware latency
     *       {@code EWMA + tailWeight × max(0, p99 − EWMA)} (EWMA alone until p99 is known) times
     *       {@code 1 + errorPenalty × error rate}. A candidate with no recent TTFT sample is explored:
     *       figure 0 when idle and error-free, else the best known latency as a prior.</li>
     *   <li>The candidates within {@code tolerance} of the best figure are comparable; the first
     *       attempt goes to one of them by power of two choices on in-flight load (the less loaded
     *       of two drawn at random), so comparable deployments share the load evenly and load never
     *       spreads onto a clearly worse one.</li>
     *   <li>With probability {@code exploreShare} the first attempt goes instead to one of the
     *       clearly worse candidates, uniformly, unless it already has an attempt in flight: their
     *       statistics stay fresh, a deployment that recovered comes back into the band, and one
     *       that hangs holds at most one exploring request at a time.</li>
     * </ol>
     * The rest follow for retries, failover and hedging: comparable candidates by figure × (1 +
     * in-flight), then the others by figure.
     */
    public static RoutingStrategy latency(RandomSource random, ResiliencePolicies.Stats settings,
                                          ResiliencePolicies.LatencyRouting routing, Ticker ticker) {
        return new Latency(random, settings.errorPenalty(), routing.tailWeight(), routing.tolerance(),
                routing.exploreShare(), ticker);
    }

    /** The tail-aware latency of a deployment with recent samples, in nanoseconds. */
    static double tailAwareLatency(DeploymentStats s, double tailWeight) {
        double ewma = s.ewmaTtftNanos();
        if (tailWeight == 0) {
            return ewma;
        }
        long p99 = s.p99TtftNanos();
        return p99 > ewma ? ewma + tailWeight * (p99 - ewma) : ewma;
    }

    /**
     * Cheapest estimated price of this request first: estimated input × input price + output ×
     * output price, where output is the requested max or {@value #ASSUMED_OUTPUT_TOKENS} (capped by
     * the model's max output). Ties keep config order.
     */
    public static RoutingStrategy cost() {
        return Cost.INSTANCE;
    }

    /** Estimated USD of {@code profile} on {@code d} (what the cost strategy compares). */
    public static double estimatedCost(Deployment d, RequestProfile profile) {
        ModelInfo info = d.info();
        long output;
        if (profile.requestedMaxOutput() != null) {
            output = profile.requestedMaxOutput();
        } else {
            output = info.maxOutput() > 0 ? Math.min(ASSUMED_OUTPUT_TOKENS, info.maxOutput()) : ASSUMED_OUTPUT_TOKENS;
        }
        return info.price().estimate(profile.estimatedInputTokens(), output);
    }

    private static final class Priority implements RoutingStrategy {
        static final Priority INSTANCE = new Priority();

        @Override
        public String name() {
            return PRIORITY;
        }

        @Override
        public List<Deployment> order(List<Deployment> candidates, RequestProfile profile) {
            // The filter hands candidates over in config order already; sort only when they are not.
            for (int i = 1; i < candidates.size(); i++) {
                if (candidates.get(i - 1).index() > candidates.get(i).index()) {
                    candidates.sort(Comparator.comparingInt(Deployment::index));
                    break;
                }
            }
            return candidates;
        }
    }

    private static final class Cost implements RoutingStrategy {
        static final Cost INSTANCE = new Cost();

        @Override
        public String name() {
            return COST;
        }

        @Override
        public List<Deployment> order(List<Deployment> candidates, RequestProfile profile) {
            int n = candidates.size();
            double[] keys = new double[n];
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                keys[i] = estimatedCost(candidates.get(i), profile);
                idx[i] = i;
            }
            return reorder(candidates, keys, idx);
        }
    }

    private record Weighted(RandomSource random) implements RoutingStrategy {
        @Override
        public String name() {
            return WEIGHTED;
        }

        @Override
        public List<Deployment> order(List<Deployment> candidates, RequestProfile profile) {
            int n = candidates.size();
            if (n == 1) {
                return candidates;
            }
            double[] keys = new double[n];
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                int w = candidates.get(i).weight();
                // 1 - u is in (0, 1], so the log is finite.
                keys[i] = w <= 0 ? Double.POSITIVE_INFINITY : -Math.log(1.0 - random.nextDouble()) / w;
                idx[i] = i;
            }
            return reorder(candidates, keys, idx);
        }
    }

    private record Latency(RandomSource random, double errorPenalty, double tailWeight, double tolerance,
                           double exploreShare, Ticker ticker) implements RoutingStrategy {

        /** The figure's prior when no candidate has a sample: 1 ms, only load and errors matter. */
        private static final double NO_PRIOR = 1_000_000;

        @Override
        public String name() {
            return LATENCY;
        }

        @Override
        public List<Deployment> order(List<Deployment> candidates, RequestProfile profile) {
            int n = candidates.size();
            if (n == 1) {
                return candidates;
            }
            long now = ticker.nanos();   // one clock read per decision, not one per deployment
            double[] figure = new double[n];
            double prior = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                DeploymentStats s = candidates.get(i).stats();
                if (s.hasRecentSample(now)) {
                    figure[i] = tailAwareLatency(s, tailWeight);
                    prior = Math.min(prior, figure[i]);
                } else {
                    figure[i] = -1;
                }
            }
            if (prior == Double.MAX_VALUE) {
                prior = NO_PRIOR;
            }
            double[] keys = new double[n];
            double best = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                DeploymentStats s = candidates.get(i).stats();
                int inFlight = s.inFlight();
                double errorRate = s.errorRate(now);
                double base = figure[i];
                if (base < 0) {
                    // No recent sample: explore it now when idle and error-free, else assume the best known.
                    base = inFlight == 0 && errorRate == 0 ? 0 : prior;
                }
                figure[i] = base * (1 + errorPenalty * errorRate);
                keys[i] = figure[i] * (1 + inFlight);
                best = Math.min(best, figure[i]);
            }
            double limit = best * (1 + tolerance);
            int comparable = 0;
            for (int i = 0; i < n; i++) {
                if (figure[i] <= limit) {
                    comparable++;
                }
            }
            int worse = n - comparable;
            int first = -1;
            if (worse > 0 && exploreShare > 0 && random.nextDouble() < exploreShare) {
                int explored = nth(figure, limit, false, random.nextInt(worse));
                // One exploring attempt at a time: a deployment that hangs does not collect a pile of them.
                if (candidates.get(explored).stats().inFlight() == 0) {
                    first = explored;
                }
            }
            if (first < 0 && comparable == 1) {
                first = nth(figure, limit, true, 0);
            } else if (first < 0) {
                int a = random.nextInt(comparable);
                int b = random.nextInt(comparable - 1);
                if (b >= a) {
                    b++;
                }
                a = nth(figure, limit, true, a);
                b = nth(figure, limit, true, b);
                // Comparable means interchangeable: the less loaded of the pair goes first, a tie to
                // the first drawn, so that comparable deployments share evenly when idle.
                first = candidates.get(a).stats().inFlight() <= candidates.get(b).stats().inFlight() ? a : b;
            }
            // Comparable candidates by load-adjusted figure, then the clearly worse ones by figure.
            // Keys of the two tiers are kept apart by sorting worse ones after every comparable one.
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
                if (figure[i] > limit) {
                    keys[i] = figure[i];
                }
            }
            keys[first] = Double.NEGATIVE_INFINITY;
            return reorder(candidates, keys, idx, figure, limit);
        }

        /** The position of the {@code k}-th candidate (0-based) that is comparable, or clearly worse. */
        private static int nth(double[] figure, double limit, boolean comparable, int k) {
            for (int i = 0; i < figure.length; i++) {
                if ((figure[i] <= limit) == comparable && k-- == 0) {
                    return i;
                }
            }
            throw new IllegalStateException("no such candidate");
        }
    }

    /**
     * Sorts positions by key ascending, ties by position, and writes the result back into the list.
     * Insertion sort: aliases have a handful of deployments, and it needs no boxing or comparator.
     */
    private static List<Deployment> reorder(List<Deployment> candidates, double[] keys, int[] idx) {
        return reorder(candidates, keys, idx, null, 0);
    }

    /**
     * As {@link #reorder(List, double[], int[])}, but when {@code tier} is given every position whose
     * tier value is above {@code tierLimit} sorts after every other one (except a key of -∞, first).
     */
    private static List<Deployment> reorder(List<Deployment> candidates, double[] keys, int[] idx, double[] tier,
                                            double tierLimit) {
        for (int i = 1; i < idx.length; i++) {
            int x = idx[i];
            int j = i - 1;
            while (j >= 0 && after(keys, idx[j], x, tier, tierLimit)) {
                idx[j + 1] = idx[j];
                j--;
            }
            idx[j + 1] = x;
        }
        Deployment[] copy = candidates.toArray(new Deployment[0]);
        for (int i = 0; i < idx.length; i++) {
            candidates.set(i, copy[idx[i]]);
        }
        return candidates;
    }

    /** Whether position {@code p} sorts after position {@code q}. */
    private static boolean after(double[] keys, int p, int q, double[] tier, double tierLimit) {
        if (tier != null && keys[p] != Double.NEGATIVE_INFINITY && keys[q] != Double.NEGATIVE_INFINITY) {
            boolean pWorse = tier[p] > tierLimit;
            boolean qWorse = tier[q] > tierLimit;
            if (pWorse != qWorse) {
                return pWorse;
            }
        }
        return Double.compare(keys[p], keys[q]) > 0;
    }
}

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

    /**
     * Power of two choices over a latency score: two random candidates are compared and the lower
     * score goes first; the rest follow by score. score = EWMA of TTFT × (1 + in-flight) ×
     * (1 + penalty × error rate). A deployment with no recent TTFT sample is explored: score 0 when
     * idle and error-free, else the best peer's EWMA as a prior (so in-flight load and errors still
     * count against it).
     */
    public static RoutingStrategy latency(RandomSource random, ResiliencePolicies.Stats settings, Ticker ticker) {
        return new Latency(random, settings.errorPenalty(), ticker);
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

    private record Latency(RandomSource random, double errorPenalty, Ticker ticker) implements RoutingStrategy {
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
            double prior = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                DeploymentStats s = candidates.get(i).stats();
                if (s.hasRecentSample(now)) {
                    prior = Math.min(prior, s.ewmaTtftNanos());
                }
            }
            if (prior == Double.MAX_VALUE) {
                prior = 1_000_000; // nobody has a sample: 1 ms, only the relative load and errors matter
            }
            double[] keys = new double[n];
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                keys[i] = score(candidates.get(i).stats(), prior, now);
                idx[i] = i;
            }
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            int first = keys[a] <= keys[b] ? a : b;
            // The P2C winner goes first whatever the full order says; the rest follow by score.
            keys[first] = Double.NEGATIVE_INFINITY;
            return reorder(candidates, keys, idx);
        }

        private double score(DeploymentStats s, double prior, long now) {
            int inFlight = s.inFlight();
            double errorRate = s.errorRate(now);
            double base;
            if (s.hasRecentSample(now)) {
                base = s.ewmaTtftNanos();
            } else {
                if (inFlight == 0 && errorRate == 0) {
                    return 0;
                }
                base = prior;
            }
            return base * (1 + inFlight) * (1 + errorPenalty * errorRate);
        }
    }

    /**
     * Sorts positions by key ascending, ties by position, and writes the result back into the list.
     * Insertion sort: aliases have a handful of deployments, and it needs no boxing or comparator.
     */
    private static List<Deployment> reorder(List<Deployment> candidates, double[] keys, int[] idx) {
        for (int i = 1; i < idx.length; i++) {
            int x = idx[i];
            int j = i - 1;
            while (j >= 0 && Double.compare(keys[idx[j]], keys[x]) > 0) {
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
}

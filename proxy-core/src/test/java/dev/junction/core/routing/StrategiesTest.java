package dev.junction.core.routing;

import dev.junction.core.catalog.Capability;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.FakeTicker;
import dev.junction.core.time.RandomSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.junction.core.routing.Fixtures.alias;
import static dev.junction.core.routing.Fixtures.config;
import static dev.junction.core.routing.Fixtures.dep;
import static dev.junction.core.routing.Fixtures.providers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StrategiesTest {

    private static final long MS = 1_000_000;
    private final FakeTicker ticker = new FakeTicker();
    private final ResiliencePolicies policies = ResiliencePolicies.defaults();
    private final RequestProfile small = new RequestProfile(EnumSet.noneOf(Capability.class), 100, null);

    private List<Deployment> deployments(DeploymentConfig... ds) {
        RouteTable t = RouteTable.build(config(providers(), alias("a", null, ds)), Fixtures.CATALOG, policies, null,
                ticker);
        return t.route("a").deployments();
    }

    private static List<String> ids(List<Deployment> ds) {
        return ds.stream().map(Deployment::id).toList();
    }

    @Test
    void priorityKeepsConfigOrder() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        List<Deployment> shuffled = new ArrayList<>(List.of(ds.get(1), ds.get(0)));
        assertEquals(ids(ds), ids(Strategies.priority().order(shuffled, small)));
    }

    @Test
    void weightedFirstChoiceFollowsTheWeights() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o", 1), dep("anthropic", "claude-haiku-4-5", 3),
                dep("gemini", "gemini-2.5-flash", 0));
        RoutingStrategy s = Strategies.weighted(RandomSource.seeded(11));
        Map<String, Integer> first = new HashMap<>();
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            List<Deployment> order = s.order(new ArrayList<>(ds), small);
            first.merge(order.get(0).id(), 1, Integer::sum);
            assertEquals("gemini/gemini-2.5-flash", order.get(2).id(), "weight 0 is always last");
            assertEquals(3, order.size());
        }
        assertEquals(0.25, first.get("openai/gpt-4o") / (double) n, 0.015);
        assertEquals(0.75, first.get("anthropic/claude-haiku-4-5") / (double) n, 0.015);
    }

    @Test
    void costPicksTheCheapestForThisRequest() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"),
                dep("gemini", "gemini-2.5-flash"), dep("openai", "gpt-4.1-mini"));
        RoutingStrategy cost = Strategies.cost();
        // Input-heavy: 100k in, 100 out. flash 0.30 in is cheapest, then gpt-4.1-mini 0.40, haiku 1.00, gpt-4o 2.50.
        RequestProfile inputHeavy = new RequestProfile(EnumSet.noneOf(Capability.class), 100_000, 100);
        assertEquals(List.of("gemini/gemini-2.5-flash", "openai/gpt-4.1-mini", "anthropic/claude-haiku-4-5",
                "openai/gpt-4o"), ids(cost.order(new ArrayList<>(ds), inputHeavy)));
        // Output-heavy: 100 in, 20k out. gpt-4.1-mini 1.60 out beats flash 2.50.
        RequestProfile outputHeavy = new RequestProfile(EnumSet.noneOf(Capability.class), 100, 20_000);
        assertEquals("openai/gpt-4.1-mini", cost.order(new ArrayList<>(ds), outputHeavy).get(0).id());
        assertEquals(100 * 0.40 / 1e6 + 20_000 * 1.60 / 1e6, Strategies.estimatedCost(ds.get(3), outputHeavy), 1e-12);
        // No max set: 1,000 output tokens assumed.
        assertEquals(100 * 2.50 / 1e6 + 1000 * 10.00 / 1e6, Strategies.estimatedCost(ds.get(0), small), 1e-12);
    }

    /** The default latency routing without exploration: the choices below are then exact. */
    private static final ResiliencePolicies.LatencyRouting NO_EXPLORATION = new ResiliencePolicies.LatencyRouting(
            ResiliencePolicies.DEFAULT_TAIL_WEIGHT, ResiliencePolicies.DEFAULT_LATENCY_TOLERANCE, 0);

    @Test
    void latencyPrefersTheFasterDeployment() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"),
                dep("gemini", "gemini-2.5-flash"));
        sample(ds.get(0), 900);
        sample(ds.get(1), 200);
        sample(ds.get(2), 400);
        // 400 and 900 are clearly worse than 200 (beyond the 25% band): only exploration reaches them.
        assertEquals(Map.of("anthropic/claude-haiku-4-5", 9000), firstChoices(ds, 9000, NO_EXPLORATION));
        Map<String, Integer> first = firstChoices(ds, 20_000, ResiliencePolicies.LatencyRouting.DEFAULT);
        assertEquals(0.98, share(first, "anthropic/claude-haiku-4-5", 20_000), 0.005);
        assertEquals(0.01, share(first, "gemini/gemini-2.5-flash", 20_000), 0.004);
        assertEquals(0.01, share(first, "openai/gpt-4o", 20_000), 0.004);
        List<Deployment> order = Strategies.latency(RandomSource.seeded(5), policies.stats(), NO_EXPLORATION, ticker)
                .order(new ArrayList<>(ds), small);
        assertEquals(List.of("anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash", "openai/gpt-4o"), ids(order),
                "the rest follow by figure");
    }

    @Test
    void equalDeploymentsShareTheLoadAndInFlightLoadSpreadsIt() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"),
                dep("gemini", "gemini-2.5-flash"));
        sample(ds.get(0), 200);
        sample(ds.get(1), 210);
        sample(ds.get(2), 230);    // within 25% of the best: comparable
        Map<String, Integer> first = firstChoices(ds, 9000, ResiliencePolicies.LatencyRouting.DEFAULT);
        for (Deployment d : ds) {
            // Power of two choices on load among comparable ones: idle, they share evenly.
            assertEquals(1 / 3.0, share(first, d.id(), 9000), 0.03, d.id());
        }
        // Two requests in flight on the fastest: the less loaded of each pair goes first.
        ds.get(0).stats().start();
        ds.get(0).stats().start();
        first = firstChoices(ds, 9000, ResiliencePolicies.LatencyRouting.DEFAULT);
        assertEquals(null, first.get("openai/gpt-4o"));
        assertEquals(0.5, share(first, "anthropic/claude-haiku-4-5", 9000), 0.03);
    }

    @Test
    void loadDoesNotSpreadOntoAClearlyWorseDeployment() {
        // The old rule (EWMA × (1 + in-flight)) sent the next request to the idle 300 ms deployment;
        // load is balanced among comparable deployments only, a worse one gets the exploration share.
        List<Deployment> ds = deployments(dep("openai", "gpt-4o-mini"), dep("gemini", "gemini-2.5-pro"));
        sample(ds.get(0), 300);
        sample(ds.get(1), 200);
        ds.get(1).stats().start();
        ds.get(1).stats().start();
        assertEquals(Map.of("gemini/gemini-2.5-pro", 1000), firstChoices(ds, 1000, NO_EXPLORATION));
    }

    @Test
    void latencyPenalisesErrors() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        sample(ds.get(0), 300);
        sample(ds.get(1), 200);
        assertEquals(Map.of("anthropic/claude-haiku-4-5", 1000), firstChoices(ds, 1000, NO_EXPLORATION));
        // Half of haiku's recent calls failed: 200 × (1 + 5 × 0.5) = 700 > 300.
        for (int i = 0; i < 5; i++) {
            ds.get(1).stats().start();
            ds.get(1).stats().recordFailure("upstream_unavailable");
        }
        assertEquals(Map.of("openai/gpt-4o", 1000), firstChoices(ds, 1000, NO_EXPLORATION));
    }

    @Test
    void aFewPercentOfSlowCallsMakeADeploymentClearlyWorse() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4.1-mini"), dep("openai", "gpt-4o"));
        // 5% of the tail deployment's calls take 400 ms instead of 40: its average barely moves (and the
        // EWMA may sit at 40 ms right after fast calls), but its p99 shows it.
        for (int i = 0; i < 128; i++) {
            record(ds.get(0), i % 20 == 10 ? 400 : 40, false);
            record(ds.get(1), 40 + i % 5, false);
        }
        assertTrue(ds.get(0).stats().ewmaTtftNanos() < 50 * MS, "the average hides the tail");
        assertEquals(400, ds.get(0).stats().p99TtftNanos() / MS);
        assertEquals(Map.of("openai/gpt-4o", 1000), firstChoices(ds, 1000, NO_EXPLORATION));
        // A tail-blind figure (weight 0) sees two equal deployments: the tail takes half of the first attempts.
        Map<String, Integer> blind = firstChoices(ds, 4000, new ResiliencePolicies.LatencyRouting(0, 0.25, 0));
        assertEquals(0.5, share(blind, "openai/gpt-4.1-mini", 4000), 0.05);
    }

    @Test
    void learnsFromColdStartToKeepFirstAttemptsOffFlakyAndTailDeployments() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o-mini"), dep("openai", "gpt-4.1-mini"),
                dep("openai", "gpt-4o"));
        Deployment flaky = ds.get(0);
        Deployment tail = ds.get(1);
        Deployment healthy = ds.get(2);
        // The chaos scenario (benchmarks/RESULTS-chaos.md): flaky fails 30% of calls after 40 ms, tail
        // answers 5% of calls in 400 ms, healthy always in 40 ms (all ± 3 ms).
        Simulation sim = new Simulation(new Random(42), d -> d == flaky ? 0.30 : 0, d -> d == tail ? 0.05 : 0);
        RoutingStrategy s = Strategies.latency(RandomSource.seeded(7), policies.stats(),
                ResiliencePolicies.LatencyRouting.DEFAULT, ticker);

        // Cold start: nothing known, so the first requests in flight spread over every deployment.
        List<Deployment> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Deployment d = s.order(new ArrayList<>(ds), small).get(0);
            d.stats().start();
            started.add(d);
        }
        assertEquals(3, started.stream().distinct().count(), "cold start spreads: " + started);
        for (Deployment d : started) {
            d.stats().recordTtft(40 * MS);
            d.stats().recordSuccess();
        }

        sim.run(s, ds, 400);                        // learning
        Map<Deployment, Integer> first = sim.run(s, ds, 5000);
        double flakyShare = first.getOrDefault(flaky, 0) / 5000.0;
        double tailShare = first.getOrDefault(tail, 0) / 5000.0;
        // The bounds for a p99 within 1.5× of the healthy deployment's: < 3% on flaky, < 20% on tail.
        // What remains is the 2% exploration share, split between the two.
        assertTrue(flakyShare < 0.03, "flaky share " + flakyShare);
        assertTrue(tailShare < 0.03, "tail share " + tailShare);
        assertTrue(flakyShare > 0.002 && tailShare > 0.002, "both are still explored: " + flakyShare + ", " + tailShare);
        assertTrue(first.get(healthy) / 5000.0 > 0.96, first.toString());
    }

    @Test
    void aTailThatHedgingCutsOffStaysVisible() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4.1-mini"), dep("openai", "gpt-4o"));
        Deployment tail = ds.get(0);
        Simulation sim = new Simulation(new Random(5), d -> 0, d -> d == tail ? 0.05 : 0);
        sim.hedged = true;
        RoutingStrategy s = Strategies.latency(RandomSource.seeded(11), policies.stats(),
                ResiliencePolicies.LatencyRouting.DEFAULT, ticker);
        sim.run(s, ds, 400);
        // The slow calls never produced a first byte, yet their 90 ms waits are in the tail's statistics.
        assertTrue(tail.stats().p99TtftNanos() >= 90 * MS, "p99 " + tail.stats().p99TtftNanos());
        double share = sim.run(s, ds, 5000).getOrDefault(tail, 0) / 5000.0;
        assertTrue(share < 0.03, "tail share " + share);
    }

    @Test
    void aRecoveredDeploymentRegainsTrafficThroughExploration() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o-mini"), dep("openai", "gpt-4o"));
        Deployment flaky = ds.get(0);
        boolean[] failing = {true};
        Simulation sim = new Simulation(new Random(3), d -> d == flaky && failing[0] ? 0.30 : 0, d -> 0);
        RoutingStrategy s = Strategies.latency(RandomSource.seeded(9), policies.stats(),
                ResiliencePolicies.LatencyRouting.DEFAULT, ticker);
        sim.run(s, ds, 500);
        assertTrue(sim.run(s, ds, 2000).getOrDefault(flaky, 0) / 2000.0 < 0.03, "while failing");
        failing[0] = false;
        // 10 ms between requests: 4,000 requests are 40 s, longer than the 30 s error window; only
        // exploration's calls tell the strategy that the deployment answers again.
        sim.run(s, ds, 4000);
        double share = sim.run(s, ds, 2000).getOrDefault(flaky, 0) / 2000.0;
        assertEquals(0.5, share, 0.1, "recovered: comparable again, so it shares the load");
    }

    @Test
    void aHangingDeploymentHoldsAtMostOneExploringRequest() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        sample(ds.get(0), 40);
        sample(ds.get(1), 400);
        ResiliencePolicies.LatencyRouting alwaysExplore = new ResiliencePolicies.LatencyRouting(0.5, 0.25, 0.99);
        assertEquals(0.99, share(firstChoices(ds, 4000, alwaysExplore), "anthropic/claude-haiku-4-5", 4000), 0.01);
        ds.get(1).stats().start();   // an exploring request that has not answered yet
        assertEquals(Map.of("openai/gpt-4o", 1000), firstChoices(ds, 1000, alwaysExplore));
    }

    @Test
    void latencyExploresDeploymentsWithoutRecentSamples() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        sample(ds.get(0), 100);
        assertEquals(1000, firstChoices(ds, 1000, NO_EXPLORATION).get("anthropic/claude-haiku-4-5"),
                "never sampled: explored");
        ds.get(1).stats().start();      // the exploring request is in flight: no pile-up on the unknown one
        assertEquals(1000, firstChoices(ds, 1000, NO_EXPLORATION).get("openai/gpt-4o"));
        ds.get(1).stats().recordTtft(900 * MS);
        ds.get(1).stats().recordSuccess();
        assertEquals(1000, firstChoices(ds, 1000, NO_EXPLORATION).get("openai/gpt-4o"));
        ticker.advance(policies.stats().staleAfter());
        sample(ds.get(0), 100);
        assertEquals(1000, firstChoices(ds, 1000, NO_EXPLORATION).get("anthropic/claude-haiku-4-5"),
                "stale average: explored again");
    }

    /**
     * Requests one after another ({@value #STEP_MS} ms apart on the fake clock), each completing on
     * the deployment chosen first: 40 ± 3 ms, failed with its error rate, 10× slower with its tail rate.
     */
    private final class Simulation {
        private final Random random;
        private final java.util.function.ToDoubleFunction<Deployment> errorRate;
        private final java.util.function.ToDoubleFunction<Deployment> tailRate;
        /** Slow calls are cut off by a hedge that answers after 90 ms (50 ms delay + 40 ms). */
        boolean hedged;

        Simulation(Random random, java.util.function.ToDoubleFunction<Deployment> errorRate,
                   java.util.function.ToDoubleFunction<Deployment> tailRate) {
            this.random = random;
            this.errorRate = errorRate;
            this.tailRate = tailRate;
        }

        Map<Deployment, Integer> run(RoutingStrategy s, List<Deployment> ds, int n) {
            Map<Deployment, Integer> first = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Deployment d = s.order(new ArrayList<>(ds), small).get(0);
                first.merge(d, 1, Integer::sum);
                long ms = 37 + random.nextInt(7);
                boolean slow = random.nextDouble() < tailRate.applyAsDouble(d);
                if (slow && hedged) {
                    d.stats().start();
                    d.stats().recordCancelled(90 * MS);   // the hedge won; this attempt's first byte never came
                } else {
                    record(d, slow ? ms * 10 : ms, random.nextDouble() < errorRate.applyAsDouble(d));
                }
                ticker.advanceMillis(STEP_MS);
            }
            return first;
        }
    }

    private static final long STEP_MS = 10;

    private static void record(Deployment d, long ms, boolean failed) {
        d.stats().start();
        d.stats().recordTtft(ms * MS);
        if (failed) {
            d.stats().recordFailure("upstream_unavailable");
        } else {
            d.stats().recordSuccess();
        }
    }

    private static double share(Map<String, Integer> first, String id, int n) {
        return first.getOrDefault(id, 0) / (double) n;
    }

    private void sample(Deployment d, long ms) {
        for (int i = 0; i < 5; i++) {
            d.stats().start();
            d.stats().recordTtft(ms * MS);
            d.stats().recordSuccess();
        }
    }

    private Map<String, Integer> firstChoices(List<Deployment> ds, int n, ResiliencePolicies.LatencyRouting routing) {
        RoutingStrategy s = Strategies.latency(RandomSource.seeded(17), policies.stats(), routing, ticker);
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < n; i++) {
            first.merge(s.order(new ArrayList<>(ds), small).get(0).id(), 1, Integer::sum);
        }
        return first;
    }
}

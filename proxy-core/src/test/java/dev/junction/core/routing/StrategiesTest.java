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

    @Test
    void latencyPrefersTheFasterDeploymentStatistically() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"),
                dep("gemini", "gemini-2.5-flash"));
        sample(ds.get(0), 900);
        sample(ds.get(1), 200);
        sample(ds.get(2), 400);
        Map<String, Integer> first = firstChoices(ds, 9000);
        // P2C: the fastest wins every pair it is in (2 of 3 pairs); the slowest never goes first.
        assertEquals(2 / 3.0, first.get("anthropic/claude-haiku-4-5") / 9000.0, 0.03);
        assertEquals(1 / 3.0, first.get("gemini/gemini-2.5-flash") / 9000.0, 0.03);
        assertEquals(null, first.get("openai/gpt-4o"));
        List<Deployment> order = Strategies.latency(RandomSource.seeded(5), policies.stats(), ticker).order(new ArrayList<>(ds), small);
        assertEquals("openai/gpt-4o", order.get(2).id(), "the rest follow by score");
    }

    @Test
    void latencyPenalisesErrorsAndInFlightLoad() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        sample(ds.get(0), 300);
        sample(ds.get(1), 200);
        assertEquals(1.0, firstChoices(ds, 1000).get("anthropic/claude-haiku-4-5") / 1000.0, 1e-9);
        // Half of haiku's recent calls failed: 200 × (1 + 5 × 0.5) = 700 > 300.
        for (int i = 0; i < 4; i++) {
            ds.get(1).stats().start();
            ds.get(1).stats().recordFailure("upstream_unavailable");
        }
        assertEquals(1.0, firstChoices(ds, 1000).get("openai/gpt-4o") / 1000.0, 1e-9);

        List<Deployment> fresh = deployments(dep("openai", "gpt-4o-mini"), dep("gemini", "gemini-2.5-pro"));
        sample(fresh.get(0), 300);
        sample(fresh.get(1), 200);
        fresh.get(1).stats().start();
        fresh.get(1).stats().start();   // 2 in flight: 200 × 3 = 600 > 300
        assertEquals(1.0, firstChoices(fresh, 1000).get("openai/gpt-4o-mini") / 1000.0, 1e-9);
    }

    @Test
    void latencyExploresDeploymentsWithoutRecentSamples() {
        List<Deployment> ds = deployments(dep("openai", "gpt-4o"), dep("anthropic", "claude-haiku-4-5"));
        sample(ds.get(0), 100);
        assertEquals(1000, firstChoices(ds, 1000).get("anthropic/claude-haiku-4-5"), "never sampled: explored");
        ds.get(1).stats().start();      // the exploring request is in flight: no pile-up on the unknown one
        assertEquals(1000, firstChoices(ds, 1000).get("openai/gpt-4o"));
        ds.get(1).stats().recordTtft(900 * MS);
        ds.get(1).stats().recordSuccess();
        assertEquals(1000, firstChoices(ds, 1000).get("openai/gpt-4o"));
        ticker.advance(policies.stats().staleAfter());
        sample(ds.get(0), 100);
        assertEquals(1000, firstChoices(ds, 1000).get("anthropic/claude-haiku-4-5"), "stale average: explored again");
    }

    private void sample(Deployment d, long ms) {
        for (int i = 0; i < 5; i++) {
            d.stats().start();
            d.stats().recordTtft(ms * MS);
            d.stats().recordSuccess();
        }
    }

    private Map<String, Integer> firstChoices(List<Deployment> ds, int n) {
        RoutingStrategy s = Strategies.latency(RandomSource.seeded(17), policies.stats(), ticker);
        Map<String, Integer> first = new HashMap<>();
        for (int i = 0; i < n; i++) {
            first.merge(s.order(new ArrayList<>(ds), small).get(0).id(), 1, Integer::sum);
        }
        return first;
    }
}

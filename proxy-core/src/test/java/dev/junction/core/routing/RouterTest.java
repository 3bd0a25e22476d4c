package dev.junction.core.routing;

import dev.junction.core.catalog.Capability;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.FakeTicker;
import dev.junction.core.time.RandomSource;
import dev.junction.stream.GatewayError;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static dev.junction.core.routing.Fixtures.alias;
import static dev.junction.core.routing.Fixtures.config;
import static dev.junction.core.routing.Fixtures.dep;
import static dev.junction.core.routing.Fixtures.providers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouterTest {

    private final FakeTicker ticker = new FakeTicker();
    private final ResiliencePolicies policies = ResiliencePolicies.defaults();
    private final Router router = new Router(RandomSource.seeded(3), policies.stats(), ticker);

    private RouteTable table(Map<String, ProviderConfig> providers) {
        return RouteTable.build(config(providers,
                alias("chat", "priority", dep("anthropic", "claude-haiku-4-5"), dep("openai", "gpt-4o-mini"),
                        dep("openai", "o3-mini")),
                alias("emb", null, dep("openai", "text-embedding-3-small"), dep("gemini", "gemini-embedding-001"))),
                Fixtures.CATALOG, policies, null, ticker);
    }

    private static RequestProfile needs(long tokens, Integer maxOut, Capability... caps) {
        return new RequestProfile(caps.length == 0 ? EnumSet.noneOf(Capability.class) : EnumSet.of(caps[0], caps),
                tokens, maxOut);
    }

    @Test
    void ordersCandidatesByTheAliasStrategy() {
        RouteResult r = router.select(table(providers()), "chat", needs(100, null), null);
        assertTrue(r.ok());
        assertEquals("priority", r.strategy());
        assertEquals(List.of("anthropic/claude-haiku-4-5", "openai/gpt-4o-mini", "openai/o3-mini"),
                r.candidates().stream().map(Deployment::id).toList());
    }

    @Test
    void headerOverridesTheStrategyAndUnknownNamesAreInvalid() {
        RouteResult r = router.select(table(providers()), "chat", needs(100, null), "Cost");
        assertEquals("cost", r.strategy());
        assertEquals("openai/gpt-4o-mini", r.candidates().get(0).id());
        RouteResult bad = router.select(table(providers()), "chat", needs(100, null), "fastest");
        assertEquals(400, bad.error().status());
        assertEquals("invalid_value", bad.error().code());
        assertEquals(Router.STRATEGY_HEADER, bad.error().param());
    }

    @Test
    void unknownAliasIsModelNotFound() {
        GatewayError e = router.select(table(providers()), "gpt-5", needs(1, null), null).error();
        assertEquals(404, e.status());
        assertEquals("model_not_found", e.code());
    }

    @Test
    void missingCapabilityRulesOutAndIsNamed() {
        RouteResult r = router.select(table(providers()), "chat", needs(100, null, Capability.VISION), null);
        assertEquals(List.of("anthropic/claude-haiku-4-5", "openai/gpt-4o-mini"),
                r.candidates().stream().map(Deployment::id).toList());
        assertEquals(1, r.excluded().size());
        assertEquals(CapabilityFilter.Reason.MISSING_CAPABILITY, r.excluded().get(0).reason());
        assertTrue(r.excluded().get(0).detail().contains("vision"));

        GatewayError e = router.select(table(providers()), "chat", needs(100, null, Capability.EMBEDDINGS), null).error();
        assertEquals(400, e.status());
        assertEquals("unsupported_capability", e.code());
        assertTrue(e.message().contains("anthropic/claude-haiku-4-5 does not support embeddings"), e.message());
        assertTrue(e.message().contains("openai/o3-mini does not support embeddings"), e.message());
    }

    @Test
    void promptTooLongForEveryCandidateIsContextLengthExceeded() {
        RouteResult r = router.select(table(providers()), "chat", needs(150_000, null), null);
        assertEquals(List.of("anthropic/claude-haiku-4-5", "openai/o3-mini"),
                r.candidates().stream().map(Deployment::id).toList(), "gpt-4o-mini has 128k");
        GatewayError e = router.select(table(providers()), "chat", needs(199_000, 4000), null).error();
        assertEquals("context_length_exceeded", e.code());
        assertEquals(400, e.status());
        assertTrue(e.message().contains("203000"), e.message());

        GatewayError emb = router.select(table(providers()), "emb", needs(9000, null, Capability.EMBEDDINGS), null).error();
        assertEquals("context_length_exceeded", emb.code());
    }

    @Test
    void maxOutputBeyondEveryModelIsUnsupported() {
        GatewayError e = router.select(table(providers()), "chat", needs(10, 120_000), null).error();
        assertEquals("unsupported_capability", e.code());
        assertEquals("max_tokens", e.param());
        assertTrue(e.message().contains("produces at most 64000"), e.message());
    }

    @Test
    void disabledProvidersAreLeftOutAndNamed() {
        Map<String, ProviderConfig> p = providers();
        p.put("anthropic", Fixtures.provider("anthropic", "anthropic", false));
        RouteResult r = router.select(table(p), "chat", needs(100, null), null);
        assertEquals("openai/gpt-4o-mini", r.candidates().get(0).id());
        assertEquals(CapabilityFilter.Reason.DISABLED, r.excluded().get(0).reason());

        p.put("openai", Fixtures.provider("openai", "openai", false));
        GatewayError e = router.select(table(p), "chat", needs(100, null), null).error();
        assertEquals(503, e.status());
        assertEquals("upstream_unavailable", e.code());
        assertTrue(e.message().contains("ANTHROPIC_API_KEY"), e.message());
    }

    @Test
    void openCircuitsAreLeftOutUntilTheCoolDown() {
        RouteTable t = table(providers());
        for (Deployment d : t.route("chat").deployments()) {
            for (int i = 0; i < policies.circuitBreaker().minimumCalls(); i++) {
                d.breaker().onFailure();
            }
        }
        GatewayError e = router.select(t, "chat", needs(100, null), null).error();
        assertEquals(503, e.status());
        assertEquals("upstream_unavailable", e.code());
        assertEquals(Duration.ofSeconds(30), e.retryAfter());
        assertTrue(e.message().contains("circuit open"), e.message());

        ticker.advance(Duration.ofSeconds(30));
        RouteResult half = router.select(t, "chat", needs(100, null), null);
        assertTrue(half.ok(), "half-open circuits admit probes");
        assertEquals(3, half.candidates().size());
    }

    @Test
    void capabilityBeatsAvailabilityInTheErrorChoice() {
        // The only vision-capable deployments are disabled: the client learns they are down (503),
        // not that vision is unsupported.
        Map<String, ProviderConfig> p = providers();
        p.put("anthropic", Fixtures.provider("anthropic", "anthropic", false));
        p.put("openai", Fixtures.provider("openai", "openai", false));
        GatewayError e = router.select(table(p), "chat", needs(10, null, Capability.VISION), null).error();
        assertEquals("upstream_unavailable", e.code());
        assertNotNull(e.message());
    }
}

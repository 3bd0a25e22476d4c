package dev.junction.core.routing;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.FakeTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.junction.core.routing.Fixtures.alias;
import static dev.junction.core.routing.Fixtures.config;
import static dev.junction.core.routing.Fixtures.dep;
import static dev.junction.core.routing.Fixtures.providers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteTableTest {

    private final FakeTicker ticker = new FakeTicker();
    private final ResiliencePolicies policies = ResiliencePolicies.defaults();

    private GatewayConfig chatConfig(Map<String, ProviderConfig> providers) {
        AliasConfig chat = new AliasConfig("chat", "latency", List.of(dep("anthropic", "claude-haiku-4-5"),
                dep("gemini", "gemini-2.5-flash"), dep("openai", "gpt-4o-mini", 2)),
                new AliasConfig.HedgeConfig(null, 1), null);
        return config(providers, chat, alias("gpt-4o-mini", null, dep("openai", "gpt-4o-mini")));
    }

    @Test
    void buildsDeploymentsWithCatalogFacts() {
        RouteTable t = RouteTable.build(chatConfig(providers()), Fixtures.CATALOG, policies, null, ticker);
        Route chat = t.route("chat");
        assertEquals("latency", chat.strategy());
        assertEquals(List.of("anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash", "openai/gpt-4o-mini"),
                chat.deployments().stream().map(Deployment::id).toList());
        Deployment haiku = chat.deployments().get(0);
        assertEquals(200000, haiku.info().contextWindow());
        assertEquals(1.00, haiku.price().input());
        assertEquals(2, chat.deployments().get(2).weight());
        assertEquals(Duration.ofSeconds(60), haiku.timeouts().firstByte());
        assertTrue(chat.hedge() != null);
        assertEquals(RouteTable.DEFAULT_STRATEGY, t.route("gpt-4o-mini").strategy());
        assertNull(t.route("nope"));
        assertTrue(t.warnings().isEmpty());
    }

    @Test
    void oneProviderModelPairSharesItsLiveState() {
        RouteTable t = RouteTable.build(chatConfig(providers()), Fixtures.CATALOG, policies, null, ticker);
        Deployment a = t.route("chat").deployments().get(2);
        Deployment b = t.route("gpt-4o-mini").deployments().get(0);
        assertSame(a.stats(), b.stats());
        assertSame(a.breaker(), b.breaker());
    }

    @Test
    void statsSurviveARebuildForUnchangedDeployments() {
        RouteTable first = RouteTable.build(chatConfig(providers()), Fixtures.CATALOG, policies, null, ticker);
        Deployment haiku = first.route("chat").deployments().get(0);
        haiku.stats().start();
        haiku.stats().recordTtft(123_000_000);
        haiku.stats().recordSuccess();

        Map<String, ProviderConfig> changed = providers();
        ProviderConfig g = changed.get("gemini");
        changed.put("gemini", new ProviderConfig(g.name(), g.type(), "https://other.example", g.apiKey(), true, null,
                Map.of(), Map.of(), g.timeouts(), g.maxConnections(), null, null));
        RouteTable second = RouteTable.build(chatConfig(changed), Fixtures.CATALOG, policies, first, ticker);

        Deployment haiku2 = second.route("chat").deployments().get(0);
        assertSame(haiku.stats(), haiku2.stats());
        assertSame(haiku.breaker(), haiku2.breaker());
        assertEquals(123.0, haiku2.stats().snapshot().ewmaTtftMs(), 1e-9);
        assertNotSame(first.route("chat").deployments().get(1).stats(), second.route("chat").deployments().get(1).stats(),
                "a provider whose base URL changed starts afresh");
        assertSame(first.route("chat").hedge().budget(), second.route("chat").hedge().budget());

        RouteTable third = RouteTable.build(chatConfig(providers()), Fixtures.CATALOG, policies, null, ticker);
        assertNotSame(haiku.stats(), third.route("chat").deployments().get(0).stats(), "no previous table, fresh state");
    }

    @Test
    void uncataloguedModelIsRoutableWithAWarning() {
        RouteTable t = RouteTable.build(config(providers(), alias("x", null, dep("openai", "gpt-99-turbo"))),
                Fixtures.CATALOG, policies, null, ticker);
        Deployment d = t.route("x").deployments().get(0);
        assertFalse(d.info().catalogued());
        assertTrue(d.price().isZero());
        assertEquals(1, t.warnings().size());
        assertTrue(t.warnings().get(0).contains("openai/gpt-99-turbo"), t.warnings().get(0));
    }

    @Test
    void unknownProviderOrStrategyNamesTheConfigPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouteTable.build(
                config(providers(), alias("x", null, dep("mistral", "m"))), Fixtures.CATALOG, policies, null, ticker));
        assertTrue(e.getMessage().startsWith("junction.models.x.deployments[0].provider"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RouteTable.build(
                config(providers(), alias("x", "fastest", dep("openai", "gpt-4o"))), Fixtures.CATALOG, policies, null,
                ticker));
        assertTrue(e.getMessage().startsWith("junction.models.x.strategy"), e.getMessage());
    }

    @Test
    void snapshotIsJsonFriendly() throws Exception {
        RouteTable t = RouteTable.build(chatConfig(providers()), Fixtures.CATALOG, policies, null, ticker);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(t.snapshot());
        assertEquals("chat", json.get(0).get("alias").asText());
        var d0 = json.get(0).get("deployments").get(0);
        assertEquals("anthropic/claude-haiku-4-5", d0.get("id").asText());
        assertEquals("closed", d0.get("circuitState").asText());
        assertEquals(0, d0.get("stats").get("inFlight").asInt());
        assertTrue(d0.get("capabilities").toString().contains("json-schema"));
    }
}

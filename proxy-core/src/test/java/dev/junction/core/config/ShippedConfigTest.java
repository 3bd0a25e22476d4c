package dev.junction.core.config;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configs shipped in {@code conf/} load as documented, with and without vendor keys. */
class ShippedConfigTest {

    /** Tests run in the module directory; the shipped configs live in the repository's conf/. */
    static Path conf(String name) {
        Path p = Path.of("..", "conf", name).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(p), "missing " + p);
        return p;
    }

    /**
     * The shipped file copied next to a catalog: conf/catalog.conf when present, else an empty one,
     * so these tests check this file's content whatever state the catalog is in.
     */
    static Path withCatalog(Path dir, String name) throws Exception {
        Path copy = dir.resolve(name);
        Files.copy(conf(name), copy);
        Path catalog = Path.of("..", "conf", "catalog.conf");
        if (Files.isRegularFile(catalog)) {
            Files.copy(catalog, dir.resolve("catalog.conf"));
        } else {
            Files.writeString(dir.resolve("catalog.conf"), "");
        }
        return copy;
    }

    @Test
    void junctionConfWorksOutOfTheBoxWithNoKeys(@TempDir Path dir) throws Exception {
        GatewayConfig c = ConfigLoader.load(withCatalog(dir, "junction.conf"), ConfigFactory.empty(), Map.of());
        assertEquals("127.0.0.1", c.server().host());
        assertEquals(8080, c.server().port());
        assertFalse(c.auth().enabled(), "the sample key is dropped when JUNCTION_KEY_APP1 is unset");
        assertEquals(List.of("openai", "anthropic", "gemini", "local"), List.copyOf(c.providers().keySet()));
        for (String vendor : List.of("openai", "anthropic", "gemini")) {
            assertFalse(c.providers().get(vendor).enabled(), vendor);
        }
        assertTrue(c.providers().get("local").enabled());
        assertEquals("http://127.0.0.1:11434/v1", c.providers().get("local").baseUrl());
        assertEquals(List.of("gpt-4o-mini", "chat", "embeddings", "local"), List.copyOf(c.models().keySet()));
        AliasConfig chat = c.models().get("chat");
        assertEquals("latency", chat.strategy());
        assertEquals(new AliasConfig.HedgeConfig(null, 1), chat.hedge());
        assertEquals(List.of("anthropic/claude-haiku-4-5", "gemini/gemini-2.5-flash", "openai/gpt-4o-mini"),
                chat.deployments().stream().map(DeploymentConfig::id).toList());
        assertEquals(2, chat.deployments().get(2).weight());
        assertEquals(dir.resolve("catalog.conf"), c.catalogPath());
        assertTrue(c.warnings().contains("provider 'anthropic' has no api-key (set ANTHROPIC_API_KEY); it is left out "
                + "of routing"), c.warnings()::toString);
        assertTrue(c.warnings().contains("gateway key 'app-1' has no value (set JUNCTION_KEY_APP1); it is ignored"));
    }

    @Test
    void junctionConfWithKeysEnablesEveryVendor(@TempDir Path dir) throws Exception {
        GatewayConfig c = ConfigLoader.load(withCatalog(dir, "junction.conf"), ConfigFactory.empty(), Map.of(
                "OPENAI_API_KEY", "sk-o", "ANTHROPIC_API_KEY", "sk-a", "GEMINI_API_KEY", "g-k",
                "JUNCTION_KEY_APP1", "gw-app-1"));
        assertTrue(c.providers().values().stream().allMatch(ProviderConfig::enabled));
        assertEquals("sk-a", c.providers().get("anthropic").apiKey());
        assertEquals(1, c.auth().keys().size());
        assertTrue(c.warnings().isEmpty(), c.warnings()::toString);
    }

    @Test
    void demoConfPointsEveryProviderAtTheSimulator(@TempDir Path dir) throws Exception {
        Path demo = withCatalog(dir, "demo.conf");
        GatewayConfig c = ConfigLoader.load(demo, ConfigFactory.empty(), Map.of());
        assertTrue(c.warnings().isEmpty(), c.warnings()::toString);
        assertEquals("http://127.0.0.1:9901/v1", c.providers().get("sim-openai").baseUrl());
        assertEquals("http://127.0.0.1:9901", c.providers().get("sim-anthropic").baseUrl());
        assertEquals("http://127.0.0.1:9901", c.providers().get("sim-gemini").baseUrl());
        assertTrue(c.providers().values().stream().allMatch(ProviderConfig::enabled));
        assertNotNull(c.models().get("gpt-4o-mini"));
        assertEquals("sim-openai", c.models().get("gpt-4o-mini").deployments().get(0).provider());
        assertEquals(3, c.models().get("chat").deployments().size());

        // The lead's demo command starts the simulator on a port of its choice and says so here.
        GatewayConfig moved = ConfigLoader.load(demo,
                ConfigFactory.parseMap(Map.of("junction.demo.simulator-url", "http://127.0.0.1:45678")), Map.of());
        assertEquals("http://127.0.0.1:45678/v1", moved.providers().get("sim-openai").baseUrl());
        assertEquals("http://127.0.0.1:45678", moved.providers().get("sim-gemini").baseUrl());
        GatewayConfig fromEnv = ConfigLoader.load(demo, ConfigFactory.empty(),
                Map.of("JUNCTION_DEMO_SIM_URL", "http://127.0.0.1:5555"));
        assertEquals("http://127.0.0.1:5555", fromEnv.providers().get("sim-anthropic").baseUrl());
    }

    @Test
    void examplesLoadWithTheirKeys() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-o", "ANTHROPIC_API_KEY", "sk-a", "GEMINI_API_KEY", "g",
                "AZURE_OPENAI_API_KEY", "az-1", "AZURE_OPENAI_WEST_API_KEY", "az-2", "JUNCTION_KEY_SEARCH", "gw-s",
                "JUNCTION_KEY_SUPPORT", "gw-su", "JUNCTION_KEY_OPS", "gw-ops");
        GatewayConfig sidecar = ConfigLoader.load(conf("examples/sidecar.conf"), ConfigFactory.empty(), env);
        assertEquals(4, sidecar.resilience().retry().maxAttempts());
        assertEquals(2, sidecar.models().get("gpt-4o-mini").deployments().size());

        GatewayConfig shared = ConfigLoader.load(conf("examples/shared-service.conf"), ConfigFactory.empty(), env);
        assertEquals("0.0.0.0", shared.server().host());
        assertEquals(3, shared.auth().keys().size());
        assertEquals("redis", shared.tasks().store());
        assertEquals(5, shared.providers().get("anthropic").retry().maxAttempts());
        assertEquals("cost", shared.models().get("chat").strategy());

        GatewayConfig azure = ConfigLoader.load(conf("examples/azure.conf"), ConfigFactory.empty(), env);
        assertEquals("2024-10-21", azure.providers().get("azure-east").options().get("api-version"));
        assertTrue(azure.providers().get("azure-west").enabled());
    }

    @Test
    void sharedServiceRefusesToStartWithoutGatewayKeys() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(conf("examples/shared-service.conf"), ConfigFactory.empty(), Map.of()));
        assertEquals(1, e.errors().size(), e.errors()::toString);
        assertTrue(e.errors().get(0).startsWith("junction.server.host: binding \"0.0.0.0\""), e.errors()::toString);
    }
}

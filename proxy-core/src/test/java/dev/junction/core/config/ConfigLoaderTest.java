package dev.junction.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static final String PROVIDERS = """
            junction.providers {
              openai    { type = openai,    base-url = "https://api.openai.com/v1", api-key = ${?OPENAI_API_KEY} }
              anthropic { type = anthropic, base-url = "https://api.anthropic.com", api-key = ${?ANTHROPIC_API_KEY} }
              local     { type = openai-compatible, base-url = "http://127.0.0.1:11434/v1" }
            }
            """;

    private static GatewayConfig load(String hocon, Map<String, String> env) {
        return ConfigLoader.load(ConfigFactory.parseString(hocon), null, env);
    }

    private static GatewayConfig load(String hocon) {
        return load(hocon, Map.of());
    }

    private static List<String> errors(String hocon) {
        return errors(hocon, Map.of());
    }

    private static List<String> errors(String hocon, Map<String, String> env) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(hocon, env));
        return e.errors();
    }

    private static void assertHasError(List<String> errors, String prefix) {
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(prefix)), () -> "no error starting with <" + prefix
                + "> in " + errors);
    }

    @Test
    void emptyConfigGetsEveryReferenceDefault() {
        GatewayConfig c = load("");
        ServerConfig s = c.server();
        assertEquals("127.0.0.1", s.host());
        assertEquals(8080, s.port());
        assertEquals(32L * 1024 * 1024, s.maxRequestBytes());
        assertEquals(64 * 1024, s.maxHeaderBytes());
        assertEquals(64, s.maxJsonDepth());
        assertEquals(Duration.ofSeconds(60), s.idleTimeout());
        assertEquals(Duration.ofSeconds(30), s.requestReadTimeout());
        assertFalse(c.auth().allowAnonymous());
        assertFalse(c.auth().enabled());
        assertTrue(c.providers().isEmpty());
        assertTrue(c.models().isEmpty());
        assertNull(c.catalogPath());
        assertTrue(c.warnings().isEmpty());
        // The Java constants used by the compact GatewayConfig constructor mirror reference.conf.
        assertEquals(ResilienceConfig.DEFAULT, c.resilience());
        assertEquals(StreamingConfig.DEFAULT, c.streaming());
        assertEquals(TranslationConfig.DEFAULT, c.translation());
        assertEquals(AccessLogConfig.DEFAULT, c.accessLog());
        assertEquals("embedded", c.tasks().store());
        assertEquals(Path.of("data", "tasks.db").toAbsolutePath(), c.tasks().path());
    }

    @Test
    void providerGetsDefaultTimeoutsAndOverridesThem() {
        GatewayConfig c = load("""
                junction.providers.local {
                  type = openai-compatible, base-url = "http://127.0.0.1:11434/v1/"
                  timeouts { first-byte = 5s }
                  max-connections = 8, rpm = 100, tpm = 5000
                  headers { "X-Team" = "search" }
                  retry { max-attempts = 5 }
                }
                junction.models.m.deployments = [ { provider = local, model = "llama3.2", timeouts { total = 30s } } ]
                """);
        ProviderConfig p = c.providers().get("local");
        assertEquals("http://127.0.0.1:11434/v1", p.baseUrl(), "a trailing slash is dropped");
        assertEquals(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofMinutes(10)), p.timeouts());
        assertEquals(8, p.maxConnections());
        assertEquals(100, p.rpm());
        assertEquals(5000L, p.tpm());
        assertEquals(Map.of("X-Team", "search"), p.headers());
        assertEquals(new RetryConfig(5, Duration.ofMillis(100), Duration.ofSeconds(2)), p.retry());
        assertTrue(p.enabled(), "openai-compatible needs no key");
        DeploymentConfig d = c.models().get("m").deployments().get(0);
        assertEquals(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofSeconds(30)), d.timeouts(), "deployment timeouts override the provider's");
        assertEquals(1, d.weight());
        assertEquals("priority", c.models().get("m").strategy());
    }

    @Test
    void providerKeyFromEnvironmentEnablesIt() {
        GatewayConfig c = load(PROVIDERS, Map.of("ANTHROPIC_API_KEY", "sk-ant-secret-1"));
        ProviderConfig a = c.providers().get("anthropic");
        assertTrue(a.enabled());
        assertEquals("sk-ant-secret-1", a.apiKey());
        assertFalse(c.toString().contains("sk-ant-secret-1"), "a snapshot's toString never shows a key");
    }

    @Test
    void providerWithoutKeyIsDisabledWithAWarningNotAnError() {
        GatewayConfig c = load(PROVIDERS, Map.of("OPENAI_API_KEY", "sk-openai"));
        ProviderConfig a = c.providers().get("anthropic");
        assertFalse(a.enabled());
        assertNull(a.apiKey());
        assertEquals("no api-key (set ANTHROPIC_API_KEY)", a.disabledReason());
        assertEquals(List.of("provider 'anthropic' has no api-key (set ANTHROPIC_API_KEY); it is left out of routing"),
                c.warnings());
        assertTrue(c.providers().get("openai").enabled());
        assertTrue(c.providers().get("local").enabled());
        assertEquals(List.of("openai", "anthropic", "local"), List.copyOf(c.providers().keySet()), "file order");
    }

    @Test
    void missingKeyHintNamesTheVariableTheFileUses() {
        GatewayConfig c = load("""
                junction.providers.claude { type = anthropic, base-url = "https://api.anthropic.com", api-key = ${?TEAM_CLAUDE_KEY} }
                """);
        assertEquals("no api-key (set TEAM_CLAUDE_KEY)", c.providers().get("claude").disabledReason());
    }

    @Test
    void emptyKeyCountsAsMissingAndEnabledFalseDisables() {
        GatewayConfig c = load("""
                junction.providers {
                  g { type = gemini, base-url = "https://generativelanguage.googleapis.com", api-key = "" }
                  o { type = openai, base-url = "https://api.openai.com/v1", api-key = "k", enabled = false }
                }
                """);
        assertFalse(c.providers().get("g").enabled());
        assertEquals("no api-key (set GEMINI_API_KEY)", c.providers().get("g").disabledReason());
        assertFalse(c.providers().get("o").enabled());
        assertEquals("enabled = false", c.providers().get("o").disabledReason());
    }

    @Test
    void overridesLayerOnTopOfTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("j.conf");
        Files.writeString(file, "junction.server { port = 8081 }\n");
        Config overrides = ConfigFactory.parseMap(Map.of("junction.server.port", "9090"));
        assertEquals(9090, ConfigLoader.load(file, overrides, Map.of()).server().port());
        assertEquals(8081, ConfigLoader.load(file, ConfigFactory.empty(), Map.of()).server().port());
    }

    @Test
    void systemPropertyOverridesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("j.conf");
        Files.writeString(file, "junction.server { port = 8081 }\n");
        System.setProperty("junction.server.port", "9090");
        try {
            ConfigFactory.invalidateCaches();
            GatewayConfig c = ConfigLoader.load(file);
            assertEquals(9090, c.server().port());
            assertEquals(file.toAbsolutePath().normalize(), c.source());
        } finally {
            System.clearProperty("junction.server.port");
            ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void badSystemPropertyIsReportedWithItsPathAndOrigin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("j.conf");
        Files.writeString(file, "junction {}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file,
                ConfigFactory.systemProperties().withFallback(ConfigFactory.parseMap(Map.of("junction.server.port", "abc"),
                        "system properties")), Map.of()));
        assertHasError(e.errors(), "junction.server.port: must be an integer from 0 to 65535, got \"abc\"");
        assertTrue(e.errors().get(0).endsWith("(system property)"), e.errors().get(0));
    }

    @Test
    void errorsNameFullPathsAndAreCollectedTogether() {
        List<String> errors = errors("""
                junction {
                  server { port = "abc", max-request-bytes = "lots", idle-timeout = -1s }
                  providers {
                    anthropic { type = anthropic, base-url = "ftp://x", api-key = "k" }
                    bad { type = openia, base-url = "https://example.com" }
                    notype { base-url = "https://example.com" }
                    scalar = 5
                  }
                  models {
                    "chat" {
                      strategy = fastest
                      deployments = [
                        { provider = anthropic, model = "claude-haiku-4-5", weight = 0 }
                        { provider = antropic, model = "claude-haiku-4-5" }
                        { provider = anthropic }
                      ]
                      hedge { after = p99 }
                      cache { max-entries = 10 }
                    }
                    "empty" { deployments = [] }
                    "none" { }
                  }
                }
                """);
        assertHasError(errors, "junction.server.port: must be an integer from 0 to 65535, got \"abc\"");
        assertHasError(errors, "junction.server.max-request-bytes: must be a size such as 32m or 65536, got \"lots\"");
        assertHasError(errors, "junction.server.idle-timeout: must be a duration > 0, got \"-1s\"");
        assertHasError(errors, "junction.providers.anthropic.base-url: must be an http(s) URL, got \"ftp://x\"");
        assertHasError(errors, "junction.providers.bad.type: must be one of anthropic | azure-openai | gemini | openai | "
                + "openai-compatible | runway, got \"openia\" (did you mean 'openai'?)");
        assertHasError(errors, "junction.providers.notype.type: is required");
        assertHasError(errors, "junction.providers.scalar: must be an object { ... }, got 5");
        assertHasError(errors, "junction.models.chat.strategy: must be one of cost | latency | priority | weighted, "
                + "got \"fastest\"");
        assertHasError(errors, "junction.models.chat.deployments[0].weight: must be an integer from 1 to 1000000, got 0");
        assertHasError(errors, "junction.models.chat.deployments[1].provider: no provider named 'antropic' "
                + "(did you mean 'anthropic'?)");
        assertHasError(errors, "junction.models.chat.deployments[2].model: is required");
        assertHasError(errors, "junction.models.chat.hedge.after: must be p95 or a duration such as 800ms, got \"p99\"");
        assertHasError(errors, "junction.models.chat.cache.ttl: is required");
        assertHasError(errors, "junction.models.empty.deployments: must list at least one deployment");
        assertHasError(errors, "junction.models.none.deployments: is required");
        assertEquals(15, errors.size(), errors::toString);
    }

    @Test
    void exceptionMessageListsEveryError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("junction.server { port = 70000, io-threads = -1 }"));
        assertEquals(2, e.errors().size());
        assertTrue(e.getMessage().startsWith("invalid configuration (2 errors):"), e.getMessage());
        for (String error : e.errors()) {
            assertTrue(e.getMessage().contains(error));
        }
    }

    @Test
    void errorsCarryTheFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.conf");
        Files.writeString(file, "junction {\n  server {\n    port = 70000\n  }\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, ConfigFactory.empty(), Map.of()));
        assertEquals(List.of("junction.server.port: must be an integer from 0 to 65535, got 70000 (mine.conf:3)"),
                e.errors());
        assertEquals(file.toAbsolutePath().normalize(), e.source());
    }

    @Test
    void unknownKeysAreErrorsAtEveryLevel() {
        List<String> errors = errors("""
                junction {
                  server { prot = 9090 }
                  colour = blue
                  resilience.retry { max-attempt = 4 }
                  providers.local { type = openai-compatible, base_url = "http://h", base-url = "http://h",
                                    timeouts { frist-byte = 1s }, retry { caps = 1s } }
                  models.m {
                    deployments = [ { provider = local, modle = "x", model = "x" } ]
                    hedge { max-extras = 2 }
                    cach { ttl = 1m }
                  }
                  auth.keys = [ { nmae = "a", name = "a", key = "k" } ]
                }
                """);
        assertHasError(errors, "junction.server.prot: unknown setting (did you mean 'port'?)");
        assertHasError(errors, "junction.colour: unknown setting");
        assertHasError(errors, "junction.resilience.retry.max-attempt: unknown setting (did you mean 'max-attempts'?)");
        assertHasError(errors, "junction.providers.local.base_url: unknown setting (did you mean 'base-url'?)");
        assertHasError(errors, "junction.providers.local.timeouts.frist-byte: unknown setting");
        assertHasError(errors, "junction.providers.local.retry.caps: unknown setting (did you mean 'cap'?)");
        assertHasError(errors, "junction.models.m.deployments[0].modle: unknown setting (did you mean 'model'?)");
        assertHasError(errors, "junction.models.m.hedge.max-extras: unknown setting (did you mean 'max-extra'?)");
        assertHasError(errors, "junction.models.m.cach: unknown setting (did you mean 'cache'?)");
        assertHasError(errors, "junction.auth.keys[0].nmae: unknown setting (did you mean 'name'?)");
        assertEquals(10, errors.size(), errors::toString);
    }

    @Test
    void nonLoopbackBindWithoutKeysIsRefused() {
        List<String> errors = errors("junction.server.host = \"0.0.0.0\"");
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).startsWith("junction.server.host: binding \"0.0.0.0\" (not a loopback address) with no "
                + "gateway keys"), errors.get(0));
        assertTrue(errors.get(0).contains("junction.auth.allow-anonymous = true"), "the message gives the fix");

        assertEquals("0.0.0.0", load("junction { server.host = \"0.0.0.0\", auth.allow-anonymous = true }").server().host());
        GatewayConfig withKey = load("""
                junction { server.host = "10.0.0.5", auth.keys = [ { name = a, key = ${?KEY_A} } ] }
                """, Map.of("KEY_A", "gw-secret-a"));
        assertTrue(withKey.auth().enabled());
        for (String loopback : List.of("localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]")) {
            assertEquals(loopback, load("junction.server.host = \"" + loopback + "\"").server().host());
        }
        assertHasError(errors("junction.server.host = \"gateway.internal\""), "junction.server.host: binding");
        assertHasError(errors("junction.server.host = \"::\""), "junction.server.host: binding");
    }

    @Test
    void gatewayKeyWithoutValueIsDroppedWithAWarning() {
        GatewayConfig c = load("""
                junction.models.chat.deployments = [ { provider = local, model = m } ]
                junction.providers.local { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                junction.auth.keys = [
                  { name = "app-1", key = ${?JUNCTION_KEY_APP1}, models = ["chat"], rpm = 600, tpm = 2000000, budget-usd-per-day = 50 }
                  { name = "app-2", key = ${?JUNCTION_KEY_APP2}, admin = true }
                ]
                """, Map.of("JUNCTION_KEY_APP2", "gw-key-2"));
        assertEquals(1, c.auth().keys().size());
        KeyConfig k = c.auth().keys().get(0);
        assertEquals("app-2", k.name());
        assertEquals(List.of("*"), k.models());
        assertTrue(k.admin());
        assertEquals(List.of("gateway key 'app-1' has no value (set JUNCTION_KEY_APP1); it is ignored"), c.warnings());

        GatewayConfig both = load("""
                junction.models.chat.deployments = [ { provider = local, model = m } ]
                junction.providers.local { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                junction.auth.keys = [ { name = "app-1", key = ${?K1}, models = ["chat"], rpm = 600, tpm = 2000000, budget-usd-per-day = 50 } ]
                """, Map.of("K1", "gw-key-1"));
        KeyConfig k1 = both.auth().keys().get(0);
        assertEquals(new KeyConfig("app-1", "gw-key-1", List.of("chat"), 600, 2_000_000L, 50.0, false), k1);
        assertFalse(k1.toString().contains("gw-key-1"));
        assertFalse(both.toString().contains("gw-key-1"), "a snapshot's toString never shows a gateway key");
    }

    @Test
    void droppedKeysDoNotCountForANonLoopbackBind() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("""
                junction { server.host = "0.0.0.0", auth.keys = [ { name = a, key = ${?UNSET_KEY} } ] }
                """));
        assertHasError(e.errors(), "junction.server.host: binding \"0.0.0.0\"");
    }

    @Test
    void duplicateKeyNamesAndValuesAreRejectedWithoutShowingValues() {
        List<String> errors = errors("""
                junction.auth.keys = [
                  { name = a, key = "gw-dup-secret" }
                  { name = a, key = "gw-other" }
                  { name = b, key = "gw-dup-secret", models = ["nope"] }
                ]
                """);
        assertHasError(errors, "junction.auth.keys[1].name: duplicate key name 'a' (already junction.auth.keys[0])");
        assertHasError(errors, "junction.auth.keys[2].key: has the same value as junction.auth.keys[0]");
        assertHasError(errors, "junction.auth.keys[2].models: no alias named 'nope'");
        assertEquals(3, errors.size(), errors::toString);
        assertTrue(errors.stream().noneMatch(e -> e.contains("gw-dup-secret")), errors::toString);
    }

    @Test
    void secretsWithBadShapesAreDescribedNotEchoed() {
        List<String> errors = errors("""
                junction.providers.a { type = anthropic, base-url = "https://api.anthropic.com", api-key = "sk-ant-leak\\n" }
                junction.providers.b { type = anthropic, base-url = "https://api.anthropic.com", api-key = 123456789 }
                junction.providers.c { type = anthropic, base-url = "https://api.anthropic.com", api-key = "k",
                                       headers { "X-Token" = "tok-leak\\r\\nEvil: 1", "Host" = "h" } }
                """);
        assertHasError(errors, "junction.providers.a.api-key: has leading/trailing whitespace or a line break");
        assertHasError(errors, "junction.providers.b.api-key: must be a string, got a number");
        assertHasError(errors, "junction.providers.c.headers.X-Token: must not contain a line break");
        assertHasError(errors, "junction.providers.c.headers.Host: is set by Junction itself");
        assertTrue(errors.stream().noneMatch(e -> e.contains("leak") || e.contains("123456789")), errors::toString);
    }

    @Test
    void duplicateDeploymentsAndWeightsAreChecked() {
        List<String> errors = errors("""
                junction.providers.local { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                junction.models.m.deployments = [
                  { provider = local, model = x }
                  { provider = local, model = x, weight = -2 }
                ]
                """);
        assertHasError(errors, "junction.models.m.deployments[1].weight: must be an integer from 1 to 1000000, got -2");
        assertHasError(errors, "junction.models.m.deployments[1]: duplicate deployment local/x (already "
                + "junction.models.m.deployments[0])");
    }

    @Test
    void hedgeAndCacheAreParsed() {
        GatewayConfig c = load("""
                junction.providers {
                  a { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                  b { type = openai-compatible, base-url = "http://127.0.0.1:2/v1" }
                }
                junction.models {
                  p95 { strategy = latency, deployments = [ { provider = a, model = x }, { provider = b, model = x } ]
                        hedge { after = p95 } }
                  fixed { strategy = weighted, deployments = [ { provider = a, model = x, weight = 3 }, { provider = b, model = y } ]
                          hedge { after = 800ms, max-extra = 2 }
                          cache { ttl = 10m, max-entries = 500, allow-temperature = true } }
                  plain { deployments = [ { provider = a, model = x } ], cache { ttl = 1m } }
                }
                """);
        assertEquals(new AliasConfig.HedgeConfig(null, 1), c.models().get("p95").hedge());
        assertEquals(new AliasConfig.HedgeConfig(Duration.ofMillis(800), 2), c.models().get("fixed").hedge());
        assertEquals(new AliasConfig.CacheConfig(Duration.ofMinutes(10), 500, true), c.models().get("fixed").cache());
        assertEquals(new AliasConfig.CacheConfig(Duration.ofMinutes(1), 10_000, false), c.models().get("plain").cache());
        assertNull(c.models().get("plain").hedge());
        assertEquals(3, c.models().get("fixed").deployments().get(0).weight());
        assertEquals(List.of("p95", "fixed", "plain"), List.copyOf(c.models().keySet()), "aliases keep file order");
    }

    @Test
    void aliasWarningsForUselessHedgeAndNoEnabledDeployment() {
        GatewayConfig c = load("""
                junction.providers.o { type = openai, base-url = "https://api.openai.com/v1", api-key = ${?NOPE_KEY} }
                junction.models.solo { deployments = [ { provider = o, model = x } ], hedge { after = p95 } }
                """);
        assertTrue(c.warnings().contains("alias 'solo' enables hedging but has a single deployment; a hedge needs "
                + "another deployment to run on"), c.warnings()::toString);
        assertTrue(c.warnings().contains("alias 'solo' has no enabled deployment; requests for it fail until one of "
                + "its providers is enabled"), c.warnings()::toString);
    }

    @Test
    void laterSectionsAreParsedAndValidated() {
        GatewayConfig c = load("""
                junction {
                  resilience { retry { max-attempts = 5, base = 50ms, cap = 1s }
                               circuit-breaker { failure-rate = 0.25, minimum-requests = 10, window = 1m, open-for = 5s, half-open-probes = 1 }
                               hedge.budget-percent = 20 }
                  streaming.keepalive-interval = 5s
                  translation.unsupported = drop
                  tasks { store = redis, redis-uri = "redis://:pw@localhost:6379/0" }
                  access-log.include-prompts = true
                }
                """);
        assertEquals(new ResilienceConfig(new RetryConfig(5, Duration.ofMillis(50), Duration.ofSeconds(1)),
                new CircuitBreakerConfig(0.25, 10, Duration.ofMinutes(1), Duration.ofSeconds(5), 1), 20), c.resilience());
        assertEquals(Duration.ofSeconds(5), c.streaming().keepaliveInterval());
        assertTrue(c.translation().dropUnsupported());
        assertEquals("redis", c.tasks().store());
        assertFalse(c.tasks().toString().contains("pw"));
        assertEquals(new AccessLogConfig(true, true), c.accessLog());

        List<String> errors = errors("""
                junction {
                  resilience { retry { max-attempts = 0, base = 2s, cap = 1s }, circuit-breaker.failure-rate = 1.5
                               hedge.budget-percent = 101 }
                  translation.unsupported = ignore
                  tasks.store = redis
                }
                """);
        assertHasError(errors, "junction.resilience.retry.max-attempts: must be an integer from 1 to 100, got 0");
        assertHasError(errors, "junction.resilience.retry.cap: must be at least base (PT2S), got PT1S");
        assertHasError(errors, "junction.resilience.circuit-breaker.failure-rate: must be a number > 0.0 and <= 1.0, got 1.5");
        assertHasError(errors, "junction.resilience.hedge.budget-percent: must be an integer from 0 to 100, got 101");
        assertHasError(errors, "junction.translation.unsupported: must be one of drop | reject, got \"ignore\"");
        assertHasError(errors, "junction.tasks.redis-uri: is required when junction.tasks.store = redis");
        assertEquals(6, errors.size(), errors::toString);
    }

    @Test
    void latencyRoutingSettingsAreParsedAndValidated() {
        assertEquals(LatencyRoutingConfig.DEFAULT, load("junction {}").resilience().latencyRouting());
        GatewayConfig c = load("""
                junction.resilience.latency-routing { tail-weight = 0.5, tolerance = 0.1, explore-percent = 1 }
                """);
        assertEquals(new LatencyRoutingConfig(0.5, 0.1, 1), c.resilience().latencyRouting());
        List<String> errors = errors("""
                junction.resilience.latency-routing { tail-weight = 2, explore-percent = -1, explore = 3 }
                """);
        assertHasError(errors, "junction.resilience.latency-routing.tail-weight: must be a number from 0.0 to 1.0, got 2.0");
        assertHasError(errors, "junction.resilience.latency-routing.explore-percent: must be a number from 0.0 to 50.0, got -1.0");
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("junction.resilience.latency-routing.explore: unknown setting")),
                errors::toString);
        assertEquals(3, errors.size(), errors::toString);
    }

    @Test
    void providerRetryOverrideInheritsTheGlobalRetry() {
        GatewayConfig c = load("""
                junction.resilience.retry { max-attempts = 4, cap = 3s }
                junction.providers.a { type = openai-compatible, base-url = "http://h/v1", retry { base = 200ms } }
                """);
        assertEquals(new RetryConfig(4, Duration.ofMillis(200), Duration.ofSeconds(3)), c.providers().get("a").retry());
    }

    @Test
    void catalogPathIsResolvedAgainstTheConfigFile(@TempDir Path dir) throws Exception {
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(confDir.resolve("models.conf"), "\"x\" { context-window = 1000 }\n");
        Path file = confDir.resolve("j.conf");
        Files.writeString(file, "junction.catalog = \"models.conf\"\n");
        assertEquals(confDir.resolve("models.conf"), ConfigLoader.load(file, ConfigFactory.empty(), Map.of()).catalogPath());

        Files.writeString(file, "junction.catalog = \"missing.conf\"\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, ConfigFactory.empty(), Map.of()));
        assertHasError(e.errors(), "junction.catalog: file not found: " + confDir.resolve("missing.conf"));
    }

    @Test
    void unsetRequiredSubstitutionParseErrorsAndMissingFilesAreConfigExceptions(@TempDir Path dir) throws Exception {
        ConfigException unresolved = assertThrows(ConfigException.class,
                () -> load("junction.providers.a { type = openai-compatible, base-url = ${SOME_UNSET_URL} }"));
        assertTrue(unresolved.errors().get(0).contains("SOME_UNSET_URL"), unresolved.errors()::toString);
        assertTrue(unresolved.errors().get(0).contains("${?NAME}"), unresolved.errors()::toString);

        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "junction { server { port = 1 }\n");
        ConfigException parse = assertThrows(ConfigException.class, () -> ConfigLoader.load(broken, ConfigFactory.empty(), Map.of()));
        assertTrue(parse.errors().get(0).startsWith("cannot parse: "), parse.errors()::toString);

        Path missing = dir.resolve("nope.conf");
        ConfigException notFound = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
        assertEquals(List.of("config file not found: " + missing + " (pass --config FILE or set JUNCTION_CONFIG)"),
                notFound.errors());
    }

    @Test
    void wrongSectionTypesAreReported() {
        List<String> errors = errors("junction { server = 5, auth.keys = \"k\", providers.a { type = openai-compatible, "
                + "base-url = \"http://h\", headers = [1] } }");
        assertHasError(errors, "junction.server: must be an object { ... }, got 5");
        assertHasError(errors, "junction.auth.keys: must be a list of objects [ { ... } ], got \"k\"");
        assertHasError(errors, "junction.providers.a.headers: must be an object { ... }, got a list");
    }

    @Test
    void dialectIsValidatedByNameAndOnlyForOpenAiCompatibleServers() {
        GatewayConfig ok = load("junction.providers.m { type = openai-compatible, base-url = \"http://h\", "
                + "options { dialect = mistral } }");
        assertEquals("mistral", ok.providers().get("m").options().get("dialect"));

        List<String> errors = errors("junction.providers { "
                + "m { type = openai-compatible, base-url = \"http://h\", options { dialect = mistrall } }\n"
                + "o { type = openai, base-url = \"http://h\", api-key = k, options { dialect = groq } } }");
        assertHasError(errors, "junction.providers.m.options.dialect: must be one of [deepseek, generic, groq, mistral, "
                + "ollama, together, vllm]");
        assertHasError(errors, "junction.providers.o.options.dialect: applies to type = openai-compatible only");
    }

    @Test
    void keyLimitsAndTheLimitsSection() {
        GatewayConfig c = load("""
                junction.models.chat.deployments = [ { provider = local, model = m } ]
                junction.providers.local { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                junction.auth.keys = [ { name = "a", key = "k", max-concurrent = 5, budget-usd-per-month = 100 } ]
                junction.limits { store = redis, redis-uri = "redis://127.0.0.1:6379/0", on-store-failure = closed }
                """, Map.of());
        KeyConfig k = c.auth().keys().get(0);
        assertEquals(5, k.maxConcurrent());
        assertEquals(100.0, k.budgetUsdPerMonth());
        assertTrue(k.limited());
        assertTrue(c.limits().redis());
        assertFalse(c.limits().failOpen());
        assertFalse(c.limits().toString().contains("6379"), "the URI may hold a password");
        assertEquals(LimitsConfig.DEFAULT, load("""
                junction.models.chat.deployments = [ { provider = local, model = m } ]
                junction.providers.local { type = openai-compatible, base-url = "http://127.0.0.1:1/v1" }
                """, Map.of()).limits());
    }

    @Test
    void limitsErrorsNameTheSetting() {
        List<String> errors = errors("""
                junction.limits { store = redis, on-store-failure = maybe }
                junction.auth.keys = [ { name = "a", key = "k", max-concurrent = 0 } ]
                """);
        assertHasError(errors, "junction.limits.redis-uri");
        assertHasError(errors, "junction.limits.on-store-failure");
        assertHasError(errors, "junction.auth.keys[0].max-concurrent");
    }
}

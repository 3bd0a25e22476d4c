package dev.junction.core.routing;

import dev.junction.core.catalog.Catalog;
import dev.junction.core.catalog.CatalogLoader;
import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.AuthConfig;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.ServerConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.Message;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds config snapshots and requests for routing tests. */
final class Fixtures {

    static final Catalog CATALOG = CatalogLoader.loadShipped();

    private Fixtures() {
    }

    static ProviderConfig provider(String name, String type, boolean enabled) {
        return new ProviderConfig(name, type, "https://" + name + ".example", enabled ? "key-" + name : null, enabled,
                enabled ? null : "no api key: set " + name.toUpperCase() + "_API_KEY", Map.of(), Map.of(),
                new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMinutes(10)),
                100, null, null);
    }

    static Map<String, ProviderConfig> providers() {
        Map<String, ProviderConfig> p = new LinkedHashMap<>();
        p.put("openai", provider("openai", "openai", true));
        p.put("anthropic", provider("anthropic", "anthropic", true));
        p.put("gemini", provider("gemini", "gemini", true));
        return p;
    }

    static DeploymentConfig dep(String provider, String model) {
        return new DeploymentConfig(provider, model, 1, null);
    }

    static DeploymentConfig dep(String provider, String model, int weight) {
        return new DeploymentConfig(provider, model, weight, null);
    }

    static AliasConfig alias(String name, String strategy, DeploymentConfig... deployments) {
        return new AliasConfig(name, strategy, List.of(deployments), null, null);
    }

    static GatewayConfig config(Map<String, ProviderConfig> providers, AliasConfig... aliases) {
        Map<String, AliasConfig> models = new LinkedHashMap<>();
        for (AliasConfig a : aliases) {
            models.put(a.name(), a);
        }
        ServerConfig server = new ServerConfig("127.0.0.1", 8080, 32 << 20, 8192, 64, 1 << 24,
                Duration.ofSeconds(60), Duration.ofSeconds(30), 0);
        return new GatewayConfig(server, new AuthConfig(false, List.of()), providers, models, null, null, List.of());
    }

    static ChatRequest chat(List<Message> messages) {
        return new ChatRequest("chat", messages, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, false, false, null);
    }

    static Message user(String text) {
        return new Message.User(List.of(new ContentPart.Text(text)), null);
    }
}

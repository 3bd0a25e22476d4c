package dev.junction.core.routing;

import dev.junction.core.catalog.ModelInfo;
import dev.junction.core.catalog.Price;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.resilience.CircuitBreaker;

/**
 * One deployment of an alias in a {@link RouteTable} snapshot: immutable config and catalog facts,
 * plus references to the live {@link DeploymentStats} and {@link CircuitBreaker}, which are shared
 * by every alias using the same provider and model and carried over across reloads.
 *
 * @param id       {@code provider/model}, as in metrics, logs and {@code /admin/routes}
 * @param index    position in the alias's config list (priority order, tie-breaker)
 * @param timeouts the provider's timeouts overridden by the deployment's
 */
public record Deployment(String id, String alias, int index, ProviderConfig provider, DeploymentConfig config,
                         ModelInfo info, Timeouts timeouts, DeploymentStats stats, CircuitBreaker breaker) {

    /** The model name sent to the vendor. */
    public String model() {
        return config.model();
    }

    public String providerName() {
        return provider.name();
    }

    public int weight() {
        return config.weight();
    }

    public Price price() {
        return info.price();
    }

    /** Provider enabled (has its key, not switched off). */
    public boolean enabled() {
        return provider.enabled();
    }

    @Override
    public String toString() {
        return "Deployment[" + alias + " → " + id + "]";
    }
}

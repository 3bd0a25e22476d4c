package dev.junction.core.routing;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.resilience.HedgePolicy;

import java.util.List;

/**
 * One alias in a {@link RouteTable}: its deployments in config order, its strategy name and its
 * hedge policy (null when hedging is off).
 */
public record Route(String alias, String strategy, List<Deployment> deployments, HedgePolicy hedge,
                    AliasConfig config) {

    public Route {
        deployments = List.copyOf(deployments);
    }
}

package dev.junction.core.routing;

import java.util.List;

/**
 * Orders the candidates of one request (SPEC §7): the first is tried first, the rest in preference
 * order for retries, failover and hedging. Implementations are stateless apart from injected
 * randomness and read live {@link DeploymentStats}; they are shared by every request.
 */
public interface RoutingStrategy {

    /** The name used in config ({@code strategy = latency}) and {@code x-junction-strategy}. */
    String name();

    /**
     * Reorders {@code candidates} (a mutable list the caller owns) in place and returns it.
     *
     * @param candidates non-empty, in config order
     */
    List<Deployment> order(List<Deployment> candidates, RequestProfile profile);
}

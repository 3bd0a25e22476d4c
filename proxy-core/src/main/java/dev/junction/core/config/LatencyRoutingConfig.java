package dev.junction.core.config;

/**
 * {@code junction.resilience.latency-routing}: how the {@code latency} strategy (SPEC §7) chooses
 * (docs/decisions.md, "Latency routing").
 *
 * @param tailWeight     weight of the p99 TTFT's excess over the average TTFT in a deployment's figure
 * @param tolerance      deployments whose figure is within this fraction of the best share the load
 * @param explorePercent percentage of first attempts sent to a clearly worse deployment
 */
public record LatencyRoutingConfig(double tailWeight, double tolerance, double explorePercent) {

    /** The values of {@code reference.conf}. */
    public static final LatencyRoutingConfig DEFAULT = new LatencyRoutingConfig(0.5, 0.25, 2);
}

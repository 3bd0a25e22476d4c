package dev.junction.core.routing;

import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.RandomSource;
import dev.junction.core.time.Ticker;
import dev.junction.stream.GatewayError;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the ordered candidates for one request (DESIGN request flow step 2): route lookup, the
 * {@link CapabilityFilter}, then the alias's strategy or the one named by
 * {@code x-junction-strategy}. Pure policy: no I/O, safe on an event loop, shared by every request.
 */
public final class Router {

    /** The request header that overrides the alias's strategy for one request (SPEC §3). */
    public static final String STRATEGY_HEADER = "x-junction-strategy";

    private final Map<String, RoutingStrategy> strategies;

    /** A router whose latency strategy uses the default {@code latency-routing} settings. */
    public Router(RandomSource random, ResiliencePolicies.Stats settings, Ticker ticker) {
        this(random, settings, ResiliencePolicies.LatencyRouting.DEFAULT, ticker);
    }

    public Router(RandomSource random, ResiliencePolicies.Stats settings, ResiliencePolicies.LatencyRouting latency,
                  Ticker ticker) {
        this.strategies = Map.of(
                Strategies.PRIORITY, Strategies.priority(),
                Strategies.WEIGHTED, Strategies.weighted(random),
                Strategies.LATENCY, Strategies.latency(random, settings, latency, ticker),
                Strategies.COST, Strategies.cost());
    }

    /** The strategy with this name, or null. */
    public RoutingStrategy strategy(String name) {
        return strategies.get(name);
    }

    /**
     * @param strategyOverride the {@code x-junction-strategy} header value, or null
     */
    /**
     * SPEC §7.1 vendor limits: deployments whose vendor has no room for this request now (its
     * headers said so, it answered 429, or the provider's configured rpm / tpm is used up) go after
     * those that have room, in the strategy's order — routed around before they answer 429. When
     * none has room the order is kept: the request still goes out (the vendor's 429 becomes
     * {@code upstream_rate_limited} with its Retry-After).
     */
    static List<Deployment> roomFirst(List<Deployment> ordered, RequestProfile profile) {
        long tokens = profile.estimatedInputTokens()
                + (profile.requestedMaxOutput() == null ? 0 : profile.requestedMaxOutput());
        List<Deployment> out = null;
        List<Deployment> later = null;
        for (int i = 0; i < ordered.size(); i++) {
            Deployment d = ordered.get(i);
            boolean room = d.stats().headroom().waitMillis(d.provider().rpm(), d.provider().tpm(), tokens) == 0;
            if (!room && later == null) {
                out = new java.util.ArrayList<>(ordered.subList(0, i));
                later = new java.util.ArrayList<>(2);
            }
            if (later != null) {
                (room ? out : later).add(d);
            }
        }
        if (later == null || out.isEmpty()) {
            return ordered;
        }
        out.addAll(later);
        return out;
    }

    public RouteResult select(RouteTable table, String alias, RequestProfile profile, String strategyOverride) {
        Route route = table.route(alias);
        if (route == null) {
            return RouteResult.failed(null, GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model",
                    "The model \"" + alias + "\" does not exist; GET /v1/models lists the models this gateway serves."),
                    List.of());
        }
        String name = route.strategy();
        if (strategyOverride != null && !strategyOverride.isBlank()) {
            name = strategyOverride.trim().toLowerCase(Locale.ROOT);
        }
        RoutingStrategy strategy = strategies.get(name);
        if (strategy == null) {
            return RouteResult.failed(route, GatewayError.invalidRequest("invalid_value", STRATEGY_HEADER,
                    STRATEGY_HEADER + " must be one of " + String.join(", ", Strategies.NAMES) + "; got \""
                            + strategyOverride + "\""), List.of());
        }
        CapabilityFilter.Result filtered = CapabilityFilter.filter(route, profile);
        if (filtered.candidates().isEmpty()) {
            return RouteResult.failed(route, CapabilityFilter.error(route, filtered.excluded()), filtered.excluded());
        }
        List<Deployment> ordered = roomFirst(strategy.order(filtered.candidates(), profile), profile);
        return new RouteResult(route, strategy.name(), ordered, filtered.excluded(), null);
    }
}

package dev.junction.core.routing;

import dev.junction.core.catalog.Capability;
import dev.junction.core.catalog.Catalog;
import dev.junction.core.catalog.ModelInfo;
import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.resilience.CircuitBreaker;
import dev.junction.core.resilience.HedgeBudget;
import dev.junction.core.resilience.HedgePolicy;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.time.Ticker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The immutable routing snapshot built from a {@link GatewayConfig} and a {@link Catalog}, swapped
 * atomically on reload (SPEC §2, DESIGN house rule 4).
 *
 * <p>Live state survives reloads: building with the previous table reuses its
 * {@link DeploymentStats} and {@link CircuitBreaker} for every deployment whose provider
 * (name, type, base URL) and model are unchanged, and its hedge budget for every alias that still
 * hedges. One provider/model pair has one state however many aliases use it: latency and health
 * belong to the upstream, not to the alias.
 */
public final class RouteTable {

    private static final Logger LOG = LoggerFactory.getLogger(RouteTable.class);

    /** The strategy of an alias that names none. */
    public static final String DEFAULT_STRATEGY = "priority";

    private record StateKey(String provider, String type, String baseUrl, String model) {
    }

    private record State(DeploymentStats stats, CircuitBreaker breaker) {
    }

    private final Map<String, Route> routes;
    private final Map<StateKey, State> states;
    private final Map<String, HedgeBudget> hedgeBudgets;
    private final List<String> warnings;
    private final ResiliencePolicies policies;

    private RouteTable(Map<String, Route> routes, Map<StateKey, State> states, Map<String, HedgeBudget> hedgeBudgets,
                       List<String> warnings, ResiliencePolicies policies) {
        this.routes = Collections.unmodifiableMap(routes);
        this.states = Map.copyOf(states);
        this.hedgeBudgets = Map.copyOf(hedgeBudgets);
        this.warnings = List.copyOf(warnings);
        this.policies = policies;
    }

    /**
     * @param previous the table being replaced, or null on start-up
     * @throws IllegalArgumentException naming the config path when an alias is unusable (unknown
     *                                  provider or strategy); the config loader normally catches these first
     */
    public static RouteTable build(GatewayConfig config, Catalog catalog, ResiliencePolicies policies,
                                   RouteTable previous, Ticker ticker) {
        Map<StateKey, State> states = new HashMap<>();
        Map<String, HedgeBudget> budgets = new HashMap<>();
        Map<String, Route> routes = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        TreeSet<String> uncatalogued = new TreeSet<>();
        for (AliasConfig alias : config.models().values()) {
            String strategy = alias.strategy() == null ? DEFAULT_STRATEGY : alias.strategy();
            if (!Strategies.NAMES.contains(strategy)) {
                throw new IllegalArgumentException("junction.models." + quote(alias.name()) + ".strategy: unknown strategy \""
                        + strategy + "\"; use one of " + Strategies.NAMES);
            }
            List<Deployment> deployments = new ArrayList<>();
            int index = 0;
            for (DeploymentConfig dc : alias.deployments()) {
                ProviderConfig provider = config.providers().get(dc.provider());
                if (provider == null) {
                    throw new IllegalArgumentException("junction.models." + quote(alias.name()) + ".deployments[" + index
                            + "].provider: no provider named \"" + dc.provider() + "\" in junction.providers");
                }
                StateKey key = new StateKey(provider.name(), provider.type(), provider.baseUrl(), dc.model());
                State state = states.computeIfAbsent(key, k -> carryOver(previous, k, policies, ticker));
                ModelInfo info = catalog.find(provider.name(), dc.model()).orElse(null);
                if (info == null) {
                    info = ModelInfo.unknown();
                    uncatalogued.add(dc.id());
                }
                Timeouts timeouts = provider.timeouts() == null ? dc.timeouts()
                        : provider.timeouts().overriddenBy(dc.timeouts());
                deployments.add(new Deployment(dc.id(), alias.name(), index, provider, dc, info, timeouts,
                        state.stats(), state.breaker()));
                index++;
            }
            HedgePolicy hedge = null;
            // budget-percent = 0 turns hedging off everywhere. A budget is carried over a reload only
            // while the hedge settings are the same (a new ratio takes effect at once).
            if (alias.hedge() != null && alias.hedge().maxExtra() > 0 && policies.hedge().budgetRatio() > 0) {
                HedgeBudget budget = previous != null && previous.hedgeBudgets.containsKey(alias.name())
                        && previous.policies.hedge().equals(policies.hedge())
                        ? previous.hedgeBudgets.get(alias.name()) : policies.hedge().newBudget();
                budgets.put(alias.name(), budget);
                hedge = new HedgePolicy(alias.hedge().afterFixed(), policies.hedge().floor(), alias.hedge().maxExtra(),
                        budget);
            }
            routes.put(alias.name(), new Route(alias.name(), strategy, deployments, hedge, alias));
        }
        for (String id : uncatalogued) {
            // SPEC §2: still routable, assumed capable of anything, priced 0 — but say so.
            warnings.add("model " + id + " is in no catalog: assumed capable of anything ("
                    + Capability.values().length + " capabilities, no context limit) and priced 0, so cost routing"
                    + " and budgets treat it as free; add an entry for it to the catalog file");
        }
        warnings.forEach(LOG::warn);
        return new RouteTable(routes, states, budgets, warnings, policies);
    }

    private static State carryOver(RouteTable previous, StateKey key, ResiliencePolicies policies, Ticker ticker) {
        if (previous != null) {
            State old = previous.states.get(key);
            if (old != null && old.breaker.settings().equals(policies.circuitBreaker())
                    && old.stats.settings().equals(policies.stats())) {
                return old;
            }
        }
        return new State(new DeploymentStats(policies.stats(), ticker), policies.newCircuitBreaker(ticker));
    }

    private static String quote(String alias) {
        return alias.matches("[A-Za-z0-9_-]+") ? alias : "\"" + alias + "\"";
    }

    /** The alias's route, or null when no such alias is configured. */
    public Route route(String alias) {
        return routes.get(alias);
    }

    /** Every alias in config order. */
    public Map<String, Route> routes() {
        return routes;
    }

    /**
     * Non-fatal findings of the build (uncatalogued models), for {@code junction check}; already
     * logged at WARN by {@link #build}.
     */
    public List<String> warnings() {
        return warnings;
    }

    public ResiliencePolicies policies() {
        return policies;
    }

    /** JSON-friendly view of one deployment for {@code /admin/routes}. */
    public record DeploymentView(String id, String provider, String model, int weight, boolean enabled,
                                 String disabledReason, boolean catalogued, int contextWindow, int maxOutput,
                                 List<String> capabilities, double priceInput, double priceOutput,
                                 String circuitState, DeploymentStats.Snapshot stats, VendorHeadroom.Snapshot headroom) {
    }

    /** JSON-friendly view of one alias for {@code /admin/routes}. */
    public record AliasView(String alias, String strategy, boolean hedging, List<DeploymentView> deployments) {
    }

    /** The live table: every alias with each deployment's figures read now. */
    public List<AliasView> snapshot() {
        List<AliasView> out = new ArrayList<>(routes.size());
        for (Route r : routes.values()) {
            List<DeploymentView> ds = new ArrayList<>(r.deployments().size());
            for (Deployment d : r.deployments()) {
                List<String> caps = new ArrayList<>();
                d.info().capabilities().forEach(c -> caps.add(c.configName()));
                ds.add(new DeploymentView(d.id(), d.providerName(), d.model(), d.weight(), d.enabled(),
                        d.provider().disabledReason(), d.info().catalogued(), d.info().contextWindow(),
                        d.info().maxOutput(), caps, d.price().input(), d.price().output(),
                        d.breaker().state().name().toLowerCase(java.util.Locale.ROOT), d.stats().snapshot(),
                        d.stats().headroom().snapshot(d.provider().rpm(), d.provider().tpm())));
            }
            out.add(new AliasView(r.alias(), r.strategy(), r.hedge() != null, ds));
        }
        return out;
    }

    @Override
    public String toString() {
        return "RouteTable" + Objects.toString(routes.keySet());
    }
}

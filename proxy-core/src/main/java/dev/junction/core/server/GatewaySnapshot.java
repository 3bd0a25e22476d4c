package dev.junction.core.server;

import dev.junction.core.catalog.Catalog;
import dev.junction.core.catalog.CatalogLoader;
import dev.junction.core.config.CircuitBreakerConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ResilienceConfig;
import dev.junction.core.proxy.Route;
import dev.junction.core.resilience.CircuitBreaker;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.resilience.RetryPolicy;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RouteTable;
import dev.junction.core.routing.Router;
import dev.junction.core.time.RandomSource;
import dev.junction.core.time.Ticker;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Everything a request reads from configuration, swapped as one value on reload (house rule 4):
 * the config, the routing table (whose live statistics carry over from the previous snapshot for
 * unchanged deployments), the policies built from config, and each deployment made callable.
 */
public record GatewaySnapshot(GatewayConfig config, Catalog catalog, RouteTable table, Router router,
                              RetryPolicy retry, GatewayAuth auth, Map<Deployment, Route> callables,
                              long createdAtMillis) {

    static final java.time.Duration MAX_RETRY_AFTER = java.time.Duration.ofSeconds(2);

    public static GatewaySnapshot of(GatewayConfig config, GatewaySnapshot previous) {
        Catalog catalog = config.catalogPath() == null ? CatalogLoader.loadShipped() : CatalogLoader.load(config.catalogPath());
        ResiliencePolicies policies = policies(config.resilience());
        RandomSource random = RandomSource.threadLocal();
        RouteTable table = RouteTable.build(config, catalog, policies, previous == null ? null : previous.table(),
                Ticker.system());
        Map<Deployment, Route> callables = new IdentityHashMap<>();
        table.routes().values().forEach(r -> r.deployments().forEach(d -> callables.put(d, Route.of(d))));
        return new GatewaySnapshot(config, catalog, table, new Router(random, policies.stats(), policies.latencyRouting(),
                Ticker.system()),
                policies.retry().policy(random), new GatewayAuth(config.auth()), callables, System.currentTimeMillis());
    }

    /** The resilience settings of {@code junction.resilience} over the policies' defaults. */
    static ResiliencePolicies policies(ResilienceConfig rc) {
        ResiliencePolicies d = ResiliencePolicies.defaults();
        if (rc == null) {
            return d;
        }
        // A vendor asking for a longer pause than MAX_RETRY_AFTER is not waited out inside the
        // gateway: the client gets the 429 with that Retry-After and decides (its SDK honours it).
        ResiliencePolicies.Retry retry = rc.retry() == null
                ? new ResiliencePolicies.Retry(d.retry().maxAttempts(), d.retry().base(), d.retry().cap(), MAX_RETRY_AFTER)
                : new ResiliencePolicies.Retry(rc.retry().maxAttempts(), rc.retry().base(), rc.retry().cap(), MAX_RETRY_AFTER);
        CircuitBreaker.Settings cb = d.circuitBreaker();
        CircuitBreakerConfig c = rc.circuitBreaker();
        if (c != null) {
            cb = new CircuitBreaker.Settings(c.failureRate(), c.minimumRequests(), c.window(), cb.buckets(), c.openFor(),
                    c.halfOpenProbes());
        }
        ResiliencePolicies.Hedge hedge = new ResiliencePolicies.Hedge(rc.hedgeBudgetPercent() / 100.0,
                d.hedge().budgetBurst(), d.hedge().floor());
        ResiliencePolicies.LatencyRouting latency = d.latencyRouting();
        if (rc.latencyRouting() != null) {
            latency = new ResiliencePolicies.LatencyRouting(rc.latencyRouting().tailWeight(),
                    rc.latencyRouting().tolerance(), rc.latencyRouting().explorePercent() / 100.0);
        }
        return new ResiliencePolicies(retry, cb, hedge, d.stats(), latency);
    }

    public boolean hasAlias(String alias) {
        return table.route(alias) != null;
    }

    public Iterable<String> aliases() {
        return table.routes().keySet();
    }
}

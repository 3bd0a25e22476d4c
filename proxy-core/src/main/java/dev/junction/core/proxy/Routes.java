package dev.junction.core.proxy;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.upstream.Origin;
import dev.junction.translators.spi.Target;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The aliases of one config snapshot resolved into callable {@link Route}s, in config order.
 * Deployments of disabled providers are kept (for {@code /admin/routes} and error messages) but are
 * not candidates.
 */
public final class Routes {

    private final Map<String, List<Route>> byAlias;

    private Routes(Map<String, List<Route>> byAlias) {
        this.byAlias = byAlias;
    }

    public static Routes build(GatewayConfig config) {
        Map<String, List<Route>> m = new LinkedHashMap<>();
        for (AliasConfig alias : config.models().values()) {
            List<Route> routes = new ArrayList<>(alias.deployments().size());
            for (DeploymentConfig d : alias.deployments()) {
                ProviderConfig p = config.providers().get(d.provider());
                if (p == null) {
                    continue;
                }
                Target target = new Target(p.name(), p.type(), p.baseUrl(), d.model(), p.apiKey(), p.headers(), p.options());
                routes.add(new Route(d, p, Origin.parse(p.baseUrl()), p.timeouts().overriddenBy(d.timeouts()), target));
            }
            m.put(alias.name(), List.copyOf(routes));
        }
        return new Routes(m);
    }

    public boolean has(String alias) {
        return byAlias.containsKey(alias);
    }

    public List<Route> all(String alias) {
        return byAlias.getOrDefault(alias, List.of());
    }

    /** The deployments that may serve {@code alias} now, in preference order. */
    public List<Route> candidates(String alias) {
        List<Route> all = all(alias);
        List<Route> out = new ArrayList<>(all.size());
        for (Route r : all) {
            if (r.provider().enabled()) {
                out.add(r);
            }
        }
        return out;
    }

    public Iterable<String> aliases() {
        return byAlias.keySet();
    }
}

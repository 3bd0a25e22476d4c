package dev.junction.core.proxy;

import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.routing.Deployment;
import dev.junction.core.upstream.Origin;
import dev.junction.translators.spi.Target;

/**
 * A routing-table {@link Deployment} made callable: where its provider lives and the translator
 * {@link Target} (with the catalog's max output for vendors that require one, wire-formats §4.1).
 */
public record Route(Deployment deployment, Origin origin, Target target) {

    public static Route of(Deployment d) {
        ProviderConfig p = d.provider();
        java.util.Map<String, String> options = new java.util.HashMap<>(p.options());
        if (d.info().catalogued() && d.info().maxOutput() > 0) {
            options.putIfAbsent("max-output", Integer.toString(d.info().maxOutput()));
        }
        Target target = new Target(p.name(), p.type(), p.baseUrl(), d.model(), p.apiKey(), p.headers(), options);
        return new Route(d, Origin.parse(p.baseUrl()), target);
    }

    public String id() {
        return deployment.id();
    }

    public ProviderConfig provider() {
        return deployment.provider();
    }

    public Timeouts timeouts() {
        return deployment.timeouts();
    }

    public String model() {
        return deployment.model();
    }
}

package dev.junction.core.proxy;

import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.routing.Deployment;
import dev.junction.core.upstream.Origin;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Vendor;

/**
 * A routing-table {@link Deployment} made callable: where its provider lives, its {@link Vendor}
 * (looked up once, when the routing snapshot is built) and the translator {@link Target} (with the
 * catalog's max output for vendors that require one, wire-formats §4.1). {@code vendor} is null
 * for a provider type Junction does not speak (config validation refuses those).
 */
public record Route(Deployment deployment, Origin origin, Vendor vendor, Target target) {

    public static Route of(Deployment d) {
        ProviderConfig p = d.provider();
        java.util.Map<String, String> options = new java.util.HashMap<>(p.options());
        if (d.info().catalogued() && d.info().maxOutput() > 0) {
            options.putIfAbsent("max-output", Integer.toString(d.info().maxOutput()));
        }
        Target target = new Target(p.name(), p.type(), p.baseUrl(), d.model(), p.apiKey(), p.headers(), options);
        return new Route(d, Origin.parse(p.baseUrl()), VendorRegistry.vendor(p.type()), target);
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

package dev.junction.core.proxy;

import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.upstream.Origin;
import dev.junction.translators.spi.Target;

/** One deployment ready to be called: its provider, where it lives, its effective timeouts and its target. */
public record Route(DeploymentConfig deployment, ProviderConfig provider, Origin origin, Timeouts timeouts, Target target) {

    public String id() {
        return deployment.id();
    }
}

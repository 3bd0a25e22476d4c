package dev.junction.core.server;

import dev.junction.core.config.GatewayConfig;
import dev.junction.core.proxy.Routes;

/** Everything a request reads from configuration, swapped as one value on reload (house rule 4). */
public record GatewaySnapshot(GatewayConfig config, Routes routes, GatewayAuth auth, long createdAtMillis) {

    public static GatewaySnapshot of(GatewayConfig config) {
        return new GatewaySnapshot(config, Routes.build(config), new GatewayAuth(config.auth()), System.currentTimeMillis());
    }
}

package dev.junction.core.routing;

import dev.junction.stream.GatewayError;

import java.util.List;

/**
 * The router's answer for one request: the ordered candidates (first choice first), the
 * deployments ruled out and why, and the strategy used; or the error the client gets.
 */
public record RouteResult(Route route, String strategy, List<Deployment> candidates,
                          List<CapabilityFilter.Exclusion> excluded, GatewayError error) {

    public static RouteResult failed(Route route, GatewayError error, List<CapabilityFilter.Exclusion> excluded) {
        return new RouteResult(route, null, List.of(), excluded, error);
    }

    public boolean ok() {
        return error == null;
    }
}

package dev.junction.core.server;

import dev.junction.core.config.CircuitBreakerConfig;
import dev.junction.core.config.LatencyRoutingConfig;
import dev.junction.core.config.ResilienceConfig;
import dev.junction.core.config.RetryConfig;
import dev.junction.core.resilience.ResiliencePolicies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GatewaySnapshotPoliciesTest {

    @Test
    void latencyRoutingSettingsReachThePolicies() {
        ResilienceConfig rc = new ResilienceConfig(RetryConfig.DEFAULT, CircuitBreakerConfig.DEFAULT, 10,
                new LatencyRoutingConfig(0.3, 0.1, 5));
        // explore-percent is a percentage in config, a share in the policy.
        assertEquals(new ResiliencePolicies.LatencyRouting(0.3, 0.1, 0.05), GatewaySnapshot.policies(rc).latencyRouting());
    }

    @Test
    void theConfigDefaultsAreThePolicyDefaults() {
        assertEquals(ResiliencePolicies.LatencyRouting.DEFAULT,
                GatewaySnapshot.policies(ResilienceConfig.DEFAULT).latencyRouting());
        assertEquals(ResiliencePolicies.LatencyRouting.DEFAULT, GatewaySnapshot.policies(null).latencyRouting());
    }
}

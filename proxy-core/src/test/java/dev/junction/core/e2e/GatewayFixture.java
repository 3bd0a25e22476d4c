package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;

/**
 * A running vendor simulator and a gateway in front of it, configured from HOCON in which
 * {@code SIM} stands for the simulator's base URL (without path).
 */
final class GatewayFixture implements AutoCloseable {

    final VendorSimulator sim;
    final GatewayServer gateway;

    private GatewayFixture(VendorSimulator sim, GatewayServer gateway) {
        this.sim = sim;
        this.gateway = gateway;
    }

    static GatewayFixture start(SimulatorOptions simOptions, String hocon) throws InterruptedException {
        VendorSimulator sim = VendorSimulator.start(simOptions);
        try {
            String resolved = hocon.replace("SIM", "http://127.0.0.1:" + sim.port());
            GatewayServer gw = GatewayServer.start(ConfigLoader.loadString(resolved));
            return new GatewayFixture(sim, gw);
        } catch (RuntimeException | InterruptedException e) {
            sim.close();
            throw e;
        }
    }

    /** One openai-compatible provider "sim" and the aliases gpt-4o-mini (chat) and emb (embeddings). */
    static String simpleConfig(String extraServer) {
        return """
            junction {
              server { host = "127.0.0.1", port = 0 %s }
              providers {
                sim { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-sim-secret-0123456789" }
              }
              models {
                "gpt-4o-mini" { deployments = [ { provider = sim, model = "sim-chat-1" } ] }
                "emb" { deployments = [ { provider = sim, model = "sim-embed-1" } ] }
              }
            }
            """.formatted(extraServer);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + gateway.port() + "/v1";
    }

    /**
     * The official SDK pointed at this gateway, as a user would configure it: any key, and no retries
     * of its own, so each test sees exactly what the gateway answered.
     */
    com.openai.client.OpenAIClient sdk() {
        return com.openai.client.okhttp.OpenAIOkHttpClient.builder().baseUrl(baseUrl()).apiKey("any").maxRetries(0)
                .timeout(java.time.Duration.ofSeconds(20)).build();
    }

    String root() {
        return "http://127.0.0.1:" + gateway.port();
    }

    @Override
    public void close() {
        gateway.close();
        sim.close();
    }
}

package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code junction.metrics.enabled = false}: requests are served, nothing is recorded, {@code /metrics} is 404. */
class MetricsSwitchTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void metricsOffServesRequestsAndNoMetricsEndpoint() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().build());
             GatewayServer gw = GatewayServer.start(ConfigLoader.loadString("""
                 junction {
                   server { host = "127.0.0.1", port = 0 }
                   providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1" } }
                   models { "m" { deployments = [ { provider = sim, model = "sim-chat-1" } ] } }
                   metrics { enabled = false }
                 }""".formatted(sim.port())))) {
            String base = "http://127.0.0.1:" + gw.port();
            HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
            HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, metrics.statusCode(), metrics.body());
            assertTrue(metrics.body().contains("unknown_endpoint"), metrics.body());
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (gw.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, gw.metrics().inFlight(), "the in-flight count still goes back to 0");
            assertTrue(gw.metrics().aliasFigures().isEmpty(), "nothing recorded: " + gw.metrics().aliasFigures());
        }
    }
}

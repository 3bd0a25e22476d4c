package dev.junction.core.responses;

import dev.junction.core.limits.RedisServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateways sharing one Redis ({@code tasks.store = redis}, a real redis-server): a response kept
 * by one is read, continued and deleted through the other.
 */
class ResponsesSharedRedisTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("authorization", "Bearer key-one-0123456789").timeout(Duration.ofSeconds(20));
        b = body == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void oneInstanceKeepsTheOtherContinues() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().tokensPerSecond(0).build())) {
            String config = """
                    junction {
                      server { port = 0 }
                      auth { keys = [ { name = "app-1", key = "key-one-0123456789" } ] }
                      tasks { store = redis, redis-uri = "%s", media-dir = "%s/media-%%s" }
                      providers { claude { type = anthropic, base-url = "%s", api-key = "k" } }
                      models { chat { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] } }
                    }""".formatted(redis.uri(), dir, sim.baseUrl());
            GatewayServer a = GatewayServer.start(ConfigLoader.loadString(config.formatted("a")));
            GatewayServer b = GatewayServer.start(ConfigLoader.loadString(config.formatted("b")));
            try {
                HttpResponse<String> created = send(a.port(), "POST", "/v1/responses",
                        "{\"model\":\"chat\",\"input\":\"My name is Ada. [[sim text=\\\"Hi Ada\\\"]]\"}");
                assertEquals(200, created.statusCode(), created.body());
                String id = JSON.readTree(created.body()).get("id").asText();
                HttpResponse<String> got = null;
                for (int i = 0; i < 500; i++) { // up to 10 s: the write is off the loop, late on a loaded machine
                    got = send(b.port(), "GET", "/v1/responses/" + id, null);
                    if (got.statusCode() == 200) {
                        break;
                    }
                    Thread.sleep(20);
                }
                assertEquals(200, got.statusCode(), got.body());
                assertEquals(id, JSON.readTree(got.body()).get("id").asText());
                sim.clearRequests();
                HttpResponse<String> next = send(b.port(), "POST", "/v1/responses",
                        "{\"model\":\"chat\",\"previous_response_id\":\"" + id + "\",\"input\":\"Who am I?\"}");
                assertEquals(200, next.statusCode(), next.body());
                String upstream = sim.requests().get(sim.requests().size() - 1).body();
                assertTrue(upstream.contains("My name is Ada.") && upstream.contains("Hi Ada"), upstream);
                assertEquals(200, send(b.port(), "DELETE", "/v1/responses/" + id, null).statusCode());
                assertEquals(404, send(a.port(), "GET", "/v1/responses/" + id, null).statusCode());
                JsonNode err = JSON.readTree(send(a.port(), "GET", "/v1/responses/" + id, null).body());
                assertEquals("response_not_found", err.at("/error/code").asText());
            } finally {
                a.close();
                b.close();
            }
        }
    }
}

package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real gateway with MockWebServer as its one vendor, and the HTTP helpers the task tests share. */
abstract class TaskGatewayTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String CHAT_ANSWER = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"up-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the vendor"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}""";

    @TempDir
    Path dir;
    MockWebServer vendor;
    final List<String> vendorBodies = Collections.synchronizedList(new ArrayList<>());
    volatile Function<RecordedRequest, MockResponse> answer = r -> json(200, CHAT_ANSWER);
    GatewayServer gw;

    @BeforeEach
    void startVendor() throws Exception {
        vendor = new MockWebServer();
        vendor.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                vendorBodies.add(r.getBody().readUtf8());
                return answer.apply(r);
            }
        });
        vendor.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        vendor.close();
    }

    static MockResponse json(int status, String body) {
        return new MockResponse().setResponseCode(status).setHeader("content-type", "application/json").setBody(body);
    }

    GatewayServer start(String extra) throws Exception {
        gw = GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { port = 0 }
                  resilience.retry { max-attempts = 1 }
                  tasks {
                    path = "%s"
                    retry { base = 50ms, cap = 200ms }
                    poll { initial = 50ms, max = 200ms }
                  }
                  providers { v { type = openai-compatible, base-url = "%s" } }
                  models {
                    chat { deployments = [ { provider = v, model = "up-model" } ] }
                    emb { deployments = [ { provider = v, model = "up-embed" } ] }
                  }
                  %s
                }""".formatted(dir.resolve("tasks.db").toString().replace("\\", "/"), vendor.url("/v1"), extra)));
        return gw;
    }

    String base() {
        return "http://127.0.0.1:" + gw.port();
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode awaitStatus(String id, String status, String... headers) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode t = null;
        while (System.nanoTime() < end) {
            HttpResponse<String> r = send("GET", "/v1/tasks/" + id, headers);
            assertEquals(200, r.statusCode(), r.body());
            t = JSON.readTree(r.body());
            if (t.path("status").asText().equals(status)) {
                return t;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("task " + id + " never reached " + status + ": " + t);
    }

    static final String CHAT = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
}

package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures below the vendor's error bodies: refused connections, silent vendors, stalled streams,
 * and clients that leave. MockWebServer plays the upstream where the failure is at the socket.
 */
class UpstreamFailureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String CHAT_STREAM = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static GatewayServer gateway(String baseUrl, String timeouts) {
        try {
            return GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { port = 0 }
                  providers { up { type = openai-compatible, base-url = "%s", timeouts { %s } } }
                  models { "m" { deployments = [ { provider = up, model = "upstream-model" } ] } }
                }""".formatted(baseUrl, timeouts)));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> post(GatewayServer gw, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r, int status, String code) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        OpenAiSchema.assertValid("ErrorResponse", r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals(code, e.get("code").asText(), r.body());
        return e;
    }

    @Test
    void refusedConnectionIs503UpstreamUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (GatewayServer gw = gateway("http://127.0.0.1:" + closedPort + "/v1", "connect = 1s")) {
            error(post(gw, CHAT), 503, "upstream_unavailable");
        }
    }

    @Test
    void noFirstByteIs504UpstreamTimeout() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            up.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "first-byte = 300ms")) {
                long t0 = System.nanoTime();
                error(post(gw, CHAT), 504, "upstream_timeout");
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(12), "timed out by the gateway, not by the client");
            }
        }
    }

    @Test
    void streamStalledAfterContentEndsInBand() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            String first = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"upstream-model\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
            // The first event (plus its chunk framing) arrives, then the vendor goes silent for 2 s.
            up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream").setChunkedBody(first, 4096)
                    .throttleBody(first.length() + 8, 2, TimeUnit.SECONDS));
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "idle-between-chunks = 400ms")) {
                HttpResponse<String> r = post(gw, CHAT_STREAM);
                assertEquals(200, r.statusCode());
                String[] events = r.body().split("\n\n");
                String last = events[events.length - 1];
                assertTrue(last.startsWith("data: {\"error\""), r.body());
                JsonNode e = JSON.readTree(last.substring(6)).get("error");
                assertEquals("stream_interrupted", e.get("code").asText());
                assertTrue(!r.body().contains("[DONE]"), "a truncated stream never ends as complete");
            }
        }
    }

    @Test
    void eventsSharingAReadWithALaterVendorErrorStillReachTheClient() throws Exception {
        String chunk = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"upstream-model\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
        String first = chunk.formatted("Hel");
        String rest = chunk.formatted("lo, ") + chunk.formatted("world")
                + "data: {\"error\":{\"message\":\"The server is overloaded.\",\"type\":\"server_error\"}}\n\n";
        // A length-framed stream: the first event commits it, then one read carries two more events
        // and the vendor's error. The two events went through before the error and belong to the
        // client's stream; the in-band error comes after them.
        String pad = ": " + "p".repeat(Math.max(0, rest.length() - first.length())) + "\n\n";
        String head = first + pad;
        try (MockWebServer up = new MockWebServer()) {
            up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream").setBody(head + rest)
                    .throttleBody(head.length(), 300, TimeUnit.MILLISECONDS));
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "")) {
                HttpResponse<String> r = post(gw, CHAT_STREAM);
                assertEquals(200, r.statusCode());
                StringBuilder text = new StringBuilder();
                String[] events = r.body().split("\n\n");
                for (int i = 0; i < events.length - 1; i++) {
                    JsonNode c = JSON.readTree(events[i].substring(6)).get("choices").get(0).get("delta").get("content");
                    text.append(c == null ? "" : c.asText());
                }
                assertEquals("Hello, world", text.toString(), r.body());
                String last = events[events.length - 1];
                assertTrue(last.startsWith("data: {\"error\""), r.body());
                assertEquals("stream_interrupted", JSON.readTree(last.substring(6)).get("error").get("code").asText());
                assertTrue(!r.body().contains("[DONE]"), "an interrupted stream never ends as complete");
            }
        }
    }

    @Test
    void upstreamNonJsonErrorBodyStillMapsToTheVocabulary() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            for (int i = 0; i < 3; i++) { // the first try and its two retries
                up.enqueue(new MockResponse().setResponseCode(502).setBody("<html>bad gateway</html>"));
            }
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "")) {
                HttpResponse<String> r = post(gw, CHAT);
                error(r, 503, "upstream_unavailable");
                assertEquals("3", r.headers().firstValue("x-junction-attempts").orElseThrow());
                assertEquals(3, up.getRequestCount());
            }
        }
    }

    /**
     * SPEC §4: a vendor that fails before any content (here a stream cut before its first content,
     * a stream chunk that is not JSON, a response that is not HTTP) is {@code 503 upstream_unavailable}
     * once retries are spent, the same status as any other unavailable vendor.
     */
    @Test
    void aStreamCutBeforeContentIs503UpstreamUnavailable() throws Exception {
        String role = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"upstream-model\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n";
        try (MockWebServer up = new MockWebServer()) {
            for (int i = 0; i < 3; i++) {
                up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream").setBody(role));
            }
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "")) {
                HttpResponse<String> r = post(gw, CHAT_STREAM);
                JsonNode e = error(r, 503, "upstream_unavailable");
                assertEquals("upstream_error", e.get("type").asText());
                assertEquals(3, up.getRequestCount());
            }
        }
    }

    @Test
    void aStreamChunkThatIsNotJsonIs503UpstreamUnavailable() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            for (int i = 0; i < 3; i++) {
                up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream").setBody("data: {not json\n\n"));
            }
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString(), "")) {
                error(post(gw, CHAT_STREAM), 503, "upstream_unavailable");
            }
        }
    }

    @Test
    void aResponseThatIsNotHttpIs503UpstreamUnavailable() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getInputStream().read(new byte[8192]);
                        OutputStream out = s.getOutputStream();
                        out.write("this is not HTTP at all\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                        Thread.sleep(100);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            try (GatewayServer gw = gateway("http://127.0.0.1:" + server.getLocalPort() + "/v1", "")) {
                error(post(gw, CHAT), 503, "upstream_unavailable");
            }
        }
    }

    @Test
    void anUntrustedVendorCertificateIsRefused() throws Exception {
        okhttp3.tls.HeldCertificate cert = new okhttp3.tls.HeldCertificate.Builder().addSubjectAlternativeName("127.0.0.1")
                .addSubjectAlternativeName("localhost").build();
        okhttp3.tls.HandshakeCertificates server = new okhttp3.tls.HandshakeCertificates.Builder().heldCertificate(cert).build();
        try (MockWebServer up = new MockWebServer()) {
            up.useHttps(server.sslSocketFactory(), false);
            up.enqueue(new MockResponse().setBody("{}"));
            up.start();
            try (GatewayServer gw = gateway(up.url("/v1").toString().replace("http://", "https://"), "")) {
                JsonNode e = error(post(gw, CHAT), 503, "upstream_unavailable");
                assertTrue(e.get("message").asText().contains("SSL") || e.get("message").asText().contains("certif"),
                        e.toString());
            }
            assertEquals(0, up.getRequestCount(), "nothing is sent over an unverified connection");
        }
    }

    @Test
    void clientDisconnectCancelsTheUpstreamAtOnce() throws Exception {
        try (GatewayFixture fx = GatewayFixture.start(SimulatorOptions.defaults(), GatewayFixture.simpleConfig(""))) {
            String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go [[sim tokens=400 tps=20]]\"}]}";
            try (Socket s = new Socket("127.0.0.1", fx.gateway.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                InputStream in = s.getInputStream();
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains("\"content\":\"")) {
                    int b = in.read();
                    assertTrue(b >= 0, "stream ended early: " + seen);
                    seen.append((char) b);
                }
                assertEquals(1, fx.sim.activeStreams());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (fx.sim.cancelledStreams() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, fx.sim.cancelledStreams(), "the upstream stream must be cancelled when the client leaves");
            assertEquals(0, fx.sim.activeStreams());
        }
    }
}

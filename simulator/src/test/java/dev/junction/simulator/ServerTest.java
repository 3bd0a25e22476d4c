package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServerTest {

    private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void openAiEmbeddingsFloatAndBase64() {
        try (VendorSimulator sim = VendorSimulator.start()) {
            String url = sim.baseUrl() + "/v1/embeddings";
            HttpResponse<String> floats = Http.post(url,
                    "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"],\"dimensions\":8}");
            assertEquals(200, floats.statusCode());
            OpenAiSchema.assertValid("CreateEmbeddingResponse", floats.body());
            JsonNode data = Http.json(floats.body()).get("data");
            assertEquals(2, data.size());
            assertEquals(8, data.at("/0/embedding").size());
            assertNotEquals(data.at("/0/embedding"), data.at("/1/embedding"));
            double norm = 0;
            for (JsonNode v : data.at("/0/embedding")) {
                norm += v.asDouble() * v.asDouble();
            }
            assertEquals(1.0, norm, 1e-5);

            HttpResponse<String> b64 = Http.post(url, "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\","
                    + "\"dimensions\":8,\"encoding_format\":\"base64\"}");
            String encoded = Http.json(b64.body()).at("/data/0/embedding").asText();
            ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(8 * 4, buf.remaining());
            for (int i = 0; i < 8; i++) {
                assertEquals((float) data.at("/0/embedding/" + i).asDouble(), buf.getFloat(), 0f);
            }
            assertEquals(1536, Http.json(Http.post(url, "{\"model\":\"e\",\"input\":\"x\"}").body())
                    .at("/data/0/embedding").size());
            assertEquals(400, Http.post(url, "{\"model\":\"e\"}").statusCode());
        }
    }

    @Test
    void openAiModelsAndUnknownPaths() {
        try (VendorSimulator sim = VendorSimulator.start()) {
            HttpResponse<String> models = Http.get(sim.baseUrl() + "/v1/models");
            OpenAiSchema.assertValid("ListModelsResponse", models.body());
            OpenAiSchema.assertValid("Model", Http.get(sim.baseUrl() + "/v1/models/gpt-4o").body());
            assertEquals(404, Http.get(sim.baseUrl() + "/nowhere").statusCode());
        }
    }

    @Test
    void openAiKeyIsChecked() {
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().openAiKey("sk-good").build())) {
            String url = sim.baseUrl() + "/v1/chat/completions";
            for (HttpResponse<String> res : java.util.List.of(Http.post(url, CHAT),
                    Http.post(url, CHAT, "authorization", "Bearer sk-bad-key-123456"))) {
                assertEquals(401, res.statusCode());
                OpenAiSchema.assertValid("ErrorResponse", res.body());
                assertEquals("invalid_api_key", Http.json(res.body()).at("/error/code").asText());
            }
            assertEquals(200, Http.post(url, CHAT, "authorization", "Bearer sk-good").statusCode());
            assertEquals(0, sim.pendingBehaviors());
        }
    }

    @Test
    void azureUrlStylesAndApiKeyHeader() {
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().openAiKey("az-key").build())) {
            String noModel = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            String legacy = sim.baseUrl() + "/openai/deployments/my-dep/chat/completions?api-version=2024-10-21";
            HttpResponse<String> res = Http.post(legacy, noModel, "api-key", "az-key");
            assertEquals(200, res.statusCode());
            OpenAiSchema.assertValid("CreateChatCompletionResponse", res.body());
            assertEquals("my-dep", Http.json(res.body()).get("model").asText());
            assertEquals(401, Http.post(legacy, noModel, "api-key", "wrong").statusCode());
            HttpResponse<String> v1 = Http.post(sim.baseUrl() + "/openai/v1/chat/completions?api-version=v1", CHAT,
                    "api-key", "az-key");
            assertEquals("m", Http.json(v1.body()).get("model").asText());
            HttpResponse<String> emb = Http.post(sim.baseUrl()
                    + "/openai/deployments/emb/embeddings?api-version=2024-10-21", "{\"input\":\"x\"}",
                    "api-key", "az-key");
            OpenAiSchema.assertValid("CreateEmbeddingResponse", emb.body());
            assertEquals("/openai/deployments/my-dep/chat/completions", sim.requests().get(0).path());
        }
    }

    @Test
    void keepAliveReusesOneConnection() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 5; i++) {
                HttpRequest req = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT)).timeout(Duration.ofSeconds(5)).build();
                assertEquals(200, client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode());
            }
            assertEquals(1, sim.totalConnections());
            assertEquals(1, sim.openConnections());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start(); Socket s = new Socket("127.0.0.1", sim.port())) {
            s.setSoTimeout(5000);
            StringBuilder both = new StringBuilder();
            for (String text : new String[] {"[[sim text=first latency=100ms]]", "[[sim text=second]]"}) {
                String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text.replace("\"",
                        "\\\"") + "\"}]}";
                both.append("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                        + "content-length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n\r\n")
                        .append(body);
            }
            s.getOutputStream().write(both.toString().getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            String first = readResponse(in);
            String second = readResponse(in);
            assertEquals("first", Http.json(first).at("/choices/0/message/content").asText());
            assertEquals("second", Http.json(second).at("/choices/0/message/content").asText());
        }
    }

    @Test
    void queuedPipelinedRequestIsReleasedWhenTheClientLeaves() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start()) {
            try (Socket s = new Socket("127.0.0.1", sim.port())) {
                StringBuilder both = new StringBuilder();
                for (String text : new String[] {"[[sim latency=2s]]", "queued"}) {
                    String body = CHAT.replace("hi", text);
                    both.append("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: ")
                            .append(body.length()).append("\r\n\r\n").append(body);
                }
                s.getOutputStream().write(both.toString().getBytes(StandardCharsets.UTF_8));
                Http.await(() -> sim.requests().size() == 1, "first request in progress");
            }
            Http.await(() -> sim.openConnections() == 0, "connection closed");
            // The second request was never answered; its buffer must have been released
            // (the leak check of this class fails otherwise).
            assertEquals(1, sim.requests().size());
            assertEquals(1, sim.cancelledRequests());
            java.util.List<String> leaks = dev.junction.testkit.LeakCheckExtension.collect();
            assertTrue(leaks.isEmpty(), leaks.toString());
        }
    }

    private static String readResponse(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            head.write(in.read());
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void connectionCountersFollowClients() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start()) {
            try (Socket a = new Socket("127.0.0.1", sim.port()); Socket b = new Socket("127.0.0.1", sim.port())) {
                Http.await(() -> sim.openConnections() == 2, "two open connections");
                assertEquals(2, sim.totalConnections());
            }
            Http.await(() -> sim.openConnections() == 0, "connections closed");
            assertEquals(2, sim.totalConnections());
        }
    }

    @Test
    void clientLeavingDuringLatencyIsCounted() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start()) {
            String stream = CHAT.replace("hi", "[[sim latency=2s]]").replace("}]}", "}],\"stream\":true}");
            try (Socket s = new Socket("127.0.0.1", sim.port())) {
                String req = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: "
                        + stream.length() + "\r\n\r\n" + stream;
                s.getOutputStream().write(req.getBytes(StandardCharsets.UTF_8));
                Http.await(() -> sim.activeStreams() == 1, "stream registered during latency");
            }
            Http.await(() -> sim.cancelledStreams() == 1, "cancelled stream");
            assertEquals(1, sim.cancelledRequests());
            assertEquals(0, sim.activeStreams());
            String unary = CHAT.replace("hi", "[[sim latency=2s]]");
            try (Socket s = new Socket("127.0.0.1", sim.port())) {
                String req = "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: "
                        + unary.length() + "\r\n\r\n" + unary;
                s.getOutputStream().write(req.getBytes(StandardCharsets.UTF_8));
                Http.await(() -> sim.requests().size() == 2, "request received");
            }
            Http.await(() -> sim.cancelledRequests() == 2, "cancelled unary request");
            assertEquals(1, sim.cancelledStreams());
            assertEquals(0, sim.completedStreams());
        }
    }

    @Test
    void slowReaderGetsTheWholeStreamAfterBackpressure() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start(); RawClient c = new RawClient(sim.port())) {
            String body = CHAT.replace("hi", "[[sim tokens=5000]]").replace("}]}", "}],\"stream\":true}");
            c.post("/v1/chat/completions", body);
            // About a megabyte of frames while the client does not read: whether or not the socket
            // buffers fill up and the server pauses on unwritability, the reader must then get
            // every frame in order.
            Thread.sleep(300);
            // On a machine with large socket buffers the whole stream may already have been
            // written; either way the simulator has taken exactly this one stream.
            Http.await(() -> sim.activeStreams() + sim.completedStreams() == 1, "one stream taken");
            int frames = 0;
            String last = null;
            String chunk;
            while ((chunk = c.nextChunk()) != null) {
                frames++;
                last = chunk;
            }
            assertEquals(1 + 5000 + 1 + 1, frames);
            assertEquals("data: [DONE]\n\n", last);
            Http.await(() -> sim.completedStreams() == 1, "stream completed");
        }
    }

    @Test
    void nonStreamCutAndStall() throws Exception {
        try (VendorSimulator sim = VendorSimulator.start()) {
            try (RawClient c = new RawClient(sim.port())) {
                org.junit.jupiter.api.Assertions.assertThrows(java.io.EOFException.class,
                        () -> c.post("/v1/chat/completions", CHAT.replace("hi", "[[sim cut=0]]")));
            }
            assertEquals(0, sim.cancelledRequests());
            try (RawClient c = new RawClient(sim.port())) {
                c.setTimeout(300);
                org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class,
                        () -> c.post("/v1/messages", "{\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"[[sim stall=0]]\"}]}", "anthropic-version", "2023-06-01"));
            }
            Http.await(() -> sim.cancelledRequests() == 1, "unanswered request cancelled by the client");
            sim.enqueue(Behavior.builder().cutAfterChunks(0).build());
            try (RawClient c = new RawClient(sim.port())) {
                org.junit.jupiter.api.Assertions.assertThrows(java.io.EOFException.class,
                        () -> c.post("/v1beta/models/g:generateContent", "{\"contents\":[{\"parts\":[{\"text\":"
                                + "\"hi\"}]}]}"));
            }
        }
    }

    @Test
    void failureRateInjectsVendorShapedErrors() {
        FaultProfile always = new FaultProfile(1.0, 503, 0, 1, 7);
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().faults(always).build())) {
            HttpResponse<String> res = Http.post(sim.baseUrl() + "/v1/chat/completions", CHAT);
            assertEquals(503, res.statusCode());
            OpenAiSchema.assertValid("ErrorResponse", res.body());
            HttpResponse<String> anthropic = Http.post(sim.baseUrl() + "/v1/messages",
                    "{\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    "anthropic-version", "2023-06-01");
            assertEquals(503, anthropic.statusCode());
            assertEquals("api_error", Http.json(anthropic.body()).at("/error/type").asText());
            // A scripted status is not overridden by the profile.
            assertEquals(200, Http.post(sim.baseUrl() + "/v1/chat/completions",
                    CHAT.replace("hi", "[[sim status=200]]")).statusCode());
        }
        FaultProfile thirty = new FaultProfile(0.3, 500, 0, 1, 42);
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().faults(thirty).build())) {
            int failures = 0;
            for (int i = 0; i < 200; i++) {
                if (Http.post(sim.baseUrl() + "/v1/chat/completions", CHAT).statusCode() == 500) {
                    failures++;
                }
            }
            assertTrue(failures > 35 && failures < 85, "about 30% failures: " + failures);
        }
    }

    @Test
    void tailLatencyMultipliesTheLatency() {
        FaultProfile tail = new FaultProfile(0, 503, 1.0, 6, 1);
        SimulatorOptions opts = SimulatorOptions.builder().latency(Duration.ofMillis(40)).faults(tail).build();
        try (VendorSimulator sim = VendorSimulator.start(opts)) {
            long t0 = System.nanoTime();
            assertEquals(200, Http.post(sim.baseUrl() + "/v1/chat/completions", CHAT).statusCode());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 230, "40ms x 6: " + ms);
        }
    }

    @Test
    void recordingIsBounded() {
        try (VendorSimulator sim = VendorSimulator.start(SimulatorOptions.builder().maxRecordedRequests(3).build())) {
            for (int i = 0; i < 5; i++) {
                Http.post(sim.baseUrl() + "/v1/chat/completions", CHAT.replace("hi", "n" + i));
            }
            assertEquals(3, sim.requests().size());
            assertTrue(sim.requests().get(2).body().contains("n4"));
            sim.clearRequests();
            assertEquals(0, sim.requests().size());
        }
    }

    @Test
    void mainParsesItsFlags() {
        SimulatorOptions o = SimulatorMain.parse(new String[] {"--port", "9001", "--latency", "20ms", "--tps", "200",
                "--fail-rate", "0.3", "--fail-status", "503", "--tail-rate", "0.05", "--tail-multiplier", "10",
                "--seed", "9"});
        assertEquals(9001, o.port());
        assertEquals(Duration.ofMillis(20), o.latency());
        assertEquals(200, o.tokensPerSecond());
        assertEquals(new FaultProfile(0.3, 503, 0.05, 10, 9), o.faults());
        assertEquals(0, o.maxRecordedRequests());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SimulatorMain.parse(new String[] {"--bogus", "1"}));
    }
}

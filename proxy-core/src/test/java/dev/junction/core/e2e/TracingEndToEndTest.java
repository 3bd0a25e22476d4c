package dev.junction.core.e2e;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * W3C trace context through the gateway to the vendor, the trace id in the access log, and OTLP
 * span export to a real OTLP/HTTP receiver started here, whose requests are decoded with the
 * OpenTelemetry proto classes. A collector that accepts connections and never answers must not
 * slow a request.
 */
class TracingEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALIAS = "gpt-4o-mini";
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private VendorSimulator sim;
    private GatewayServer gw;
    private HttpServer collector;
    private ServerSocket blackhole;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final List<Span> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger exports = new AtomicInteger();

    private void gateway(String tracing) throws Exception {
        sim = VendorSimulator.start(SimulatorOptions.builder().openAiKey("sk-sim-secret-0123456789").build());
        gw = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { host = "127.0.0.1", port = 0 }
              providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-secret-0123456789" } }
              models { "%s" { deployments = [ { provider = sim, model = "sim-chat-1" } ] } }
              resilience { retry { max-attempts = 2 }, circuit-breaker { minimum-requests = 100000 } }
              tracing { %s }
            }""".formatted(sim.port(), ALIAS, tracing)));
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
        if (blackhole != null) {
            blackhole.close();
        }
        for (Socket s : held) {
            s.close();
        }
    }

    private HttpResponse<String> chat(String prompt, Map<String, String> headers) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", ALIAS, "messages", List.of(Map.of("role", "user", "content", prompt))));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theClientsTraceReachesTheVendorAndTheAccessLog() throws Exception {
        gateway("");
        Logger access = (Logger) LoggerFactory.getLogger("access");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        access.addAppender(lines);
        try {
            HttpResponse<String> r = chat("hi", Map.of("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01",
                    "tracestate", "vendor1=abc,congo=t61rcWkgMzE"));
            assertEquals(200, r.statusCode(), r.body());
            RecordedRequest up = sim.requests().get(0);
            String sent = up.header("traceparent");
            assertNotNull(sent, up.headers().toString());
            String[] parts = sent.split("-");
            assertEquals("00", parts[0]);
            assertEquals(TRACE, parts[1], "same trace");
            assertNotEquals(CLIENT_SPAN, parts[2], "the vendor's parent is the gateway's attempt, not the client");
            assertEquals("01", parts[3], "the client's sampling decision is kept");
            assertEquals("vendor1=abc,congo=t61rcWkgMzE", up.header("tracestate"));
            String id = r.headers().firstValue("x-request-id").orElseThrow();
            JsonNode line = waitForLine(lines, id);
            assertEquals(TRACE, line.get("trace_id").asText());
        } finally {
            access.detachAppender(lines);
        }
    }

    @Test
    void aRequestWithoutTraceContextStartsANewTrace() throws Exception {
        gateway("");
        assertEquals(200, chat("one", Map.of()).statusCode());
        assertEquals(200, chat("two", Map.of("traceparent", "not-a-traceparent", "tracestate", "dropped=1")).statusCode());
        List<RecordedRequest> up = sim.requests();
        String a = up.get(0).header("traceparent");
        String b = up.get(1).header("traceparent");
        assertTrue(a.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"), a);
        assertTrue(b.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]"), b);
        assertNotEquals(a.split("-")[1], b.split("-")[1], "each request its own trace");
        assertNull(up.get(1).header("tracestate"), "tracestate of an invalid traceparent is not passed on");
    }

    @Test
    void spansAreExportedOverOtlpWithTheGenAiAttributes() throws Exception {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", ex -> {
            try (InputStream in = ex.getRequestBody()) {
                ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                req.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> received.addAll(ss.getSpansList())));
                exports.incrementAndGet();
            }
            byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        collector.start();
        gateway("otlp-endpoint = \"http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces\", export-interval = 100ms");

        HttpResponse<String> ok = chat("hello [[sim prompt-tokens=11 tokens=7]]",
                Map.of("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01"));
        assertEquals(200, ok.statusCode());
        String vendorParent = sim.requests().get(0).header("traceparent").split("-")[2];
        HttpResponse<String> failed = chat("fail [[sim status=500]]", Map.of());
        assertTrue(failed.statusCode() >= 500);
        String failedCode = JSON.readTree(failed.body()).get("error").get("code").asText();

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (received.size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(5, received.size(), "2 request spans, 3 attempt spans: " + received);

        Span request = only(s -> hex(s.getTraceId()).equals(TRACE) && s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        assertEquals(CLIENT_SPAN, hex(request.getParentSpanId()), "the request span continues the client's");
        assertEquals("chat " + ALIAS, request.getName());
        Map<String, Object> ra = attributes(request);
        assertEquals("chat", ra.get("gen_ai.operation.name"));
        assertEquals(ALIAS, ra.get("gen_ai.request.model"));
        assertEquals("sim-chat-1", ra.get("gen_ai.response.model"));
        assertEquals("sim", ra.get("gen_ai.provider.name"));
        assertEquals(11L, ra.get("gen_ai.usage.input_tokens"));
        assertEquals(7L, ra.get("gen_ai.usage.output_tokens"));
        assertEquals(200L, ra.get("http.response.status_code"));
        assertEquals(ok.headers().firstValue("x-request-id").orElseThrow(), ra.get("junction.request_id"));

        Span attempt = only(s -> hex(s.getTraceId()).equals(TRACE) && s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT);
        assertEquals(hex(request.getSpanId()), hex(attempt.getParentSpanId()));
        assertEquals(vendorParent, hex(attempt.getSpanId()), "the vendor call names the attempt span as its parent");
        Map<String, Object> aa = attributes(attempt);
        assertEquals("sim-chat-1", aa.get("gen_ai.request.model"));
        assertEquals("sim/sim-chat-1", aa.get("junction.deployment"));
        assertEquals("ok", aa.get("junction.attempt.outcome"));
        assertTrue(attempt.getStartTimeUnixNano() >= request.getStartTimeUnixNano()
                && attempt.getEndTimeUnixNano() <= request.getEndTimeUnixNano(), "the attempt lies inside the request");

        Span failedRequest = only(s -> !hex(s.getTraceId()).equals(TRACE) && s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, failedRequest.getStatus().getCode());
        assertEquals(failedCode, attributes(failedRequest).get("error.type"));
        assertEquals(2L, attributes(failedRequest).get("junction.attempts"));
        List<Span> failedAttempts = received.stream().filter(s -> s.getTraceId().equals(failedRequest.getTraceId())
                && s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).toList();
        assertEquals(2, failedAttempts.size(), "one span per attempt, the retry included");
        for (Span s : failedAttempts) {
            assertEquals(failedRequest.getSpanId(), s.getParentSpanId());
            assertEquals(Status.StatusCode.STATUS_CODE_ERROR, s.getStatus().getCode());
        }
    }

    @Test
    void aCollectorThatNeverAnswersDoesNotSlowRequests() throws Exception {
        // Accepts connections and never reads or answers: every export waits for its timeout.
        blackhole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        AtomicInteger connections = new AtomicInteger();
        Thread acceptor = new Thread(() -> {
            while (!blackhole.isClosed()) {
                try {
                    held.add(blackhole.accept());
                    connections.incrementAndGet();
                } catch (Exception e) {
                    return;
                }
            }
        }, "blackhole-collector");
        acceptor.setDaemon(true);
        acceptor.start();
        gateway("otlp-endpoint = \"http://127.0.0.1:" + blackhole.getLocalPort() + "/v1/traces\", "
                + "export-interval = 20ms, export-timeout = 30s");
        List<Long> millis = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            long t = System.nanoTime();
            assertEquals(200, chat("ping " + i, Map.of()).statusCode());
            millis.add((System.nanoTime() - t) / 1_000_000);
            Thread.sleep(10);
        }
        long total = (System.nanoTime() - started) / 1_000_000;
        assertTrue(connections.get() > 0, "the exporter tried the collector while requests ran");
        // The exporter is stuck in a 30 s export; requests take what the simulator takes. The bounds
        // are loose for a loaded machine and far below the export timeout.
        assertTrue(millis.stream().allMatch(m -> m < 2_000), "request times (ms): " + millis);
        assertTrue(total < 15_000, "30 requests took " + total + " ms: " + millis);
        long closing = System.nanoTime();
        gw.close();
        gw = null;
        long closeMs = (System.nanoTime() - closing) / 1_000_000;
        assertTrue(closeMs < 10_000, "closing waits a bounded time for the collector: " + closeMs + " ms");
    }

    private Span only(java.util.function.Predicate<Span> p) {
        List<Span> found = received.stream().filter(p).toList();
        assertEquals(1, found.size(), found.toString());
        return found.get(0);
    }

    private static String hex(com.google.protobuf.ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }

    private static Map<String, Object> attributes(Span s) {
        return s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, kv -> switch (kv.getValue().getValueCase()) {
            case STRING_VALUE -> kv.getValue().getStringValue();
            case INT_VALUE -> kv.getValue().getIntValue();
            case BOOL_VALUE -> kv.getValue().getBoolValue();
            case DOUBLE_VALUE -> kv.getValue().getDoubleValue();
            default -> kv.getValue().toString();
        }));
    }

    private static JsonNode waitForLine(ListAppender<ILoggingEvent> lines, String requestId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            for (ILoggingEvent e : List.copyOf(lines.list)) {
                JsonNode n = JSON.readTree(e.getFormattedMessage());
                if (requestId.equals(n.get("id").asText())) {
                    return n;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no access-log line for " + requestId + " in " + lines.list);
    }
}

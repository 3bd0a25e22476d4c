package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_33_0.Metrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scrapes {@code /metrics} after known traffic and reads it back with the Prometheus client
 * library's own exposition classes (the protobuf format the library writes, parsed by its
 * generated message classes), checking each family's values against the requests sent. The alias
 * has a dot in its name, which must reach the label value unchanged.
 */
class MetricsScrapeTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEAM = "sk-team-a-0123456789abcdef";
    private static final String OPS = "sk-ops-0123456789abcdef";
    private static final String ALIAS = "gpt-4.1";
    private static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

    @TempDir
    static Path dir;
    private static VendorSimulator sim;
    private static GatewayServer gw;
    private static String failedCode;
    private static int failedStatus;
    private static int failedAttempts;

    @BeforeAll
    static void traffic() throws Exception {
        sim = VendorSimulator.start(SimulatorOptions.builder().openAiKey("sk-sim-secret-0123456789").build());
        Path catalog = dir.resolve("catalog.conf");
        // USD per million tokens: 11 prompt + 7 completion tokens cost 11*2 + 7*10 = 92 millionths.
        Files.writeString(catalog, "\"sim-chat-1\" { context-window = 100000, max-output = 1000, capabilities = [streaming], "
                + "price { input = 2.0, output = 10.0 } }");
        gw = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { host = "127.0.0.1", port = 0 }
              auth { keys = [ { name = "team-a", key = "%s" }, { name = "ops", key = "%s", admin = true } ] }
              providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-secret-0123456789" } }
              models { "%s" { deployments = [ { provider = sim, model = "sim-chat-1" } ] } }
              catalog = "%s"
              resilience { retry { max-attempts = 2 }, circuit-breaker { minimum-requests = 100000 } }
            }""".formatted(TEAM, OPS, sim.port(), ALIAS, catalog)));
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat("hello [[sim prompt-tokens=11 tokens=7]]");
            assertEquals(200, r.statusCode(), r.body());
        }
        HttpResponse<String> failed = chat("fail [[sim status=500]]");
        failedStatus = failed.statusCode();
        assertTrue(failedStatus >= 500, failed.body());
        failedCode = JSON.readTree(failed.body()).get("error").get("code").asText();
        failedAttempts = Integer.parseInt(failed.headers().firstValue("x-junction-attempts").orElseThrow());
        assertEquals(2, failedAttempts, "one retry was allowed");
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gw.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static HttpResponse<String> chat(String prompt) throws Exception {
        String body = JSON.writeValueAsString(Map.of("model", ALIAS, "messages", List.of(Map.of("role", "user", "content", prompt))));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TEAM).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> scrape(String authorization, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/metrics"));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Every family of a protobuf scrape, by name. */
    private static Map<String, Metrics.MetricFamily> families() throws Exception {
        HttpResponse<byte[]> r = scrape("Bearer " + OPS, PROTOBUF);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/vnd.google.protobuf"),
                r.headers().toString());
        Map<String, Metrics.MetricFamily> out = new HashMap<>();
        InputStream in = new ByteArrayInputStream(r.body());
        Metrics.MetricFamily f;
        while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            // The protobuf format names a counter with its _total suffix; the family is the name without it.
            String name = f.getType() == Metrics.MetricType.COUNTER && f.getName().endsWith("_total")
                    ? f.getName().substring(0, f.getName().length() - "_total".length()) : f.getName();
            assertFalse(out.containsKey(name), "family written twice: " + name);
            out.put(name, f);
        }
        return out;
    }

    /** The one metric of {@code family} whose labels include all of {@code labels}. */
    private static Metrics.Metric metric(Map<String, Metrics.MetricFamily> all, String family, String... labels) {
        Metrics.MetricFamily f = all.get(family);
        assertNotNull(f, "no family " + family + " in " + all.keySet());
        List<Metrics.Metric> found = new ArrayList<>();
        for (Metrics.Metric m : f.getMetricList()) {
            Map<String, String> l = new HashMap<>();
            m.getLabelList().forEach(p -> l.put(p.getName(), p.getValue()));
            boolean match = true;
            for (int i = 0; i < labels.length; i += 2) {
                match &= labels[i + 1].equals(l.get(labels[i]));
            }
            if (match) {
                found.add(m);
            }
        }
        assertEquals(1, found.size(), family + " " + List.of(labels) + " in " + f);
        return found.get(0);
    }

    @Test
    void junctionFiguresMatchTheTrafficSent() throws Exception {
        Map<String, Metrics.MetricFamily> all = families();
        assertEquals(Metrics.MetricType.COUNTER, all.get("junction_requests").getType());
        assertEquals(3, metric(all, "junction_requests", "key", "team-a", "alias", ALIAS, "provider", "sim", "status", "200")
                .getCounter().getValue());
        assertEquals(1, metric(all, "junction_requests", "key", "team-a", "alias", ALIAS, "status",
                Integer.toString(failedStatus)).getCounter().getValue());
        assertEquals(1, metric(all, "junction_errors", "key", "team-a", "alias", ALIAS, "code", failedCode)
                .getCounter().getValue());
        double attempts = 0;
        for (Metrics.Metric m : all.get("junction_attempts").getMetricList()) {
            attempts += m.getCounter().getValue();
        }
        assertEquals(3 + failedAttempts, attempts);
        assertEquals(3, metric(all, "junction_attempts", "alias", ALIAS, "deployment", "sim/sim-chat-1", "outcome", "ok")
                .getCounter().getValue());
        assertEquals(failedAttempts - 1, metric(all, "junction_retries", "alias", ALIAS).getCounter().getValue());
        assertEquals(0, metric(all, "junction_hedges", "alias", ALIAS).getCounter().getValue());
        assertEquals(33, metric(all, "junction_tokens", "alias", ALIAS, "deployment", "sim/sim-chat-1", "direction", "input").getCounter().getValue());
        assertEquals(21, metric(all, "junction_tokens", "alias", ALIAS, "deployment", "sim/sim-chat-1", "direction", "output").getCounter().getValue());
        assertEquals(3 * 92e-6, metric(all, "junction_cost_usd", "key", "team-a", "alias", ALIAS, "deployment", "sim/sim-chat-1")
                .getCounter().getValue(), 1e-12);
        assertEquals(4, metric(all, "junction_request_duration_seconds", "alias", ALIAS).getSummary().getSampleCount());
        assertEquals(0, metric(all, "junction_in_flight").getGauge().getValue());
        assertEquals(0, metric(all, "junction_circuit_state", "deployment", "sim/sim-chat-1").getGauge().getValue());
    }

    @Test
    void genAiFamiliesCarryTheSemanticConventionNamesAndLabels() throws Exception {
        Map<String, Metrics.MetricFamily> all = families();
        String[] served = {"gen_ai_operation_name", "chat", "gen_ai_provider_name", "sim", "gen_ai_request_model", ALIAS,
                "gen_ai_response_model", "sim-chat-1"};
        Metrics.Summary input = metric(all, "gen_ai_client_token_usage", concat(served, "gen_ai_token_type", "input")).getSummary();
        assertEquals(3, input.getSampleCount());
        assertEquals(11, input.getQuantile(0).getValue(), "median prompt tokens");
        Metrics.Summary output = metric(all, "gen_ai_client_token_usage", concat(served, "gen_ai_token_type", "output")).getSummary();
        assertEquals(3, output.getSampleCount());
        assertEquals(7, output.getQuantile(0).getValue(), "median completion tokens");
        Metrics.Summary duration = metric(all, "gen_ai_client_operation_duration_seconds", served).getSummary();
        assertEquals(3, duration.getSampleCount());
        assertTrue(duration.getQuantile(0).getValue() > 0 && duration.getQuantile(0).getValue() < 5, duration.toString());
        assertEquals(1, metric(all, "gen_ai_client_operation_duration_seconds", "gen_ai_request_model", ALIAS,
                "gen_ai_response_model", "none").getSummary().getSampleCount(), "the failed request, served by no deployment");
        assertEquals(3, metric(all, "gen_ai_server_time_to_first_token_seconds", served).getSummary().getSampleCount());
    }

    @Test
    void textFormatIsTheDefaultAndCarriesTheSameFamilies() throws Exception {
        HttpResponse<byte[]> r = scrape("Bearer " + OPS, null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        String text = new String(r.body(), StandardCharsets.UTF_8);
        for (Map.Entry<String, Metrics.MetricFamily> f : families().entrySet()) {
            // The text format names a counter's TYPE line as its samples, with _total.
            assertTrue(text.contains("# TYPE " + f.getValue().getName() + " "), f.getKey() + " missing from\n" + text);
        }
        assertTrue(text.contains("junction_requests_total{alias=\"gpt-4.1\",key=\"team-a\",provider=\"sim\",status=\"200\"} 3.0"), text);
    }

    @Test
    void metricsNeedAnAdminKey() throws Exception {
        HttpResponse<byte[]> none = scrape(null, null);
        assertEquals(401, none.statusCode());
        assertEquals(403, scrape("Bearer " + TEAM, null).statusCode());
        String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + OPS).getBytes(StandardCharsets.UTF_8));
        assertEquals(200, scrape(basic, null).statusCode());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

}

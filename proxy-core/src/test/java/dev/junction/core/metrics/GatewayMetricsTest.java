package dev.junction.core.metrics;

import com.codahale.metrics.Timer;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.proxy.RequestContext;
import dev.junction.core.routing.RouteTable;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link GatewayMetrics#requestFinished} records, read back from the text exposition: the
 * request counters by key, alias, provider and status (with and without a key, a provider, with an
 * out-of-range status), errors, attempts on other deployments, hedges and retries, tokens, cost
 * and spend (also from {@link GatewayMetrics#charged}), and the summaries' counts; also from
 * several threads at once.
 */
class GatewayMetricsTest {

    private static final KeyConfig TEAM = new KeyConfig("team.a", "sk-team-a-0123456789", List.of("*"), null, null, null, false);
    private static final KeyConfig OPS = new KeyConfig("ops", "sk-ops-0123456789", List.of("*"), null, null, null, false);

    private static GatewayMetrics metrics() {
        RouteTable empty = RouteTable.build(dev.junction.core.config.ConfigLoader.loadString("junction {}"),
                dev.junction.core.catalog.CatalogLoader.loadShipped(),
                dev.junction.core.resilience.ResiliencePolicies.defaults(), null, dev.junction.core.time.Ticker.system());
        return new GatewayMetrics(() -> empty, Map::of);
    }

    private static RequestContext served(KeyConfig key, String alias, String deployment, String provider, int status) {
        RequestContext rc = new RequestContext("r", System.nanoTime() - 2_000_000, "POST", "/v1/chat/completions");
        rc.key = key;
        rc.alias = alias;
        rc.deployment = deployment;
        rc.provider = provider;
        rc.providerType = provider == null ? null : "openai";
        rc.upstreamModel = deployment == null ? null : "gpt-4o-mini";
        rc.status = status;
        rc.proxied = true;
        if (deployment != null) {
            rc.attempts.add(new RequestContext.Attempt(deployment, provider, "ok", status, 1.0));
            rc.ttftNanos = 500_000;
            rc.promptTokens = 10;
            rc.completionTokens = 5;
        }
        return rc;
    }

    /** The exposition's sample lines (no comments), quantile values replaced by "q". */
    static List<String> samples(GatewayMetrics m) {
        String text = new String(m.scrape(), StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            out.add(line.contains("quantile=") ? line.substring(0, line.lastIndexOf(' ')) + " q" : line);
        }
        out.sort(null);
        return out;
    }

    private static String value(List<String> samples, String prefix) {
        List<String> hits = samples.stream().filter(s -> s.startsWith(prefix + " ")).collect(Collectors.toList());
        assertEquals(1, hits.size(), prefix + " in " + samples);
        return hits.get(0).substring(prefix.length() + 1);
    }

    @Test
    void everyFigureOfAFinishedRequestIsExposedWithItsLabels() {
        GatewayMetrics m = metrics();
        for (int i = 0; i < 3; i++) {
            m.requestStarted();
            RequestContext ok = served(TEAM, "gpt-4.1", "sim/gpt-4o-mini", "sim", 200);
            ok.costUsd = 0.25;
            m.requestFinished(ok);
        }
        m.requestStarted();
        m.requestFinished(served(null, "gpt-4.1", "sim/gpt-4o-mini", "sim", 200));
        // Failed over: the first attempt on another deployment, then a hedge; served by the second.
        m.requestStarted();
        RequestContext failover = served(OPS, "gpt-4.1", "sim/gpt-4o-mini", "sim", 200);
        failover.attempts.add(0, new RequestContext.Attempt("other/x", "other", "upstream_unavailable", 503, 3));
        failover.attempts.add(new RequestContext.Attempt("other/x", "other", "hedge_lost_hedge", 0, 1));
        m.requestFinished(failover);
        // Refused before routing: no deployment, no provider, an error.
        m.requestStarted();
        RequestContext refused = served(OPS, "gpt-4.1", null, null, 429);
        refused.errorCode = "rate_limited";
        m.requestFinished(refused);
        // A status outside the HTTP range (never sent, but recorded as given).
        m.requestStarted();
        m.requestFinished(served(OPS, "gpt-4.1", "sim/gpt-4o-mini", "sim", 999));
        // The same route answered by another provider name.
        m.requestStarted();
        m.requestFinished(served(OPS, "gpt-4.1", "sim/gpt-4o-mini", "sim2", 200));
        m.charged("team.a", "gpt-4.1", "sim/gpt-4o-mini", 1.0);
        m.charged(null, "video", "sim/sora", 2.0);

        List<String> s = samples(m);
        assertEquals("3.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"team.a\",provider=\"sim\",status=\"200\"}"));
        assertEquals("1.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"none\",provider=\"sim\",status=\"200\"}"));
        assertEquals("1.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"ops\",provider=\"sim\",status=\"200\"}"));
        assertEquals("1.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"ops\",provider=\"none\",status=\"429\"}"));
        assertEquals("1.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"ops\",provider=\"sim\",status=\"999\"}"));
        assertEquals("1.0", value(s, "junction_requests_total{alias=\"gpt-4.1\",key=\"ops\",provider=\"sim2\",status=\"200\"}"));
        assertEquals("1.0", value(s, "junction_errors_total{alias=\"gpt-4.1\",code=\"rate_limited\",key=\"ops\"}"));
        assertEquals("7.0", value(s, "junction_attempts_total{alias=\"gpt-4.1\",deployment=\"sim/gpt-4o-mini\",outcome=\"ok\"}"));
        assertEquals("1.0", value(s, "junction_attempts_total{alias=\"gpt-4.1\",deployment=\"other/x\",outcome=\"upstream_unavailable\"}"));
        assertEquals("1.0", value(s, "junction_attempts_total{alias=\"gpt-4.1\",deployment=\"other/x\",outcome=\"hedge_lost_hedge\"}"));
        assertEquals("1.0", value(s, "junction_hedges_total{alias=\"gpt-4.1\"}"));
        assertEquals("1.0", value(s, "junction_retries_total{alias=\"gpt-4.1\"}"));
        assertEquals("70.0", value(s, "junction_tokens_total{alias=\"gpt-4.1\",deployment=\"sim/gpt-4o-mini\",direction=\"input\"}"));
        assertEquals("1.75", value(s, "junction_cost_usd_total{alias=\"gpt-4.1\",deployment=\"sim/gpt-4o-mini\",key=\"team.a\"}"));
        assertEquals("2.0", value(s, "junction_cost_usd_total{alias=\"video\",deployment=\"sim/sora\",key=\"none\"}"));
        assertEquals("8", value(s, "junction_request_duration_seconds_count{alias=\"gpt-4.1\"}"));
        String genAi = "{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4.1\","
                + "gen_ai_response_model=\"gpt-4o-mini\"}";
        assertEquals("7", value(s, "gen_ai_client_operation_duration_seconds_count" + genAi));
        assertEquals("7", value(s, "gen_ai_server_time_to_first_token_seconds_count" + genAi));
        assertTrue(s.contains("gen_ai_client_operation_duration_seconds{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\","
                + "gen_ai_request_model=\"gpt-4.1\",gen_ai_response_model=\"gpt-4o-mini\",quantile=\"0.999\"} q"), s.toString());
        assertEquals(Map.of("none", 2.0, "team.a", 1.75), m.spendByKey());
        assertEquals(0, m.inFlight());
        Map<String, Object> dashboard = m.aliasFigures().get("gpt-4.1");
        assertEquals(8L, dashboard.get("requests"));
        assertEquals(1L, dashboard.get("errors"));
        // The whole-request duration summary: about the 2 ms each request took.
        double p50 = (Double) dashboard.get("p50_ms");
        assertTrue(p50 >= 2 && p50 < 2_000, "p50 " + p50);
        Timer t = m.registry().getTimers().get("junction.request.duration.gpt-4%2E1");
        assertEquals(8, t.getCount());
    }

    @Test
    void theRequestsDurationEndsAtTheInstantItsAnswerWasTimed() {
        GatewayMetrics m = metrics();
        RequestContext rc = served(TEAM, "timed", "sim/gpt-4o-mini", "sim", 200);
        long elapsed = rc.end() - rc.startNanos; // as the answer's Server-Timing total read it
        m.requestStarted();
        m.requestFinished(rc);
        assertEquals(elapsed / 1e6, (Double) m.aliasFigures().get("timed").get("p50_ms"));
    }

    @Test
    void requestsRecordedFromSeveralThreadsAreAllCounted() throws Exception {
        GatewayMetrics m = metrics();
        int threads = 4;
        int each = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    m.requestStarted();
                    RequestContext rc = served(i % 2 == 0 ? TEAM : OPS, "a" + (i % 3), "sim/d" + (i % 2), "sim",
                            i % 5 == 0 ? 500 : 200);
                    rc.costUsd = 1;
                    m.requestFinished(rc);
                }
            }, "metrics-" + id);
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        Map<String, Double> byStatus = new TreeMap<>();
        double total = 0;
        for (String line : samples(m)) {
            if (line.startsWith("junction_requests_total{")) {
                double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                total += v;
                byStatus.merge(line.contains("status=\"500\"") ? "500" : "200", v, Double::sum);
            }
        }
        assertEquals(threads * each, total);
        assertEquals(threads * each / 5.0, byStatus.get("500"));
        assertEquals(threads * each, m.spendByKey().values().stream().mapToDouble(Double::doubleValue).sum());
        assertEquals(0, m.inFlight());
        assertFalse(Arrays.asList(m.registry().getNames().toArray()).isEmpty());
    }

    /**
     * Requests that alternate alias, deployment, key, attempt outcome and operation at every step
     * (so no figure found for the previous request is the right one) each land in their own figures.
     */
    @Test
    void alternatingRoutesKeysOutcomesAndOperationsLandInTheirOwnFigures() {
        GatewayMetrics m = metrics();
        int n = 60;
        for (int i = 0; i < n; i++) {
            m.requestStarted();
            RequestContext rc = served(i % 2 == 0 ? TEAM : null, "a" + (i % 3), "sim/d" + (i % 4), "sim", 200);
            if (i % 5 == 0) {
                rc.attempts.set(0, new RequestContext.Attempt(rc.deployment, "sim", "hedge_won", 200, 1.0));
            }
            if (i % 6 == 0) {
                rc = copyWithPath(rc, "/v1/embeddings");
            }
            m.requestFinished(rc);
        }
        List<String> s = samples(m);
        for (int a = 0; a < 3; a++) {
            for (int k = 0; k < 2; k++) {
                int expected = 0;
                for (int i = 0; i < n; i++) {
                    expected += i % 3 == a && i % 2 == k ? 1 : 0;
                }
                assertEquals(expected + ".0", value(s, "junction_requests_total{alias=\"a" + a + "\",key=\""
                        + (k == 0 ? "team.a" : "none") + "\",provider=\"sim\",status=\"200\"}"));
            }
            // The GenAI figures are per alias and operation (the deployments share one upstream model here).
            int chat = 0;
            int embeddings = 0;
            for (int i = a; i < n; i += 3) {
                if (i % 6 == 0) {
                    embeddings++;
                } else {
                    chat++;
                }
            }
            String genAi = ",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"a" + a + "\",gen_ai_response_model=\"gpt-4o-mini\"}";
            assertEquals(String.valueOf(chat),
                    value(s, "gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name=\"chat\"" + genAi));
            if (embeddings > 0) {
                assertEquals(String.valueOf(embeddings),
                        value(s, "gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name=\"embeddings\"" + genAi));
            }
            for (int d = 0; d < 4; d++) {
                int ok = 0;
                int won = 0;
                for (int i = 0; i < n; i++) {
                    if (i % 3 == a && i % 4 == d) {
                        if (i % 5 == 0) {
                            won++;
                        } else {
                            ok++;
                        }
                    }
                }
                String route = "alias=\"a" + a + "\",deployment=\"sim/d" + d + "\"";
                if (ok > 0) {
                    assertEquals(ok + ".0", value(s, "junction_attempts_total{" + route + ",outcome=\"ok\"}"));
                }
                if (won > 0) {
                    assertEquals(won + ".0", value(s, "junction_attempts_total{" + route + ",outcome=\"hedge_won\"}"));
                }
                assertEquals((ok + won) * 10 + ".0", value(s, "junction_tokens_total{" + route + ",direction=\"input\"}"));
            }
        }
        assertEquals(0, m.inFlight());
    }

    private static RequestContext copyWithPath(RequestContext rc, String path) {
        RequestContext c = new RequestContext(rc.requestId, rc.startNanos, rc.method, path);
        c.key = rc.key;
        c.alias = rc.alias;
        c.deployment = rc.deployment;
        c.provider = rc.provider;
        c.providerType = rc.providerType;
        c.upstreamModel = rc.upstreamModel;
        c.status = rc.status;
        c.proxied = true;
        c.attempts.addAll(rc.attempts);
        c.ttftNanos = rc.ttftNanos;
        c.promptTokens = rc.promptTokens;
        c.completionTokens = rc.completionTokens;
        return c;
    }
}

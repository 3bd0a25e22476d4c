package dev.junction.bench;

import dev.junction.core.catalog.CatalogLoader;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.TracingConfig;
import dev.junction.core.metrics.GatewayMetrics;
import dev.junction.core.proxy.RequestContext;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.routing.RouteTable;
import dev.junction.core.time.Ticker;
import dev.junction.core.tracing.AttemptTrace;
import dev.junction.core.tracing.RequestTrace;
import dev.junction.core.tracing.Tracing;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What metrics and tracing add to one request on its event loop (house rule 12): recording a
 * finished request in the metrics; the trace of a request with one attempt when spans are not
 * exported (propagation only) and when they are (SDK spans handed to the batch processor, whose
 * export runs on its own thread; the collector here is a closed port, so the queue fills and
 * further spans are dropped, which is the path a dead collector takes). Also one scrape.
 * Run with {@code java -jar benchmarks/target/benchmarks.jar ObservabilityBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ObservabilityBenchmark {

    private static final KeyConfig KEY = new KeyConfig("team-a", "sk-bench-0123456789", List.of("*"), null, null, null, false);

    private GatewayMetrics metrics;
    private Tracing off;
    private Tracing exporting;
    private HttpHeaders headers;

    @Setup(Level.Trial)
    public void setUp() {
        RouteTable table = RouteTable.build(ConfigLoader.loadString("""
            junction {
              providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:9/v1" } }
              models { "gpt-4o-mini" { deployments = [ { provider = sim, model = "gpt-4o-mini" } ] } }
            }"""), CatalogLoader.loadShipped(), ResiliencePolicies.defaults(), null, Ticker.system());
        metrics = new GatewayMetrics(() -> table, Map::of);
        off = Tracing.off();
        exporting = Tracing.of(new TracingConfig("http://127.0.0.1:9/v1/traces", "bench", Duration.ofMillis(200),
                Duration.ofMillis(100), 8192));
        headers = new DefaultHttpHeaders().set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exporting.close();
    }

    private static RequestContext served() {
        RequestContext rc = new RequestContext("req_bench", System.nanoTime() - 1_000_000, "POST", "/v1/chat/completions");
        rc.key = KEY;
        rc.alias = "gpt-4o-mini";
        rc.deployment = "sim/gpt-4o-mini";
        rc.provider = "sim";
        rc.providerType = "openai-compatible";
        rc.upstreamModel = "gpt-4o-mini";
        rc.status = 200;
        rc.proxied = true;
        rc.ttftNanos = 500_000;
        rc.promptTokens = 11;
        rc.completionTokens = 7;
        rc.costUsd = 0.000092;
        rc.attempts.add(new RequestContext.Attempt("sim/gpt-4o-mini", "sim", "ok", 200, 0.9));
        return rc;
    }

    @Benchmark
    public long metricsRecordRequest() {
        RequestContext rc = served();
        metrics.requestStarted();
        metrics.requestFinished(rc);
        return metrics.inFlight();
    }

    @Benchmark
    public Map<String, String> tracePropagationOnly() {
        return trace(off);
    }

    @Benchmark
    public Map<String, String> traceExportedSpans() {
        return trace(exporting);
    }

    private Map<String, String> trace(Tracing tracing) {
        RequestContext rc = served();
        RequestTrace t = tracing.start(headers, "chat", true);
        rc.trace = t;
        AttemptTrace a = t.attempt("sim/gpt-4o-mini", "openai-compatible", "sim", "gpt-4o-mini", false);
        Map<String, String> h = a.headers();
        a.end("ok", 200);
        t.finish(rc);
        return h;
    }

    @Benchmark
    public int scrape() {
        return metrics.scrape(null).body().length;
    }
}

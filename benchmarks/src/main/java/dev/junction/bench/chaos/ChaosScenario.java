package dev.junction.bench.chaos;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.resilience.CircuitBreaker;
import dev.junction.core.routing.Deployment;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.FaultProfile;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The chaos scenario of SPEC §7's resilience goals, run in one JVM on loopback: one alias
 * ({@code chaos}) over three simulated OpenAI-compatible deployments, in this config order —
 * <ul>
 *   <li>{@code flaky} ({@code gpt-4o-mini}, the cheapest): 30% of calls answer 503;</li>
 *   <li>{@code tail} ({@code gpt-4.1-mini}): 5% of calls are 10× slower;</li>
 *   <li>{@code healthy} ({@code gpt-4o}, the dearest): no faults;</li>
 * </ul>
 * all with the same base latency before the first byte. The catalog's list prices make the cost
 * strategy order them flaky, tail, healthy, as the priority order does. For each configuration a
 * fresh gateway and fresh simulators (same seeds) serve a fixed number of closed-loop requests; the
 * client-visible success rate and latency percentiles are compared with the healthy deployment
 * measured alone, and the upstream load (simulator request counters) and hedges (gateway attempt
 * counters) are reported. The goal: 100% success while a deployment is healthy and p99 within
 * 1.5× of the healthy deployment's own p99.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.junction.bench.chaos.ChaosScenario \
 *      [--requests 2000] [--settle 200] [--concurrency 8] [--latency-ms 40] [--warmup 400] \
 *      [--mode unary|stream|both] [--out FILE]
 * </pre>
 * {@code --warmup} requests JIT-warm the whole path once per mode; {@code --settle} requests go to
 * each fresh gateway before its measured ones. Neither is counted.
 * <pre>
 * </pre>
 */
public final class ChaosScenario {

    static final String ALIAS = "chaos";
    static final double FLAKY_FAILURE_RATE = 0.30;
    static final double TAIL_RATE = 0.05;
    static final double TAIL_MULTIPLIER = 10;
    /** The goal: the chaos p99 within this factor of the healthy deployment's own p99. */
    static final double P99_GOAL = 1.5;

    /** One row of the matrix: how the gateway is configured, or a direct run against {@code healthy}. */
    record Config(String name, String strategy, String aliasExtra, String resilience, boolean healthyOnly,
                  boolean direct, boolean healthyFirst) {

        Config(String name, String strategy, String aliasExtra, String resilience, boolean healthyOnly, boolean direct) {
            this(name, strategy, aliasExtra, resilience, healthyOnly, direct, false);
        }
    }

    /** What one configuration measured. */
    record Result(Config config, boolean stream, int requests, int ok, long p50, long p95, long p99, long max,
                  Map<String, Integer> upstream, long hedges, long hedgesWon, double costUsd,
                  Map<String, Integer> servedBy, Map<Integer, Integer> statuses, String circuits) {

        double successRate() {
            return ok / (double) requests;
        }

        int upstreamTotal() {
            return upstream.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final int requests;
    private final int settle;
    private final int concurrency;
    private final Duration latency;
    private final LoadDriver driver;

    /**
     * @param requests    measured requests per configuration
     * @param settle      requests sent first to each fresh gateway and left out of the figures
     * @param concurrency requests in flight at once
     * @param latency     every simulator's base latency before the first byte
     */
    ChaosScenario(int requests, int settle, int concurrency, Duration latency) {
        this.requests = requests;
        this.settle = settle;
        this.concurrency = concurrency;
        this.latency = latency;
        this.driver = new LoadDriver(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** The matrix, cheapest-first routing unless said otherwise. */
    static List<Config> matrix() {
        String noRetry = "retry { max-attempts = 1 }";
        return List.of(
                new Config("healthy alone, direct", "-", "", "", true, true),
                new Config("healthy alone, via gateway", "priority", "", "", true, false),
                new Config("no retries, no hedging", "priority", "", noRetry, false, false),
                new Config("retries + failover", "priority", "", "", false, false),
                new Config("retries + failover + hedge p95", "priority", "hedge { after = p95 }", "", false, false),
                new Config("retries + failover + hedge 60ms", "priority", "hedge { after = 60ms }", "", false, false),
                new Config("cost + breaker 0.25 + hedge p95", "cost", "hedge { after = p95 }",
                        "circuit-breaker { failure-rate = 0.25 }", false, false),
                // The latency strategy's tail- and error-aware figure (docs/decisions.md, "Latency routing"):
                // first attempts on the best deployment, a 2% exploration share for the others.
                new Config("latency (tail-aware) + retries", "latency", "", "", false, false),
                new Config("latency (tail-aware) + retries + hedge p95", "latency", "hedge { after = p95 }", "", false,
                        false),
                // The dear deployment first: what meeting the latency goal costs when routing pays for it.
                new Config("healthy first + retries + failover", "priority", "", "", false, false, true),
                // Measured again last: how much the machine's own noise moved the reference meanwhile.
                new Config("healthy alone, direct (again)", "-", "", "", true, true));
    }

    Result run(Config c, boolean stream) throws Exception {
        List<VendorSimulator> sims = new ArrayList<>();
        GatewayServer gw = null;
        try {
            // Fresh simulators per configuration, with fixed seeds: every row sees the same fault draws.
            VendorSimulator flaky = sim(sims, new FaultProfile(FLAKY_FAILURE_RATE, 503, 0, 1, 11));
            VendorSimulator tail = sim(sims, new FaultProfile(0, 503, TAIL_RATE, TAIL_MULTIPLIER, 22));
            VendorSimulator healthy = sim(sims, FaultProfile.NONE);
            String url;
            String model;
            if (c.direct()) {
                url = healthy.baseUrl() + "/v1/chat/completions";
                model = "gpt-4o";
            } else {
                gw = GatewayServer.start(ConfigLoader.loadString(hocon(c, flaky, tail, healthy)));
                url = "http://127.0.0.1:" + gw.port() + "/v1/chat/completions";
                model = ALIAS;
            }
            // Steady state: connections open, latency statistics and the hedge budget earned, as in a
            // gateway that has been serving for a while. These requests are left out of every figure.
            if (settle > 0) {
                driver.run(url, model, stream, settle, concurrency);
            }
            Counters before = Counters.capture(sims, gw);
            LoadDriver.Outcome[] out = driver.run(url, model, stream, requests, concurrency);
            // The gateway records a request's metrics once its last byte is flushed, which can trail
            // the client's read by a moment; in-flight drops to 0 only after the last one is recorded.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (gw.metrics().inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            return summarize(c, stream, out, Counters.capture(sims, gw).minus(before), circuits(gw));
        } finally {
            if (gw != null) {
                gw.close();
            }
            sims.forEach(VendorSimulator::close);
        }
    }

    /** Upstream requests per simulator, hedges started and won, and spend: cumulative counters. */
    record Counters(Map<String, Integer> upstream, long hedges, long hedgesWon, double costUsd) {

        static Counters capture(List<VendorSimulator> sims, GatewayServer gw) {
            Map<String, Integer> upstream = new LinkedHashMap<>();
            String[] names = {"flaky", "tail", "healthy"};
            for (int i = 0; i < sims.size(); i++) {
                upstream.put(names[i], sims.get(i).requests().size());
            }
            long hedges = 0;
            long won = 0;
            double cost = 0;
            if (gw != null) {
                for (Map.Entry<String, Counter> e : gw.metrics().registry().getCounters().entrySet()) {
                    // junction.attempts.<alias>.<deployment>.<outcome>; a hedge's outcome ends in "_hedge".
                    if (e.getKey().startsWith("junction.attempts.") && e.getKey().endsWith("_hedge")) {
                        hedges += e.getValue().getCount();
                        if (e.getKey().endsWith(".ok_hedge")) {
                            won += e.getValue().getCount();
                        }
                    }
                }
                for (Map.Entry<String, Gauge> e : gw.metrics().registry().getGauges().entrySet()) {
                    if (e.getKey().startsWith("junction.cost.")) {
                        cost += ((Number) e.getValue().getValue()).doubleValue();
                    }
                }
            }
            return new Counters(upstream, hedges, won, cost);
        }

        Counters minus(Counters o) {
            Map<String, Integer> up = new LinkedHashMap<>();
            upstream.forEach((k, v) -> up.put(k, v - o.upstream.getOrDefault(k, 0)));
            return new Counters(up, hedges - o.hedges, hedgesWon - o.hedgesWon, costUsd - o.costUsd);
        }
    }

    private VendorSimulator sim(List<VendorSimulator> sims, FaultProfile faults) {
        VendorSimulator s = VendorSimulator.start(SimulatorOptions.builder()
                .latency(latency)
                .tokensPerSecond(0)
                .replyTokens(12)
                .faults(faults)
                .maxRecordedRequests(1_000_000)
                .build());
        sims.add(s);
        return s;
    }

    static String hocon(Config c, VendorSimulator flaky, VendorSimulator tail, VendorSimulator healthy) {
        String f = "{ provider = flaky, model = \"gpt-4o-mini\" }";
        String t = "{ provider = tail, model = \"gpt-4.1-mini\" }";
        String h = "{ provider = healthy, model = \"gpt-4o\" }";
        String deployments = c.healthyOnly() ? h
                : c.healthyFirst() ? String.join(", ", h, f, t)
                : String.join(", ", f, t, h);
        return """
            junction {
              server { port = 0 }
              access-log { enabled = false }
              providers {
                flaky { type = openai-compatible, base-url = "%s/v1" }
                tail { type = openai-compatible, base-url = "%s/v1" }
                healthy { type = openai-compatible, base-url = "%s/v1" }
              }
              models { "%s" {
                strategy = %s
                deployments = [ %s ]
                %s
              } }
              resilience { %s }
            }""".formatted(flaky.baseUrl(), tail.baseUrl(), healthy.baseUrl(), ALIAS, c.strategy(), deployments,
                c.aliasExtra(), c.resilience());
    }

    /** Deployments whose circuit is not closed at the end of the run, e.g. "flaky:OPEN", or "-". */
    private static String circuits(GatewayServer gw) {
        if (gw == null) {
            return "-";
        }
        List<String> notClosed = new ArrayList<>();
        for (Deployment d : gw.snapshot().table().route(ALIAS).deployments()) {
            CircuitBreaker.State state = d.breaker().state();
            if (state != CircuitBreaker.State.CLOSED) {
                notClosed.add(d.provider().name() + ":" + state.name().toLowerCase(Locale.ROOT));
            }
        }
        return notClosed.isEmpty() ? "all closed" : String.join(", ", notClosed);
    }

    private static Result summarize(Config c, boolean stream, LoadDriver.Outcome[] out, Counters counted,
                                    String circuits) {
        long[] nanos = new long[out.length];
        int ok = 0;
        Map<String, Integer> servedBy = new TreeMap<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int i = 0; i < out.length; i++) {
            LoadDriver.Outcome o = out[i];
            nanos[i] = o.nanos();
            if (o.ok()) {
                ok++;
                servedBy.merge(o.provider() == null ? "healthy" : o.provider(), 1, Integer::sum);
            }
            statuses.merge(o.status(), 1, Integer::sum);
        }
        Arrays.sort(nanos);
        return new Result(c, stream, out.length, ok, pct(nanos, 0.50), pct(nanos, 0.95), pct(nanos, 0.99),
                nanos[nanos.length - 1], counted.upstream(), counted.hedges(), counted.hedgesWon(), counted.costUsd(),
                servedBy, statuses, circuits);
    }

    /** Nearest-rank percentile of sorted values. */
    static long pct(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    // ---- report ---------------------------------------------------------------------------------

    static String table(List<Result> results, long referenceP99) {
        StringBuilder sb = new StringBuilder();
        sb.append("| configuration | strategy | success | p50 ms | p95 ms | p99 ms | max ms | p99 / healthy p99 "
                + "| upstream req / client req (flaky+tail+healthy) | hedges started (won) | served by f/t/h | "
                + "USD per 1k req | circuits at end | goal |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---|---|\n");
        for (Result r : results) {
            Config c = r.config();
            double ratio = r.p99() / (double) referenceP99;
            boolean chaos = !c.healthyOnly();
            String goal = !chaos ? "reference"
                    : (r.ok() == r.requests() ? "100% ok" : "FAIL success") + ", "
                      + (ratio <= P99_GOAL ? "p99 ok" : "FAIL p99");
            sb.append(String.format(Locale.ROOT,
                    "| %s | %s | %.2f%% | %.1f | %.1f | %.1f | %.1f | %.2f× | %.3f (%d+%d+%d) | %d (%d) | %d/%d/%d | %s | %s | %s |%n",
                    c.name(), c.strategy(), 100.0 * r.successRate(), ms(r.p50()), ms(r.p95()), ms(r.p99()),
                    ms(r.max()), ratio, r.upstreamTotal() / (double) r.requests(), r.upstream().get("flaky"),
                    r.upstream().get("tail"), r.upstream().get("healthy"), r.hedges(), r.hedgesWon(),
                    r.servedBy().getOrDefault("flaky", 0), r.servedBy().getOrDefault("tail", 0),
                    r.servedBy().getOrDefault("healthy", 0),
                    c.direct() ? "-" : String.format(Locale.ROOT, "%.4f", 1000 * r.costUsd() / r.requests()), r.circuits(),
                    goal));
        }
        return sb.toString();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    public static void main(String[] args) throws Exception {
        int requests = 2000;
        int concurrency = 8;
        long latencyMs = 40;
        int warmup = 400;
        int settle = 200;
        String mode = "both";
        Path outFile = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--requests" -> { requests = Integer.parseInt(v); i++; }
                case "--concurrency" -> { concurrency = Integer.parseInt(v); i++; }
                case "--latency-ms" -> { latencyMs = Long.parseLong(v); i++; }
                case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
                case "--settle" -> { settle = Integer.parseInt(v); i++; }
                case "--mode" -> { mode = v; i++; }
                case "--out" -> { outFile = Path.of(v); i++; }
                default -> throw new IllegalArgumentException("unknown argument " + a
                        + " (--requests N --settle N --concurrency N --latency-ms N --warmup N --mode unary|stream|both --out FILE)");
            }
        }
        if (!List.of("unary", "stream", "both").contains(mode)) {
            throw new IllegalArgumentException("--mode must be unary, stream or both");
        }
        List<Boolean> modes = switch (mode) {
            case "unary" -> List.of(false);
            case "stream" -> List.of(true);
            default -> List.of(false, true);
        };
        StringBuilder report = new StringBuilder();
        report.append(String.format(Locale.ROOT, "requests per row %d, concurrency %d, base latency %d ms, "
                + "flaky %.0f%% 503, tail %.0f%% x%.0f, JVM warm-up %d requests, %d settling requests per row%n%n",
                requests, concurrency, latencyMs, 100 * FLAKY_FAILURE_RATE, 100 * TAIL_RATE, TAIL_MULTIPLIER, warmup,
                settle));
        for (boolean stream : modes) {
            if (warmup > 0) {
                // JIT-warm the client, the gateway and the simulators on the full path, failover and
                // hedging included; discarded.
                Config busiest = matrix().stream().filter(c -> c.name().equals("retries + failover + hedge p95"))
                        .findFirst().orElseThrow();
                new ChaosScenario(warmup, 0, concurrency, Duration.ofMillis(latencyMs)).run(busiest, stream);
            }
            ChaosScenario scenario = new ChaosScenario(requests, settle, concurrency,
                    Duration.ofMillis(latencyMs));
            List<Result> results = new ArrayList<>();
            for (Config c : matrix()) {
                long t0 = System.nanoTime();
                Result r = scenario.run(c, stream);
                results.add(r);
                System.err.printf(Locale.ROOT, "%-7s %-42s ok %5.1f%%  p50 %6.1f  p99 %6.1f ms  statuses %s  (%.1f s)%n",
                        stream ? "stream" : "unary", c.name(), 100 * r.successRate(), ms(r.p50()), ms(r.p99()),
                        r.statuses(), (System.nanoTime() - t0) / 1e9);
            }
            // The stricter reference: the lower p99 of the two direct runs of the healthy deployment.
            long reference = results.stream().filter(r -> r.config().direct()).mapToLong(Result::p99).min()
                    .orElseThrow();
            report.append("### ").append(stream ? "Streaming (SSE, whole stream)" : "Non-streaming (JSON)")
                    .append("\n\n").append(String.format(Locale.ROOT, "Reference p99 (healthy deployment alone, direct): "
                            + "%.1f ms; goal: p99 <= %.1f ms.%n%n", ms(reference), P99_GOAL * ms(reference)))
                    .append(table(results, reference)).append('\n');
        }
        System.out.println(report);
        if (outFile != null) {
            write(outFile, report.toString());
        }
    }

    private static void write(Path file, String text) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, text);
    }
}

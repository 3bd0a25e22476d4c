package dev.junction.bench;

import dev.junction.core.catalog.Capability;
import dev.junction.core.catalog.CatalogLoader;
import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.AuthConfig;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ProviderConfig;
import dev.junction.core.config.ServerConfig;
import dev.junction.core.config.Timeouts;
import dev.junction.core.resilience.ResiliencePolicies;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RequestProfile;
import dev.junction.core.routing.RouteResult;
import dev.junction.core.routing.RouteTable;
import dev.junction.core.routing.Router;
import dev.junction.core.time.RandomSource;
import dev.junction.core.time.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The routing decision (DESIGN request flow step 2, house rule 12): capability filter plus each
 * strategy over an alias of 20 deployments with live statistics, as {@link Router#select} runs it
 * per request. Run with {@code java -jar benchmarks/target/benchmarks.jar RoutingBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {

    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "claude-haiku-4-5",
        "claude-sonnet-4-5", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "o4-mini"};

    @Param({"priority", "weighted", "latency", "cost"})
    public String strategy;

    private RouteTable table;
    private Router router;
    private RequestProfile profile;

    @Setup
    public void setUp() {
        Map<String, ProviderConfig> providers = new LinkedHashMap<>();
        List<DeploymentConfig> deployments = new ArrayList<>();
        Timeouts timeouts = new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(60),
                Duration.ofMinutes(10));
        for (int i = 0; i < 20; i++) {
            String name = "p" + i;
            providers.put(name, new ProviderConfig(name, "openai-compatible", "https://" + name + ".example", "k", true,
                    null, Map.of(), Map.of(), timeouts, 100, null, null));
            deployments.add(new DeploymentConfig(name, MODELS[i % MODELS.length], 1 + i % 3, null));
        }
        Map<String, AliasConfig> models = Map.of("chat", new AliasConfig("chat", strategy, deployments, null, null));
        ServerConfig server = new ServerConfig("127.0.0.1", 8080, 32 << 20, 8192, 64, 1 << 24, Duration.ofSeconds(60),
                Duration.ofSeconds(30), 0);
        GatewayConfig config = new GatewayConfig(server, new AuthConfig(false, List.of()), providers, models, null, null,
                List.of());
        ResiliencePolicies policies = ResiliencePolicies.defaults();
        table = RouteTable.build(config, CatalogLoader.loadShipped(), policies, null, Ticker.system());
        int i = 0;
        for (Deployment d : table.route("chat").deployments()) {
            for (int s = 0; s < 50; s++) {
                d.stats().start();
                d.stats().recordTtft((100 + 37L * i + s) * 1_000_000L);
                if (s % 10 == i % 10) {
                    d.stats().recordFailure("upstream_unavailable");
                } else {
                    d.stats().recordSuccess();
                }
            }
            i++;
        }
        router = new Router(RandomSource.threadLocal(), policies.stats(), Ticker.system());
        profile = new RequestProfile(EnumSet.of(Capability.STREAMING, Capability.TOOLS), 2_000, 500);
    }

    @Benchmark
    public RouteResult select() {
        return router.select(table, "chat", profile, null);
    }

    /**
     * A decision plus the statistics its attempt leaves behind (start, TTFT, success on the first
     * deployment), as under live traffic: the latency strategy then re-reads percentiles that keep
     * changing, which {@link #select} with frozen statistics never does.
     */
    @Benchmark
    public RouteResult selectAndRecord() {
        RouteResult r = router.select(table, "chat", profile, null);
        var stats = r.candidates().get(0).stats();
        stats.start();
        stats.recordTtft(100_000_000L + (System.nanoTime() & 0xFFFFF));
        stats.recordSuccess();
        return r;
    }
}

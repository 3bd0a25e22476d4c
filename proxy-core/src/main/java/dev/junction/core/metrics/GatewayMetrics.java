package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import dev.junction.core.proxy.RequestContext;
import dev.junction.core.resilience.NoRetryReason;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RouteTable;
import dev.junction.core.tracing.GenAiNames;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Supplier;

import static dev.junction.core.metrics.DropwizardBridge.part;

/**
 * Junction's metrics (SPEC §8), kept in a Dropwizard registry and exported through the Prometheus
 * client's Dropwizard bridge ({@link DropwizardBridge}). Token usage, operation duration and time to
 * first token carry the OpenTelemetry GenAI semantic-convention names in their Prometheus form;
 * the gateway's own figures are {@code junction_*}. Every label value is a configured name (key,
 * alias, provider, deployment, model), a status code, an error code of SPEC §4 or a fixed word —
 * never a string taken from the client. Circuit state and per-deployment in-flight are read from
 * the live routing table at scrape time.
 */
public final class GatewayMetrics {

    private static final List<String> GEN_AI = List.of("gen_ai_operation_name", "gen_ai_provider_name",
            "gen_ai_request_model", "gen_ai_response_model");

    private static final List<DropwizardBridge.Family> FAMILIES = List.of(
            new DropwizardBridge.Family("gen_ai.client.token.usage", "gen_ai_client_token_usage",
                    "Tokens per request by type (OpenTelemetry GenAI gen_ai.client.token.usage)",
                    concat(GEN_AI, "gen_ai_token_type")),
            new DropwizardBridge.Family("gen_ai.client.operation.duration", "gen_ai_client_operation_duration_seconds",
                    "Whole-request duration, retries included (OpenTelemetry GenAI gen_ai.client.operation.duration)", GEN_AI),
            new DropwizardBridge.Family("gen_ai.server.time_to_first_token", "gen_ai_server_time_to_first_token_seconds",
                    "From the served attempt's start to the vendor's first byte (OpenTelemetry GenAI gen_ai.server.time_to_first_token)",
                    GEN_AI),
            new DropwizardBridge.Family("junction.requests", "junction_requests", "Model requests by final status",
                    List.of("key", "alias", "provider", "status")),
            new DropwizardBridge.Family("junction.errors", "junction_errors", "Failed model requests by SPEC error code",
                    List.of("key", "alias", "code")),
            new DropwizardBridge.Family("junction.attempts", "junction_attempts", "Upstream attempts by outcome",
                    List.of("alias", "deployment", "outcome")),
            new DropwizardBridge.Family("junction.retries", "junction_retries",
                    "Attempts made after a failed one (not hedges), by the alias", List.of("alias")),
            new DropwizardBridge.Family("junction.hedges", "junction_hedges", "Hedge attempts started", List.of("alias")),
            new DropwizardBridge.Family("junction.request.duration", "junction_request_duration_seconds",
                    "Whole-request duration of every model request of an alias, failed ones included", List.of("alias")),
            new DropwizardBridge.Family("junction.tokens", "junction_tokens", "Tokens accounted",
                    List.of("alias", "deployment", "direction")),
            new DropwizardBridge.Family("junction.cost", "junction_cost_usd", "Spend from the catalog's prices, in USD",
                    List.of("key", "alias", "deployment"), true),
            new DropwizardBridge.Family("junction.tasks", "junction_tasks", "Tasks by state", List.of("state")),
            new DropwizardBridge.Family("junction.inflight", "junction_in_flight", "Model requests in flight", List.of()),
            new DropwizardBridge.Family("junction.access_log_dropped", "junction_access_log_dropped",
                    "Access-log lines dropped because the log writer fell behind", List.of(), true),
            new DropwizardBridge.Family("junction.cache.requests", "junction_cache_requests",
                    "Requests of aliases that cache, by what the response cache did (hit, miss, bypass)",
                    List.of("alias", "result")),
            new DropwizardBridge.Family("junction.cache.stored", "junction_cache_stored",
                    "Answers written to the response cache", List.of("alias")),
            new DropwizardBridge.Family("junction.cache.hit_ratio", "junction_cache_hit_ratio",
                    "Hits / (hits + misses) of the response cache since start (bypasses not counted)", List.of("alias")),
            new DropwizardBridge.Family("junction.cache.entries", "junction_cache_entries",
                    "Entries in the response cache (a shared store: as last reported to this instance)", List.of("alias")),
            new DropwizardBridge.Family("junction.cache.bytes", "junction_cache_bytes",
                    "Bytes of the response cache's entries (a shared store: as last reported to this instance)",
                    List.of("alias")),
            new DropwizardBridge.Family("junction.cache.store_failures", "junction_cache_store_failures",
                    "Calls to the shared cache store that failed (served as misses, or not stored)", List.of(), true));

    private final MetricRegistry registry = new MetricRegistry();
    private final Instruments instruments = new Instruments(registry);
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, Map<String, Route>> routes = new ConcurrentHashMap<>();
    private final Map<String, AliasFigures> aliases = new ConcurrentHashMap<>();
    private final Map<String, DoubleAdder> spendByKey = new ConcurrentHashMap<>();
    private volatile Supplier<Map<String, Long>> tasks;
    private final boolean enabled;

    public GatewayMetrics(Supplier<RouteTable> table, Supplier<Map<NoRetryReason, Long>> noRetry) {
        this(table, noRetry, true);
    }

    /**
     * @param enabled {@code junction.metrics.enabled}: off, {@link #requestFinished} records nothing
     *                but the end of the request (the in-flight count) and {@code /metrics} is not served
     */
    public GatewayMetrics(Supplier<RouteTable> table, Supplier<Map<NoRetryReason, Long>> noRetry, boolean enabled) {
        this.enabled = enabled;
        registry.gauge("junction.inflight", () -> inFlight::get);
        prometheus.register(new DropwizardBridge(registry, FAMILIES));
        prometheus.register(new RoutingCollector(table, noRetry));
    }

    /** Adds a collector of figures kept elsewhere (e.g. the key limiter's) to {@code /metrics}. */
    public void register(MultiCollector collector) {
        prometheus.register(collector);
    }

    /** Exposes the access log's dropped-line count ({@code junction_access_log_dropped_total}). */
    public void accessLogDropped(java.util.function.LongSupplier dropped) {
        registry.gauge("junction.access_log_dropped", () -> dropped::getAsLong);
    }

    private static List<String> concat(List<String> a, String b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        return List.copyOf(out);
    }

    public MetricRegistry registry() {
        return registry;
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** The response cache's figures of one alias (docs/cache.md). */
    public static final class CacheFigures {
        public final Counter hits;
        public final Counter misses;
        public final Counter bypasses;
        public final Counter stored;

        CacheFigures(Counter hits, Counter misses, Counter bypasses, Counter stored) {
            this.hits = hits;
            this.misses = misses;
            this.bypasses = bypasses;
            this.stored = stored;
        }

        double hitRatio() {
            long h = hits.getCount();
            long looked = h + misses.getCount();
            return looked == 0 ? 0 : (double) h / looked;
        }
    }

    private final Map<String, CacheFigures> cache = new ConcurrentHashMap<>();

    /**
     * The cache counters of {@code alias}, registered with its gauges on first use; {@code entries}
     * and {@code bytes} are read at scrape time and must not block.
     */
    public CacheFigures cache(String alias, java.util.function.LongSupplier entries, java.util.function.LongSupplier bytes) {
        CacheFigures f = cache.get(alias);
        return f != null ? f : cache.computeIfAbsent(alias, a -> {
            String p = part(a);
            CacheFigures figures = new CacheFigures(loopCounter("junction.cache.requests." + p + ".hit"),
                    loopCounter("junction.cache.requests." + p + ".miss"),
                    loopCounter("junction.cache.requests." + p + ".bypass"),
                    loopCounter("junction.cache.stored." + p));
            registry.gauge("junction.cache.hit_ratio." + p, () -> figures::hitRatio);
            registry.gauge("junction.cache.entries." + p, () -> entries::getAsLong);
            registry.gauge("junction.cache.bytes." + p, () -> bytes::getAsLong);
            return figures;
        });
    }

    /** Exposes the shared cache store's failed calls ({@code junction_cache_store_failures_total}). */
    public void cacheStoreFailures(java.util.function.LongSupplier failures) {
        registry.gauge("junction.cache.store_failures", () -> failures::getAsLong);
    }

    /**
     * Records a finished model request (not the operations endpoints). Every instrument is found
     * through maps keyed by the request's own strings (alias, deployment, key name, outcome), each
     * resolved once and kept; no name or composite key is built per request.
     */
    public void requestFinished(RequestContext rc) {
        if (!enabled) {
            inFlight.decrementAndGet();
            return;
        }
        // One clock reading for every figure of the request (each sample's decay is relative to it):
        // the instant the request ended, which its Server-Timing total and access line share.
        long now = rc.end();
        long elapsed = now - rc.startNanos;
        Route m = route(rc.alias, rc.deployment);
        KeyFigures k = m.key(rc.key == null ? null : rc.key.name());
        AliasFigures alias = m.figures();
        k.requests(rc.provider, rc.status).inc();
        alias.duration.update(elapsed, now);
        if (rc.errorCode != null) {
            alias.errors(k.part, rc.errorCode).inc();
        }
        int hedges = 0;
        List<RequestContext.Attempt> attempts = rc.attempts;
        for (int i = 0, n = attempts.size(); i < n; i++) {
            RequestContext.Attempt a = attempts.get(i);
            Route r = a.deployment() == rc.deployment ? m : route(rc.alias, a.deployment());
            r.attempts(a.outcome()).inc();
            if (a.outcome().endsWith("_hedge")) {
                hedges++;
            }
        }
        if (hedges > 0) {
            alias.hedges.inc(hedges);
        }
        int retries = attempts.size() - hedges - 1;
        if (retries > 0) {
            alias.retries.inc(retries);
        }
        GenAi g = m.genAi(GenAiNames.operation(rc.path), rc);
        g.duration.update(elapsed, now);
        if (rc.ttftNanos >= 0) {
            g.ttft.update(rc.ttftNanos, now);
        }
        if (rc.promptTokens >= 0) {
            m.input.inc(rc.promptTokens);
            m.output.inc(rc.completionTokens);
            g.inputTokens.update(rc.promptTokens, now);
            g.outputTokens.update(rc.completionTokens, now);
        }
        if (rc.costUsd > 0) {
            k.cost().add(rc.costUsd);
            k.spend().add(rc.costUsd);
        }
        // Last: once in-flight reads 0, every finished request's counters are complete.
        inFlight.decrementAndGet();
    }

    /**
     * Records a cost incurred outside a request (a video a task finished) in the cost figures of
     * {@code keyName}, {@code alias} and {@code deployment} and the key's spend.
     */
    public void charged(String keyName, String alias, String deployment, double usd) {
        if (!enabled || usd <= 0) {
            return;
        }
        KeyFigures k = route(alias, deployment).key(keyName);
        k.cost().add(usd);
        k.spend().add(usd);
    }

    /** Whether requests are recorded and {@code /metrics} is served ({@code junction.metrics.enabled}). */
    public boolean enabled() {
        return enabled;
    }

    /** Requests started and not yet recorded by {@link #requestFinished}. */
    public long inFlight() {
        return inFlight.get();
    }

    /**
     * Registers the task engine's counts by state ({@code junction_tasks} and the dashboard); the
     * supplier is read at scrape time and must not block.
     */
    public void tasks(List<String> states, Supplier<Map<String, Long>> counts) {
        this.tasks = counts;
        for (String s : states) {
            registry.gauge("junction.tasks." + part(s), () -> () -> counts.get().getOrDefault(s, 0L));
        }
    }

    // ---- figures for /admin/stats ---------------------------------------------------------------

    /** Requests, errors and whole-request latency per alias since start, for the dashboard. */
    public Map<String, Map<String, Object>> aliasFigures() {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        aliases.forEach((alias, f) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            Snapshot s = f.duration.getSnapshot();
            v.put("requests", f.duration.getCount());
            long errors = 0;
            for (Map<String, Counter> byCode : f.errors.values()) {
                for (Counter c : byCode.values()) {
                    errors += c.getCount();
                }
            }
            v.put("errors", errors);
            v.put("retries", f.retries.getCount());
            v.put("hedges", f.hedges.getCount());
            v.put("p50_ms", f.duration.getCount() == 0 ? null : s.getMedian() / 1e6);
            v.put("p95_ms", f.duration.getCount() == 0 ? null : s.get95thPercentile() / 1e6);
            out.put(alias, v);
        });
        return out;
    }

    /** USD spent per key name since this instance started. */
    public Map<String, Double> spendByKey() {
        Map<String, Double> out = new TreeMap<>();
        spendByKey.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Tasks by state, or null when no task engine registered its counts. */
    public Map<String, Long> taskCounts() {
        Supplier<Map<String, Long>> t = tasks;
        return t == null ? null : t.get();
    }

    // ---- exposition ------------------------------------------------------------------------------

    /** The exposition in the format {@code accept} asks for (Prometheus text when null or unknown). */
    public Scrape scrape(String accept) {
        ExpositionFormatWriter w = formats.findWriter(accept);
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            w.write(out, prometheus.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Scrape(w.getContentType(), out.toByteArray());
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        return scrape(null).body();
    }

    /** One scrape's body and its content type. */
    public record Scrape(String contentType, byte[] body) {
    }

    // ---- per-route metrics -----------------------------------------------------------------------

    private AliasFigures alias(String alias) {
        String a = alias == null ? "none" : alias;
        AliasFigures f = aliases.get(a);
        return f != null ? f : aliases.computeIfAbsent(a, AliasFigures::new);
    }

    /**
     * The route recorded last: a run of requests on one alias and deployment (the common case) finds
     * it by comparing two strings, without hashing the alias (a fresh string per request).
     */
    private volatile Route lastRoute;

    private Route route(String alias, String deployment) {
        Route last = lastRoute;
        if (last != null && java.util.Objects.equals(last.aliasName, alias)
                && java.util.Objects.equals(last.deploymentName, deployment)) {
            return last;
        }
        Route r = lookUpRoute(alias, deployment);
        lastRoute = r;
        return r;
    }

    private Route lookUpRoute(String alias, String deployment) {
        String a = alias == null ? "none" : alias;
        String d = deployment == null ? "none" : deployment;
        Map<String, Route> byDeployment = routes.get(a);
        if (byDeployment == null) {
            byDeployment = routes.computeIfAbsent(a, x -> new ConcurrentHashMap<>());
        }
        Route r = byDeployment.get(d);
        return r != null ? r : byDeployment.computeIfAbsent(d, x -> new Route(alias, deployment));
    }

    /** The counter {@code name}, registered on first use; the event loops add to it without an atomic ({@link LoopCounts}). */
    private Counter loopCounter(String name) {
        return registry.counter(name, LoopCounts.LoopCounter::new);
    }

    /** The spend of key {@code keyName} ({@code none} when the request had no key). */
    private DoubleAdder spend(String keyName) {
        String k = keyName == null ? "none" : keyName;
        DoubleAdder a = spendByKey.get(k);
        return a != null ? a : spendByKey.computeIfAbsent(k, x -> new DoubleAdder());
    }

    /** The per-alias figures behind the dashboard's alias table. */
    private final class AliasFigures {
        final String alias;
        final Sample duration;
        final Counter retries;
        final Counter hedges;
        /** By key (as a name part), then error code. */
        final Map<String, Map<String, Counter>> errors = new ConcurrentHashMap<>();

        AliasFigures(String alias) {
            this.alias = part(alias);
            this.duration = instruments.timer("junction.request.duration." + this.alias);
            this.retries = loopCounter("junction.retries." + this.alias);
            this.hedges = loopCounter("junction.hedges." + this.alias);
        }

        Counter errors(String key, String code) {
            Map<String, Counter> byCode = errors.get(key);
            if (byCode == null) {
                byCode = errors.computeIfAbsent(key, k -> new ConcurrentHashMap<>());
            }
            Counter c = byCode.get(code);
            return c != null ? c : byCode.computeIfAbsent(code,
                    k -> loopCounter("junction.errors." + key + "." + alias + "." + part(code)));
        }
    }

    /** GenAI metrics of one operation on one alias and deployment. */
    private final class GenAi {
        final Sample duration;
        final Sample ttft;
        final Sample inputTokens;
        final Sample outputTokens;

        GenAi(String labels) {
            duration = instruments.timer("gen_ai.client.operation.duration." + labels);
            ttft = instruments.timer("gen_ai.server.time_to_first_token." + labels);
            inputTokens = instruments.histogram("gen_ai.client.token.usage." + labels + ".input");
            outputTokens = instruments.histogram("gen_ai.client.token.usage." + labels + ".output");
        }
    }

    /**
     * The metrics of one alias and deployment, looked up once and kept, so that recording a request
     * costs no name building (a request's metrics are recorded on its event loop).
     */
    private final class Route {
        final String alias;
        final String deployment;
        /** The alias as requests name it (null: none). */
        private final String aliasName;
        /** The deployment as requests name it (null: none). */
        private final String deploymentName;
        /** The figures found last by {@link #key}, {@link #attempts} and {@link #genAi} (a run of one key, outcome, operation). */
        private volatile KeyFigures lastKey;
        private volatile Named<Counter> lastAttempts;
        private volatile Named<GenAi> lastGenAi;
        /** The alias's figures, looked up on the first request recorded here rather than per request. */
        private volatile AliasFigures figures;
        final Counter input;
        final Counter output;
        /** By the key's name ("none" without a key). */
        private final Map<String, KeyFigures> keys = new ConcurrentHashMap<>();
        private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
        private final Map<String, GenAi> genAi = new ConcurrentHashMap<>();
        private final Map<String, DoubleAdder> cost = new ConcurrentHashMap<>();

        Route(String alias, String deployment) {
            this.aliasName = alias;
            this.deploymentName = deployment;
            this.alias = part(alias);
            this.deployment = part(deployment);
            this.input = loopCounter("junction.tokens." + this.alias + "." + this.deployment + ".input");
            this.output = loopCounter("junction.tokens." + this.alias + "." + this.deployment + ".output");
        }

        AliasFigures figures() {
            AliasFigures f = figures;
            if (f == null) {
                f = GatewayMetrics.this.alias(aliasName);
                figures = f;
            }
            return f;
        }

        /** The figures of requests of key {@code keyName} (null: no key) on this route. */
        KeyFigures key(String keyName) {
            KeyFigures last = lastKey;
            if (last != null && java.util.Objects.equals(last.keyName, keyName)) {
                return last;
            }
            String k = keyName == null ? "none" : keyName;
            KeyFigures f = keys.get(k);
            if (f == null) {
                f = keys.computeIfAbsent(k, x -> new KeyFigures(this, keyName));
            }
            lastKey = f;
            return f;
        }

        Counter attempts(String outcome) {
            Named<Counter> last = lastAttempts;
            if (last != null && last.name.equals(outcome)) {
                return last.value;
            }
            Counter c = attempts.get(outcome);
            if (c == null) {
                c = attempts.computeIfAbsent(outcome,
                        k -> loopCounter("junction.attempts." + alias + "." + deployment + "." + part(outcome)));
            }
            lastAttempts = new Named<>(outcome, c);
            return c;
        }

        /** The GenAI metrics of {@code operation}; {@code rc} (served here) names the provider and model. */
        GenAi genAi(String operation, RequestContext rc) {
            Named<GenAi> last = lastGenAi;
            if (last != null && last.name.equals(operation)) {
                return last.value;
            }
            GenAi g = genAi.get(operation);
            if (g == null) {
                g = genAi.computeIfAbsent(operation, k -> new GenAi(k + "."
                        + part(rc.provider == null ? null : GenAiNames.provider(rc.providerType, rc.provider)) + "."
                        + alias + "." + part(rc.upstreamModel)));
            }
            lastGenAi = new Named<>(operation, g);
            return g;
        }

        DoubleAdder cost(String key) {
            DoubleAdder c = cost.get(key);
            if (c == null) {
                c = cost.computeIfAbsent(key, k -> {
                    DoubleAdder adder = new DoubleAdder();
                    registry.gauge("junction.cost." + k + "." + alias + "." + deployment, () -> adder::sum);
                    return adder;
                });
            }
            return c;
        }
    }

    /** A figure and the name it was found under (figures are never removed, so a kept pair stays true). */
    private record Named<T>(String name, T value) {
    }

    /**
     * The figures of one key's requests on one route: the request counters by provider and status
     * (an array, filled as statuses occur), the cost and the key's spend.
     */
    private final class KeyFigures {
        final Route route;
        /** The key's name as a name part ("none" without a key). */
        final String part;
        private final String keyName;
        /** Request counters by provider ("none" when none answered), then status 0-599. */
        private final Map<String, AtomicReferenceArray<Counter>> byProvider = new ConcurrentHashMap<>(2);
        /** Requests with a status outside 0-599 (not an HTTP status; never seen in practice). */
        private final Map<String, Counter> other = new ConcurrentHashMap<>();
        private volatile DoubleAdder cost;
        private volatile DoubleAdder spend;

        KeyFigures(Route route, String keyName) {
            this.route = route;
            this.keyName = keyName;
            this.part = keyName == null ? "none" : part(keyName);
        }

        Counter requests(String provider, int status) {
            if (status < 0 || status >= 600) {
                String id = provider + "\u0000" + status;
                Counter c = other.get(id);
                return c != null ? c : other.computeIfAbsent(id, x -> counter(provider, status));
            }
            String p = provider == null ? "none" : provider;
            AtomicReferenceArray<Counter> counters = byProvider.get(p);
            if (counters == null) {
                counters = byProvider.computeIfAbsent(p, x -> new AtomicReferenceArray<>(600));
            }
            Counter c = counters.get(status);
            if (c == null) {
                // Registering is idempotent (the registry answers the counter already made).
                c = counter(provider, status);
                counters.set(status, c);
            }
            return c;
        }

        private Counter counter(String provider, int status) {
            return loopCounter("junction.requests." + part + "." + route.alias + "." + part(provider) + "." + status);
        }

        DoubleAdder cost() {
            DoubleAdder c = cost;
            if (c == null) {
                c = route.cost(part);
                cost = c;
            }
            return c;
        }

        /** The key's spend (shared by every route of the key). */
        DoubleAdder spend() {
            DoubleAdder c = spend;
            if (c == null) {
                c = GatewayMetrics.this.spend(keyName);
                spend = c;
            }
            return c;
        }
    }

    /** Circuit state and in-flight per deployment, and the reasons retries were not made. */
    private record RoutingCollector(Supplier<RouteTable> table, Supplier<Map<NoRetryReason, Long>> noRetry)
            implements MultiCollector {

        @Override
        public MetricSnapshots collect() {
            GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("junction_circuit_state")
                    .help("Circuit breaker per deployment: 0 closed, 1 half-open, 2 open");
            GaugeSnapshot.Builder inFlight = GaugeSnapshot.builder().name("junction_deployment_in_flight")
                    .help("Attempts in flight per deployment");
            Set<String> seen = new HashSet<>();
            for (var route : table.get().routes().values()) {
                for (Deployment d : route.deployments()) {
                    if (!seen.add(d.id())) {
                        continue;
                    }
                    Labels l = Labels.of("deployment", d.id(), "provider", d.providerName());
                    state.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                            .value(switch (d.breaker().state()) {
                                case CLOSED -> 0;
                                case HALF_OPEN -> 1;
                                case OPEN -> 2;
                            }).build());
                    inFlight.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l)
                            .value(d.stats().inFlight()).build());
                }
            }
            CounterSnapshot.Builder stops = CounterSnapshot.builder().name("junction_no_retry")
                    .help("Failed attempts that were not retried, by reason");
            noRetry.get().forEach((reason, n) -> stops.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("reason", reason.label())).value(n).build()));
            return MetricSnapshots.of(state.build(), inFlight.build(), stops.build());
        }
    }
}

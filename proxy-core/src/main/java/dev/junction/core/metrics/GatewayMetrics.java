package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.junction.core.proxy.RequestContext;
import dev.junction.core.resilience.NoRetryReason;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RouteTable;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.Supplier;

/**
 * Junction's metrics (SPEC §8): requests, errors by code, attempts, time to first token and total
 * latency, tokens in and out, cost, in-flight — labelled by alias, provider and deployment — kept in
 * a Dropwizard registry and exported in Prometheus text format; circuit state and per-deployment
 * in-flight are read from the live routing table at scrape time. A dot inside a label value (an
 * alias such as {@code gpt-4.1}) is written as {@code _}, because the dot separates name parts.
 */
public final class GatewayMetrics {

    private static final List<LabelledCollector.Family> FAMILIES = List.of(
            new LabelledCollector.Family("junction.requests", "junction_requests", "Model requests by final status",
                    List.of("alias", "provider", "status")),
            new LabelledCollector.Family("junction.errors", "junction_errors", "Failed model requests by SPEC error code",
                    List.of("alias", "code")),
            new LabelledCollector.Family("junction.attempts", "junction_attempts", "Upstream attempts by outcome",
                    List.of("alias", "deployment", "outcome")),
            new LabelledCollector.Family("junction.ttft", "junction_time_to_first_token_seconds",
                    "Time from an attempt's start to the vendor's first byte", List.of("alias", "deployment")),
            new LabelledCollector.Family("junction.latency", "junction_request_latency_seconds",
                    "Whole-request latency, retries included", List.of("alias", "deployment")),
            new LabelledCollector.Family("junction.tokens", "junction_tokens", "Tokens accounted",
                    List.of("alias", "deployment", "direction")),
            new LabelledCollector.Family("junction.cost", "junction_cost_usd", "Cost from the catalog's prices",
                    List.of("alias", "deployment"), true),
            new LabelledCollector.Family("junction.inflight", "junction_in_flight", "Model requests in flight", List.of()),
            new LabelledCollector.Family("junction.access_log_dropped", "junction_access_log_dropped",
                    "Access-log lines dropped because the log writer fell behind", List.of(), true));

    private final MetricRegistry registry = new MetricRegistry();
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final AtomicLong inFlight = new AtomicLong();
    private final Map<String, Map<String, Route>> routes = new ConcurrentHashMap<>();

    public GatewayMetrics(Supplier<RouteTable> table, Supplier<Map<NoRetryReason, Long>> noRetry) {
        registry.gauge("junction.inflight", () -> inFlight::get);
        prometheus.register(new LabelledCollector(registry, FAMILIES));
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

    public MetricRegistry registry() {
        return registry;
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Records a finished model request (not the operations endpoints). */
    public void requestFinished(RequestContext rc) {
        Route m = route(rc.alias, rc.deployment);
        m.requests(rc.provider, rc.status).inc();
        if (rc.errorCode != null) {
            registry.counter("junction.errors." + m.alias + "." + part(rc.errorCode)).inc();
        }
        for (RequestContext.Attempt a : rc.attempts) {
            route(rc.alias, a.deployment()).attempts(a.outcome()).inc();
        }
        if (rc.ttftNanos >= 0) {
            m.ttft.update(rc.ttftNanos, TimeUnit.NANOSECONDS);
        }
        m.latency.update(System.nanoTime() - rc.startNanos, TimeUnit.NANOSECONDS);
        if (rc.promptTokens >= 0) {
            m.input.inc(rc.promptTokens);
            m.output.inc(rc.completionTokens);
        }
        if (rc.costUsd > 0) {
            m.cost().add(rc.costUsd);
        }
        // Last: once in-flight reads 0, every finished request's counters are complete.
        inFlight.decrementAndGet();
    }

    /** Requests started and not yet recorded by {@link #requestFinished}. */
    public long inFlight() {
        return inFlight.get();
    }

    private Route route(String alias, String deployment) {
        return routes.computeIfAbsent(alias == null ? "none" : alias, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(deployment == null ? "none" : deployment, k -> new Route(part(alias), part(deployment)));
    }

    /**
     * The metrics of one alias and deployment, looked up once and kept, so that recording a request
     * costs no name building (a request's metrics are recorded on its event loop).
     */
    private final class Route {
        final String alias;
        final String deployment;
        final Timer ttft;
        final Timer latency;
        final Counter input;
        final Counter output;
        private final Map<String, Counter> requests = new ConcurrentHashMap<>();
        private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
        private volatile DoubleAdder cost;

        Route(String alias, String deployment) {
            this.alias = alias;
            this.deployment = deployment;
            this.ttft = registry.timer("junction.ttft." + alias + "." + deployment);
            this.latency = registry.timer("junction.latency." + alias + "." + deployment);
            this.input = registry.counter("junction.tokens." + alias + "." + deployment + ".input");
            this.output = registry.counter("junction.tokens." + alias + "." + deployment + ".output");
        }

        Counter requests(String provider, int status) {
            String key = provider + "." + status;
            Counter c = requests.get(key);
            return c != null ? c : requests.computeIfAbsent(key,
                    k -> registry.counter("junction.requests." + alias + "." + part(provider) + "." + status));
        }

        Counter attempts(String outcome) {
            Counter c = attempts.get(outcome);
            return c != null ? c : attempts.computeIfAbsent(outcome,
                    k -> registry.counter("junction.attempts." + alias + "." + deployment + "." + part(outcome)));
        }

        DoubleAdder cost() {
            DoubleAdder c = cost;
            if (c == null) {
                synchronized (this) {
                    if (cost == null) {
                        DoubleAdder adder = new DoubleAdder();
                        registry.gauge("junction.cost." + alias + "." + deployment, () -> adder::sum);
                        cost = adder;
                    }
                    c = cost;
                }
            }
            return c;
        }
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            writer.write(out, prometheus.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public String contentType() {
        return writer.getContentType();
    }

    private static String part(String s) {
        return s == null ? "none" : s.replace('.', '_');
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

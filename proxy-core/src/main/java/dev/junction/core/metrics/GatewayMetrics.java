package dev.junction.core.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import dev.junction.core.proxy.RequestContext;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Junction's metrics (SPEC §8), kept in a Dropwizard registry and exported in Prometheus text
 * format through the Prometheus Dropwizard bridge. Dropwizard names carry the labels as dotted
 * parts, mapped to Prometheus labels by {@link CustomLabelMapper}; a dot inside a label value
 * (an alias such as {@code gpt-4.1}) is written as {@code _} because the dot separates parts.
 */
public final class GatewayMetrics {

    private final MetricRegistry registry = new MetricRegistry();
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final AtomicLong inFlight = new AtomicLong();

    public GatewayMetrics() {
        registry.gauge("junction.inflight", () -> inFlight::get);
        List<MapperConfig> mappers = List.of(
                new MapperConfig("junction.requests.*.*.*", "junction_requests",
                        Map.of("alias", "${0}", "provider", "${1}", "status", "${2}")),
                new MapperConfig("junction.errors.*.*", "junction_errors", Map.of("alias", "${0}", "code", "${1}")),
                new MapperConfig("junction.attempts.*.*.*", "junction_attempts",
                        Map.of("alias", "${0}", "deployment", "${1}", "outcome", "${2}")),
                new MapperConfig("junction.ttft.*.*", "junction_time_to_first_token",
                        Map.of("alias", "${0}", "deployment", "${1}")),
                new MapperConfig("junction.latency.*.*", "junction_request_latency",
                        Map.of("alias", "${0}", "deployment", "${1}")),
                new MapperConfig("junction.tokens.*.*.*", "junction_tokens",
                        Map.of("alias", "${0}", "deployment", "${1}", "direction", "${2}")));
        DropwizardExports.builder().dropwizardRegistry(registry).customLabelMapper(new CustomLabelMapper(mappers))
                .register(prometheus);
    }

    public MetricRegistry registry() {
        return registry;
    }

    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Records a finished model request (not the operations endpoints). */
    public void requestFinished(RequestContext rc) {
        inFlight.decrementAndGet();
        String alias = part(rc.alias);
        String provider = part(rc.provider);
        String deployment = part(rc.deployment);
        registry.counter("junction.requests." + alias + "." + provider + "." + rc.status).inc();
        if (rc.errorCode != null) {
            registry.counter("junction.errors." + alias + "." + part(rc.errorCode)).inc();
        }
        for (RequestContext.Attempt a : rc.attempts) {
            registry.counter("junction.attempts." + alias + "." + part(a.deployment()) + "." + part(a.outcome())).inc();
        }
        if (rc.ttftNanos >= 0) {
            registry.timer("junction.ttft." + alias + "." + deployment).update(rc.ttftNanos, TimeUnit.NANOSECONDS);
        }
        registry.timer("junction.latency." + alias + "." + deployment)
                .update(System.nanoTime() - rc.startNanos, TimeUnit.NANOSECONDS);
        if (rc.promptTokens >= 0) {
            Counter in = registry.counter("junction.tokens." + alias + "." + deployment + ".input");
            in.inc(rc.promptTokens);
            registry.counter("junction.tokens." + alias + "." + deployment + ".output").inc(rc.completionTokens);
        }
    }

    /** The Prometheus text exposition of every metric. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
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
}

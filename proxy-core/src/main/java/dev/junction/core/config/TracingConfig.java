package dev.junction.core.config;

import java.time.Duration;

/**
 * {@code junction.tracing} (SPEC §8): W3C trace context is always propagated; spans are exported
 * over OTLP/HTTP only when {@code otlpEndpoint} is set.
 *
 * @param otlpEndpoint   the collector's OTLP/HTTP traces URL (e.g. {@code http://collector:4318/v1/traces}), or null
 * @param serviceName    the {@code service.name} resource attribute
 * @param exportInterval how often queued spans are sent
 * @param exportTimeout  how long one export may take before it is abandoned
 * @param maxQueuedSpans spans held while the collector is slow; more are dropped
 */
public record TracingConfig(String otlpEndpoint, String serviceName, Duration exportInterval, Duration exportTimeout,
                            int maxQueuedSpans) {

    /** The values of {@code reference.conf}. */
    public static final TracingConfig DEFAULT = new TracingConfig(null, "junction", Duration.ofSeconds(2),
            Duration.ofSeconds(10), 8192);
}

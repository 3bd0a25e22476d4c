package dev.junction.core.tracing;

import dev.junction.core.config.TracingConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * W3C trace context for every request (SPEC §8), and OTLP span export when
 * {@code junction.tracing.otlp-endpoint} is set.
 *
 * <p>Without an endpoint, a request keeps the client's trace id (or gets a new one), and each
 * vendor call carries a {@code traceparent} naming a fresh span id of that trace, with the
 * client's flags and {@code tracestate} unchanged; nothing is recorded. With an endpoint, the
 * OpenTelemetry SDK records one server span per request and one client span per attempt and hands
 * finished spans to a {@link BatchSpanProcessor}: ending a span on an event loop only offers it to
 * a bounded queue (a full queue drops spans), and export runs on the processor's own thread with a
 * timeout, so a slow or unreachable collector never delays a request.
 */
public final class Tracing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private Tracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get("dev.junction");
    }

    /** Propagation only: no spans are recorded. */
    public static Tracing off() {
        return new Tracing(null);
    }

    public static Tracing of(TracingConfig config) {
        if (config == null || config.otlpEndpoint() == null) {
            return off();
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.otlpEndpoint())
                .setTimeout(config.exportTimeout())
                .build();
        BatchSpanProcessor batch = BatchSpanProcessor.builder(exporter)
                .setScheduleDelay(config.exportInterval())
                .setExporterTimeout(config.exportTimeout())
                .setMaxQueueSize(config.maxQueuedSpans())
                .build();
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName()))))
                // A client's sampling decision is kept; a trace started here is recorded.
                .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
                .addSpanProcessor(batch)
                .build();
        LOG.info("tracing: spans exported over OTLP/HTTP to {} every {} ms", config.otlpEndpoint(),
                config.exportInterval().toMillis());
        return new Tracing(provider);
    }

    public boolean exporting() {
        return tracer != null;
    }

    /**
     * The trace of a request arriving with {@code headers}: the client's trace continued when it
     * sent a valid {@code traceparent}, a new one otherwise. {@code record}: whether the request
     * gets a span when spans are exported (model requests do; health checks and scrapes do not).
     */
    public RequestTrace start(HttpHeaders headers, String operation, boolean record) {
        if (tracer == null || !record) {
            TraceParent parent = TraceParent.parse(headers.get("traceparent"));
            if (parent == null) {
                return new RequestTrace(TraceParent.newTraceId(), "00", null, operation, null, null);
            }
            return new RequestTrace(parent.traceId(), parent.flags(), headers.get("tracestate"), operation, null, null);
        }
        Context parent = W3C.extract(Context.root(), headers, HEADERS);
        Span span = tracer.spanBuilder(operation).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(RequestTrace.OPERATION, operation).startSpan();
        var sc = span.getSpanContext();
        return new RequestTrace(sc.getTraceId(), sc.getTraceFlags().asHex(), null, operation, span, tracer);
    }

    /** Flushes what is queued (bounded wait) and stops the export thread. */
    @Override
    public void close() {
        if (provider != null) {
            provider.shutdown().join(2, TimeUnit.SECONDS);
        }
    }
}

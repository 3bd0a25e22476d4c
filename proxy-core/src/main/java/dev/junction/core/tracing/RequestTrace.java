package dev.junction.core.tracing;

import dev.junction.core.proxy.RequestContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

import java.util.HashMap;
import java.util.Map;

/**
 * One request's place in a trace: its trace id (in the access log), its span, and the attempts'
 * spans whose ids the vendor calls carry in {@code traceparent}. Used on the request's event loop.
 */
public final class RequestTrace {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("junction.request_id");
    static final AttributeKey<String> KEY = AttributeKey.stringKey("junction.key");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("junction.deployment");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("junction.attempts");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("junction.attempt.outcome");
    static final AttributeKey<Boolean> HEDGE = AttributeKey.booleanKey("junction.attempt.hedge");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("junction.cost_usd");

    private final String traceId;
    private final String flags;
    private final String tracestate;
    private final String operation;
    private final Span span;
    private final Tracer tracer;

    /**
     * @param span the request's span when spans are exported, else null: without one the request
     *             needs no span id of its own (only its vendor calls name spans, in
     *             {@code traceparent}), so none is made
     */
    RequestTrace(String traceId, String flags, String tracestate, String operation, Span span, Tracer tracer) {
        this.traceId = traceId;
        this.flags = flags;
        this.tracestate = tracestate;
        this.operation = operation;
        this.span = span;
        this.tracer = tracer;
    }

    public String traceId() {
        return traceId;
    }

    /**
     * Starts an attempt on a deployment; its {@link AttemptTrace#headers()} go on the vendor call.
     *
     * @param providerType the provider's vendor type ({@code openai}, {@code anthropic}, ...)
     * @param model        the vendor's model name of the deployment
     */
    public AttemptTrace attempt(String deployment, String providerType, String providerName, String model, boolean hedge) {
        if (span == null) {
            // Propagation only (no export): the ids, which the upstream client writes as bytes.
            return new AttemptTrace(TraceHeaders.of(traceId, flags, tracestate), null);
        }
        Map<String, String> headers = new HashMap<>(4);
        Span s = tracer.spanBuilder(operation + " " + model).setParent(Context.root().with(span))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, operation)
                .setAttribute(PROVIDER, GenAiNames.provider(providerType, providerName))
                .setAttribute(REQUEST_MODEL, model)
                .setAttribute(DEPLOYMENT, deployment)
                .setAttribute(HEDGE, hedge)
                .startSpan();
        Tracing.W3C.inject(Context.root().with(s), headers, Map::put);
        return new AttemptTrace(headers, s);
    }

    /** Ends the request's span with what the request turned out to be. */
    public void finish(RequestContext rc) {
        if (span == null) {
            return;
        }
        span.updateName(operation + (rc.alias == null ? "" : " " + rc.alias));
        span.setAttribute(REQUEST_ID, rc.requestId);
        span.setAttribute(HTTP_STATUS, (long) rc.status);
        if (rc.key != null) {
            span.setAttribute(KEY, rc.key.name());
        }
        if (rc.alias != null) {
            span.setAttribute(REQUEST_MODEL, rc.alias);
        }
        if (rc.deployment != null) {
            span.setAttribute(DEPLOYMENT, rc.deployment);
            span.setAttribute(PROVIDER, GenAiNames.provider(rc.providerType, rc.provider));
            span.setAttribute(RESPONSE_MODEL, rc.upstreamModel);
        }
        span.setAttribute(ATTEMPTS, (long) rc.attempts.size());
        if (rc.promptTokens >= 0) {
            span.setAttribute(INPUT_TOKENS, rc.promptTokens);
            span.setAttribute(OUTPUT_TOKENS, rc.completionTokens);
        }
        if (rc.costUsd > 0) {
            span.setAttribute(COST, rc.costUsd);
        }
        if (rc.errorCode != null) {
            span.setAttribute(ERROR_TYPE, rc.errorCode);
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}

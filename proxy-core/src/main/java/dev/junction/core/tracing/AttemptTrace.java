package dev.junction.core.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

import java.util.Map;

/** One attempt's span: the trace headers its vendor call carries, and its end. */
public final class AttemptTrace {

    private final Map<String, String> headers;
    private final Span span;

    AttemptTrace(Map<String, String> headers, Span span) {
        this.headers = headers;
        this.span = span;
    }

    /** {@code traceparent} (and {@code tracestate} when the client sent one) for the vendor call. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Ends the attempt's span; {@code outcome} is {@code ok} or why it failed or was abandoned. */
    public void end(String outcome, int status) {
        if (span == null) {
            return;
        }
        span.setAttribute(RequestTrace.OUTCOME, outcome);
        if (status > 0) {
            span.setAttribute(RequestTrace.HTTP_STATUS, (long) status);
        }
        if (!outcome.startsWith("ok")) {
            span.setAttribute(RequestTrace.ERROR_TYPE, outcome);
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}

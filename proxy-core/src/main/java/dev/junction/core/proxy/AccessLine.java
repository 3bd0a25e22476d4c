package dev.junction.core.proxy;

import java.util.List;

/**
 * What one access-log line says (SPEC §8), field by field in the line's order, as
 * {@link AccessLineWriter} renders it. {@code timing} is the request's Server-Timing stages so far;
 * the line closes it with {@code total;dur=} from {@code totalNanos}.
 */
interface AccessLine {

    String id();

    String traceId();

    String method();

    String path();

    String key();

    String alias();

    String deployment();

    int status();

    String error();

    boolean stream();

    boolean hedged();

    double costUsd();

    String noRetry();

    long promptTokens();

    long completionTokens();

    List<RequestContext.Attempt> attempts();

    List<String> warnings();

    CharSequence timing();

    long totalNanos();

    String requestBody();

    String limited();

    int limitRoundTrips();

    String cache();

    /**
     * The line of a finished request read straight from its record while the line is rendered, on
     * the request's thread (one per thread, pointed at each request in turn: no object and no copy
     * of the fields per line).
     */
    final class OfRequest implements AccessLine {
        private RequestContext rc;
        /** The view of the record's timing bytes, re-pointed for each line. */
        private final AccessLineWriter.Plain timing = new AccessLineWriter.Plain(null, 0);

        /** Points this view at {@code rc} (null: at nothing); returns it. */
        OfRequest of(RequestContext rc) {
            this.rc = rc;
            if (rc == null) {
                timing.of(null, 0);
            }
            return this;
        }

        @Override
        public String id() {
            return rc.requestId;
        }

        @Override
        public String traceId() {
            return rc.trace == null ? null : rc.trace.traceId();
        }

        @Override
        public String method() {
            return rc.method;
        }

        @Override
        public String path() {
            return rc.path;
        }

        @Override
        public String key() {
            return rc.key == null ? null : rc.key.name();
        }

        @Override
        public String alias() {
            return rc.alias;
        }

        @Override
        public String deployment() {
            return rc.deployment;
        }

        @Override
        public int status() {
            return rc.status;
        }

        @Override
        public String error() {
            return rc.errorCode;
        }

        @Override
        public boolean stream() {
            return rc.stream;
        }

        @Override
        public boolean hedged() {
            return rc.hedged;
        }

        @Override
        public double costUsd() {
            return rc.costUsd;
        }

        @Override
        public String noRetry() {
            return rc.noRetryReason;
        }

        @Override
        public long promptTokens() {
            return rc.promptTokens;
        }

        @Override
        public long completionTokens() {
            return rc.completionTokens;
        }

        @Override
        public List<RequestContext.Attempt> attempts() {
            return rc.attempts;
        }

        @Override
        public List<String> warnings() {
            return rc.warnings;
        }

        @Override
        public CharSequence timing() {
            return rc.timingView(timing);
        }

        @Override
        public long totalNanos() {
            return rc.end() - rc.startNanos;
        }

        @Override
        public String requestBody() {
            return rc.requestBody;
        }

        @Override
        public String limited() {
            return rc.admission != null && !rc.admission.admitted()
                    ? rc.admission.outcome().name().toLowerCase(java.util.Locale.ROOT) : null;
        }

        @Override
        public int limitRoundTrips() {
            return rc.limitRoundTrips;
        }

        @Override
        public String cache() {
            return rc.cache;
        }
    }
}

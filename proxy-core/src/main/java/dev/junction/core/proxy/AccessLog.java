package dev.junction.core.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;

/**
 * One structured JSON line per request on the {@code access} logger (SPEC §8): id, key name,
 * alias, chosen deployment, attempts with their outcome, status, tokens, cost, what the key's limits
 * decided (and the limit store's round trips) and stage timings. No
 * prompt text and never a key.
 */
public final class AccessLog {

    private static final Logger ACCESS = LoggerFactory.getLogger("access");
    private static final JsonFactory JSON = new JsonFactory();

    public void write(RequestContext rc) {
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        StringWriter w = new StringWriter(256);
        long now = System.nanoTime();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", rc.requestId);
            g.writeStringField("method", rc.method);
            g.writeStringField("path", rc.path);
            g.writeStringField("key", rc.key == null ? null : rc.key.name());
            g.writeStringField("alias", rc.alias);
            g.writeStringField("deployment", rc.deployment);
            g.writeNumberField("status", rc.status);
            if (rc.errorCode != null) {
                g.writeStringField("error", rc.errorCode);
            }
            g.writeBooleanField("stream", rc.stream);
            if (rc.hedged) {
                g.writeBooleanField("hedged", true);
            }
            if (rc.costUsd > 0) {
                g.writeNumberField("cost_usd", rc.costUsd);
            }
            if (rc.admission != null && !rc.admission.admitted()) {
                g.writeStringField("limited", rc.admission.outcome().name().toLowerCase(java.util.Locale.ROOT));
            }
            if (rc.limitRoundTrips > 0) {
                g.writeNumberField("limit_store_round_trips", rc.limitRoundTrips);
            }
            if (rc.noRetryReason != null) {
                g.writeStringField("no_retry", rc.noRetryReason);
            }
            if (rc.promptTokens >= 0) {
                g.writeNumberField("prompt_tokens", rc.promptTokens);
                g.writeNumberField("completion_tokens", rc.completionTokens);
            }
            g.writeArrayFieldStart("attempts");
            for (RequestContext.Attempt a : rc.attempts) {
                g.writeStartObject();
                g.writeStringField("deployment", a.deployment());
                g.writeStringField("outcome", a.outcome());
                g.writeNumberField("status", a.status());
                g.writeNumberField("ms", Math.round(a.millis() * 1000) / 1000.0);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (!rc.warnings.isEmpty()) {
                g.writeArrayFieldStart("warnings");
                for (String s : rc.warnings) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            g.writeStringField("timing", rc.serverTiming(true, now));
            if (rc.requestBody != null) {
                g.writeStringField("request_body", rc.requestBody);
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        ACCESS.info(w.toString());
    }
}

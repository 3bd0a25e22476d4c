package dev.junction.core.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Logger access = (Logger) LoggerFactory.getLogger("access");
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    @BeforeEach
    void attach() {
        appender.start();
        access.addAppender(appender);
    }

    @AfterEach
    void detach() {
        access.detachAppender(appender);
    }

    private static RequestContext request(int i) {
        RequestContext rc = new RequestContext("req-" + i, System.nanoTime(), "POST", "/v1/chat/completions");
        rc.alias = "gpt-4o-mini";
        rc.deployment = "sim/gpt-4o-mini";
        rc.status = 200;
        rc.stream = i % 2 == 0;
        rc.promptTokens = 10 + i;
        rc.completionTokens = 20;
        rc.attempts.add(new RequestContext.Attempt("sim/gpt-4o-mini", "sim", "ok", 200, 1.5));
        rc.stage("route", System.nanoTime());
        return rc;
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (ILoggingEvent e : appender.list) {
            for (String line : e.getFormattedMessage().split("\n")) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    @Test
    void everyRequestBecomesOneJsonLineInOrder() throws Exception {
        AccessLog log = new AccessLog();
        for (int i = 0; i < 500; i++) {
            log.write(request(i));
        }
        log.close();
        List<JsonNode> lines = lines();
        assertEquals(500, lines.size());
        for (int i = 0; i < 500; i++) {
            JsonNode n = lines.get(i);
            assertEquals("req-" + i, n.get("id").asText());
            assertEquals("gpt-4o-mini", n.get("alias").asText());
            assertEquals(200, n.get("status").asInt());
            assertEquals(i % 2 == 0, n.get("stream").asBoolean());
            assertEquals(10 + i, n.get("prompt_tokens").asLong());
            assertEquals("ok", n.get("attempts").get(0).get("outcome").asText());
            assertTrue(n.get("timing").asText().startsWith("route;dur="), n.toString());
            assertTrue(n.get("timing").asText().contains("total;dur="), n.toString());
        }
        assertEquals(0, log.dropped());
        // Batched: far fewer logger events than lines (the writer drains what gathered).
        assertTrue(appender.list.size() < 500, "events: " + appender.list.size());
    }

    @Test
    void fullBlocksDropAndCountInsteadOfWaiting() throws Exception {
        // Blocks of 1 KiB, two of them, and a writer that has not started: the lines that fit are
        // kept, the rest dropped and counted; once the writer runs, the kept ones come out in order.
        AccessLog log = new AccessLog(1024, 2, false);
        int fit = 0;
        int i = 0;
        while (log.dropped() < 3) {
            log.write(request(i++));
            if (log.dropped() == 0) {
                fit++;
            }
        }
        assertTrue(fit >= 4, "lines that fit: " + fit);
        log.start();
        log.close();
        List<JsonNode> lines = lines();
        assertEquals(fit, lines.size());
        for (int k = 0; k < fit; k++) {
            assertEquals("req-" + k, lines.get(k).get("id").asText());
        }
    }

    /** The line written from a request's record carries each of the record's fields under its own name. */
    @Test
    void everyFieldOfTheRecordReachesItsMember() throws Exception {
        AccessLog log = new AccessLog(AccessLog.BLOCK_BYTES, AccessLog.MAX_BLOCKS, false);
        RequestContext rc = new RequestContext("req-f", System.nanoTime() - 3_000_000, "PUT", "/v1/x?y=1");
        rc.key = new dev.junction.core.config.KeyConfig("team-k", "sk-team-k-0123456789", List.of("*"), null, null, null, false);
        rc.alias = "al";
        rc.deployment = "dep";
        rc.status = 502;
        rc.errorCode = "upstream_error";
        rc.stream = true;
        rc.hedged = true;
        rc.cache = "miss";
        rc.costUsd = 0.25;
        rc.limitRoundTrips = 2;
        rc.noRetryReason = "budget";
        rc.promptTokens = 7;
        rc.completionTokens = 9;
        rc.attempts.add(new RequestContext.Attempt("dep", "p", "upstream_error", 502, 2.5));
        rc.warnings.add("w1");
        rc.requestBody = "{\"b\":1}";
        rc.stage("auth", rc.startNanos + 1_000_000);
        long total = rc.end() - rc.startNanos;
        log.write(rc);
        log.start();
        log.close();
        JsonNode n = lines().get(0);
        assertEquals("req-f", n.get("id").asText());
        assertTrue(n.get("trace_id") == null, n.toString());
        assertEquals("PUT", n.get("method").asText());
        assertEquals("/v1/x?y=1", n.get("path").asText());
        assertEquals("team-k", n.get("key").asText());
        assertEquals("al", n.get("alias").asText());
        assertEquals("dep", n.get("deployment").asText());
        assertEquals(502, n.get("status").asInt());
        assertEquals("upstream_error", n.get("error").asText());
        assertTrue(n.get("stream").asBoolean() && n.get("hedged").asBoolean(), n.toString());
        assertEquals("miss", n.get("cache").asText());
        assertEquals(0.25, n.get("cost_usd").asDouble());
        assertEquals(2, n.get("limit_store_round_trips").asInt());
        assertEquals("budget", n.get("no_retry").asText());
        assertEquals(7, n.get("prompt_tokens").asLong());
        assertEquals(9, n.get("completion_tokens").asLong());
        assertEquals(2.5, n.get("attempts").get(0).get("ms").asDouble());
        assertEquals("w1", n.get("warnings").get(0).asText());
        long us = (total + 500) / 1000;
        assertEquals("auth;dur=1.000, total;dur=" + us / 1000 + "." + String.format("%03d", us % 1000), n.get("timing").asText());
        assertEquals("{\"b\":1}", n.get("request_body").asText());
    }

    @Test
    void theLineIsASnapshotOfTheRequestWhenItEnded() throws Exception {
        AccessLog log = new AccessLog(AccessLog.BLOCK_BYTES, AccessLog.MAX_BLOCKS, false);
        RequestContext rc = request(1);
        log.write(rc);
        rc.attempts.add(new RequestContext.Attempt("late", "late", "late", 0, 0));
        rc.status = 499;
        log.start();
        log.close();
        JsonNode n = lines().get(0);
        assertEquals(200, n.get("status").asInt());
        assertEquals(1, n.get("attempts").size());
        assertTrue(n.get("key").isNull(), n.toString());
    }
}

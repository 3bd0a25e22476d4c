package dev.junction.core.proxy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The access log's work per line, for typical entries (a served pass-through chat request with one
 * attempt) and a logback appender writing to a discarding stream. Shipped: the event loop renders
 * each line and adds it to its blocks, which the writer thread hands to {@link AccessLogAppender}
 * as they are ({@code loopLineIntoBlock}: the entry of the request, rendered by
 * {@link AccessLineWriter}, appended to a block). Before that, the loop rendered each line into an
 * array of its own ({@code loopLine}) and the writer thread copied a batch of {@value #BATCH} such
 * lines into one buffer ({@code batchOfRenderedLines}); before that, the loop took the
 * entry alone ({@code snapshot}) and the writer thread rendered the batch ({@code handWritten});
 * {@code jacksonPattern} is the path before that (one Jackson generator for the batch into a
 * {@link StringWriter}, the message through an output-stream appender with the {@code %msg%n}
 * pattern layout and its charset encoding, as logback's console appender does). In this package
 * because the entry and the writer are package-private. Run with
 * {@code java -jar benchmarks/target/benchmarks.jar AccessLogBenchmark -prof gc}; one operation is
 * one line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AccessLogBenchmark {

    static final int BATCH = 256;
    private static final JsonFactory JSON = new JsonFactory();

    private final List<AccessLog.Entry> entries = new ArrayList<>(BATCH);
    /** The same entries with the timing string closed on the event loop, as the replaced path had them. */
    private final List<AccessLog.Entry> closed = new ArrayList<>(BATCH);
    private final AccessLineWriter writer = new AccessLineWriter();
    /** The entries' lines as the event loops render them. */
    private final List<byte[]> rendered = new ArrayList<>(BATCH);
    private final StringWriter chars = new StringWriter(64 * 1024);
    private Logger shipped;
    private Logger pattern;
    private RequestContext served;
    private AccessLog log;

    @Setup(Level.Trial)
    public void setUp() {
        LoggerContext ctx = new LoggerContext();
        OutputStream discard = OutputStream.nullOutputStream();
        AccessLogAppender appender = new AccessLogAppender();
        appender.setContext(ctx);
        appender.setOutputStream(discard);
        appender.start();
        shipped = logger(ctx, "shipped", appender);
        PatternLayoutEncoder layout = new PatternLayoutEncoder();
        layout.setContext(ctx);
        layout.setPattern("%msg%n");
        layout.start();
        OutputStreamAppender<ILoggingEvent> console = new OutputStreamAppender<>();
        console.setContext(ctx);
        console.setEncoder(layout);
        console.setOutputStream(discard);
        console.start();
        pattern = logger(ctx, "pattern", console);
        // The shipped path's logger: the access log's own, given only a discarding shipped appender.
        Logger access = (Logger) org.slf4j.LoggerFactory.getLogger("access");
        AccessLogAppender discarding = new AccessLogAppender();
        discarding.setContext(access.getLoggerContext());
        discarding.setOutputStream(discard);
        discarding.start();
        access.detachAndStopAllAppenders();
        access.setAdditive(false);
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        access.addAppender(discarding);
        log = new AccessLog();
        for (int i = 0; i < BATCH; i++) {
            RequestContext rc = new RequestContext("req_01JD9Q3Z7X" + (100000 + i), System.nanoTime() - 1_200_000, "POST",
                    "/v1/chat/completions");
            rc.alias = "gpt-4o-mini";
            rc.deployment = "sim/gpt-4o-mini";
            rc.status = 200;
            rc.promptTokens = 24;
            rc.completionTokens = 12;
            rc.costUsd = 0.0000108;
            rc.attempts.add(new RequestContext.Attempt("sim/gpt-4o-mini", "sim", "ok", 200, 1.0424));
            rc.stage("auth", rc.startNanos + 21_000);
            rc.stage("route", rc.startNanos + 40_000);
            rc.duration("upstream", 1_100_000);
            entries.add(new AccessLog.Entry(rc.requestId, "4bf92f3577b34da6a3ce929d0e0e4736", rc.method, rc.path, "team-a",
                    rc.alias, rc.deployment, rc.status, null, false, false, rc.costUsd, null, rc.promptTokens,
                    rc.completionTokens, List.copyOf(rc.attempts), List.of(), rc.timing(), 1_234_567,
                    null, null, 0, null));
            AccessLog.Entry e = entries.get(i);
            closed.add(new AccessLog.Entry(e.id(), e.traceId(), e.method(), e.path(), e.key(), e.alias(), e.deployment(),
                    e.status(), e.error(), e.stream(), e.hedged(), e.costUsd(), e.noRetry(), e.promptTokens(),
                    e.completionTokens(), e.attempts(), e.warnings(), e.timing() + ", total;dur=1.235", 0,
                    e.requestBody(), e.limited(), e.limitRoundTrips(), e.cache()));
            served = rc;
            rendered.add(AccessLog.line(e));
        }
    }

    private static Logger logger(LoggerContext ctx, String name, ch.qos.logback.core.Appender<ILoggingEvent> a) {
        Logger l = ctx.getLogger(name);
        l.setAdditive(false);
        l.setLevel(ch.qos.logback.classic.Level.INFO);
        l.addAppender(a);
        return l;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int handWritten() {
        writer.reset();
        for (AccessLog.Entry e : entries) {
            writer.line(e);
        }
        AccessLog.Lines lines = new AccessLog.Lines(writer.copy());
        shipped.info("{}", lines);
        return lines.utf8().length;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int jacksonPattern() throws IOException {
        chars.getBuffer().setLength(0);
        try (JsonGenerator g = JSON.createGenerator(chars)) {
            g.setRootValueSeparator(null);
            boolean first = true;
            for (AccessLog.Entry e : closed) {
                if (!first) {
                    g.writeRaw('\n');
                }
                first = false;
                jackson(e, g);
            }
        }
        String message = chars.toString();
        pattern.info(message);
        return message.length();
    }

    /** The event loop's part of a finished request's line before the blocks: the entry, rendered into an array of its own. */
    @Benchmark
    public byte[] loopLine() {
        return AccessLog.line(AccessLog.entry(served));
    }

    /**
     * The event loop's part of a finished request's line as shipped: the entry, rendered and added to
     * the access log's blocks (a running writer takes them to a discarding appender). JMH's thread
     * is not an event loop, so it goes through the shared blocks' lock (uncontended); per line it
     * allocates what the loop does.
     */
    @Benchmark
    public void loopLineIntoBlock() {
        log.offer(AccessLog.entry(served));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        log.close();
        if (log.dropped() > 0) {
            System.out.println("loopLineIntoBlock: " + log.dropped() + " lines dropped (the writer fell behind)");
        }
    }

    /** The writer thread's part per line before the blocks: the rendered line copied into the batch and the batch to the appender. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchOfRenderedLines() {
        writer.reset();
        for (byte[] line : rendered) {
            writer.append(line);
        }
        AccessLog.Lines lines = new AccessLog.Lines(writer.copy());
        shipped.info("{}", lines);
        return lines.utf8().length;
    }

    /** The event loop's snapshot of a finished request, as it was taken when the writer thread rendered the lines. */
    @Benchmark
    public AccessLog.Entry snapshot() {
        RequestContext rc = served;
        return new AccessLog.Entry(rc.requestId, null, rc.method, rc.path, null, rc.alias, rc.deployment, rc.status,
                rc.errorCode, rc.stream, rc.hedged, rc.costUsd, rc.noRetryReason, rc.promptTokens, rc.completionTokens,
                List.copyOf(rc.attempts), rc.warnings.isEmpty() ? List.of() : List.copyOf(rc.warnings),
                rc.timing(), System.nanoTime() - rc.startNanos, rc.requestBody, null, rc.limitRoundTrips,
                rc.cache);
    }

    /** The snapshot as it was taken before: the timing string closed with its total on the event loop. */
    @Benchmark
    public AccessLog.Entry snapshotWithTotal() {
        RequestContext rc = served;
        return new AccessLog.Entry(rc.requestId, null, rc.method, rc.path, null, rc.alias, rc.deployment, rc.status,
                rc.errorCode, rc.stream, rc.hedged, rc.costUsd, rc.noRetryReason, rc.promptTokens, rc.completionTokens,
                List.copyOf(rc.attempts), rc.warnings.isEmpty() ? List.of() : List.copyOf(rc.warnings),
                rc.serverTiming(true, System.nanoTime()).toString(), 0, rc.requestBody, null, rc.limitRoundTrips, rc.cache);
    }

    /** The generator calls of the replaced renderer (its timing string already closed with the total). */
    private static void jackson(AccessLog.Entry e, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", e.id());
        if (e.traceId() != null) {
            g.writeStringField("trace_id", e.traceId());
        }
        g.writeStringField("method", e.method());
        g.writeStringField("path", e.path());
        g.writeStringField("key", e.key());
        g.writeStringField("alias", e.alias());
        g.writeStringField("deployment", e.deployment());
        g.writeNumberField("status", e.status());
        if (e.error() != null) {
            g.writeStringField("error", e.error());
        }
        g.writeBooleanField("stream", e.stream());
        if (e.hedged()) {
            g.writeBooleanField("hedged", true);
        }
        if (e.cache() != null) {
            g.writeStringField("cache", e.cache());
        }
        if (e.costUsd() > 0) {
            g.writeNumberField("cost_usd", e.costUsd());
        }
        if (e.limited() != null) {
            g.writeStringField("limited", e.limited());
        }
        if (e.limitRoundTrips() > 0) {
            g.writeNumberField("limit_store_round_trips", e.limitRoundTrips());
        }
        if (e.noRetry() != null) {
            g.writeStringField("no_retry", e.noRetry());
        }
        if (e.promptTokens() >= 0) {
            g.writeNumberField("prompt_tokens", e.promptTokens());
            g.writeNumberField("completion_tokens", e.completionTokens());
        }
        g.writeArrayFieldStart("attempts");
        for (RequestContext.Attempt a : e.attempts()) {
            g.writeStartObject();
            g.writeStringField("deployment", a.deployment());
            g.writeStringField("outcome", a.outcome());
            g.writeNumberField("status", a.status());
            g.writeNumberField("ms", Math.round(a.millis() * 1000) / 1000.0);
            g.writeEndObject();
        }
        g.writeEndArray();
        if (!e.warnings().isEmpty()) {
            g.writeArrayFieldStart("warnings");
            for (String s : e.warnings()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        g.writeStringField("timing", e.timing().toString());
        if (e.requestBody() != null) {
            g.writeStringField("request_body", e.requestBody());
        }
        g.writeEndObject();
    }
}

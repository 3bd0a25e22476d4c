package dev.junction.core.proxy;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.EncodedStream;
import dev.junction.core.http.HeadWriter;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.resilience.Deadline;
import dev.junction.core.resilience.HedgePolicy;
import dev.junction.core.resilience.RetryDecision;
import dev.junction.core.resilience.RetryPolicy;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseFrames;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drives one proxied request (chat or embeddings) through its attempts on the client's event
 * loop (SPEC §5, §7): each attempt's vendor request is built from the untouched original; a stream
 * is held back until its first content (the commit point), so a failure before it is retried or
 * failed over invisibly and a failure after it is reported in-band; a slow first attempt may be
 * hedged by a second on another deployment, the first to produce content winning and the other
 * being cancelled at once; keep-alive comments are written while a stream waits. Owns the
 * client's body until the request ends. Confined to one event loop: no locking.
 */
public final class ChatExchange {

    /** Largest error body read from a vendor; more is dropped (it is only used for the message). */
    static final int MAX_ERROR_BODY = 256 * 1024;
    private static final com.fasterxml.jackson.databind.ObjectMapper REPLAYED = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Largest unary answer accepted from a vendor. */
    static final int MAX_UNARY_BODY = 64 * 1024 * 1024;

    private final ChannelHandlerContext ctx;
    private final Channel client;
    private final RequestContext rc;
    private final ExchangeProtocol protocol;
    private final List<Route> candidates;
    private final UpstreamClient upstream;
    private final ByteBuf clientBody;
    private final boolean keepAlive;
    private final Consumer<RequestContext> onDone;
    private final RetryPolicy retry;
    private final Deadline deadline;
    private final HedgePolicy hedge;
    private final long keepaliveNanos;

    private final List<Attempt> live = new ArrayList<>(2);
    private int attempts;
    private int candidateIndex;
    private int retriesOfSame;
    private int hedgesStarted;
    private Attempt winner;
    private boolean headSent;
    /** The stream's head went out in wire form: so do its chunks and its end ({@link EncodedStream}). */
    private boolean wireStream;
    private boolean finished;
    /** Stream frames not yet written to the client, and whether a flush of them is scheduled. */
    private ByteBuf batch;
    private boolean flushScheduled;
    /** The batch while lent ({@link #lendBatch}), and its length when it was lent. */
    private ByteBuf lent;
    private int lentMark;
    private long lastWriteNanos;
    private ScheduledFuture<?> retryTimer;
    private ScheduledFuture<?> deadlineTimer;
    private ScheduledFuture<?> hedgeTimer;
    private ScheduledFuture<?> keepaliveTimer;
    /** The answer being recorded for the response cache (a miss that stores), or null. */
    private dev.junction.core.cache.CacheRecording recording;
    /** The usage of the served attempt, for the recording. */
    private Usage servedUsage;
    /** A cache hit being replayed: what served the answer originally (x-junction-provider / -model). */
    private dev.junction.core.cache.CacheEntry replayed;

    /**
     * @param hedge     the alias's hedge policy, or null
     * @param keepalive interval of {@code : keepalive} comments on a waiting stream, or null for none
     */
    public ChatExchange(ChannelHandlerContext ctx, RequestContext rc, ExchangeProtocol protocol, List<Route> candidates,
                        UpstreamClient upstream, ByteBuf clientBody, boolean keepAlive, RetryPolicy retry, Deadline deadline,
                        HedgePolicy hedge, Duration keepalive, Consumer<RequestContext> onDone) {
        this.ctx = ctx;
        this.client = ctx.channel();
        this.rc = rc;
        this.protocol = protocol;
        this.candidates = candidates;
        this.upstream = upstream;
        this.clientBody = clientBody;
        this.keepAlive = keepAlive;
        this.retry = retry;
        this.deadline = deadline;
        this.hedge = hedge;
        this.keepaliveNanos = keepalive == null || keepalive.isZero() ? 0 : keepalive.toNanos();
        this.onDone = onDone;
        rc.stream = protocol.stream();
    }

    /** The request is refused before any attempt (e.g. by the key's limits): answers {@code error}. */
    public void reject(GatewayError error) {
        if (!finished) {
            finishWithError(error);
        }
    }

    /** Records the answer for the response cache as it is sent (a miss whose answer may be stored). */
    public void record(dev.junction.core.cache.CacheRecording r) {
        this.recording = r;
    }

    /**
     * Answers from the response cache instead of starting attempts (docs/cache.md): the entry in the
     * form the client asked for, as JSON or as a stream, with a fresh id and creation time. Nothing
     * is sent to a vendor, so nothing is consumed there: the request's tokens and cost are 0.
     */
    public void replay(dev.junction.core.cache.CacheEntry entry, dev.junction.core.cache.ReplayShape shape,
                       boolean includeUsage) {
        if (finished) {
            return;
        }
        replayed = entry;
        rc.cache = "hit";
        rc.promptTokens = 0;
        rc.completionTokens = 0;
        rc.costUsd = 0;
        String answerId = protocol.answerId();
        var r = new dev.junction.core.cache.ReplayShape.Replay(answerId != null ? answerId : rc.requestId,
                System.currentTimeMillis() / 1000, includeUsage);
        if (protocol.keepsReplayedAnswers()) {
            // Kept before it is sent, as a fresh answer is, so the client can read it back at once.
            ByteBuf unary = shape.unary(entry, r, client.alloc());
            try {
                protocol.keepReplayed(REPLAYED.readTree((java.io.InputStream) new io.netty.buffer.ByteBufInputStream(unary)));
            } catch (java.io.IOException e) {
                org.slf4j.LoggerFactory.getLogger(ChatExchange.class).warn("request {}: a cached answer could not be"
                        + " kept: {}", rc.requestId, e.toString());
            } finally {
                unary.release();
            }
        }
        if (protocol.stream()) {
            List<ByteBuf> out = new ArrayList<>(32);
            shape.stream(entry, r, client.alloc(), out);
            write(out, true);
        } else {
            finishOk(shape.unary(entry, r, client.alloc()));
        }
    }

    public void start() {
        if (!deadline.isUnbounded()) {
            deadlineTimer = client.eventLoop().schedule(this::deadlineExpired,
                    Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
        }
        if (protocol.stream() && keepaliveNanos > 0) {
            lastWriteNanos = System.nanoTime(); // read only by the keepalive ticks
            keepaliveTimer = client.eventLoop().schedule(this::keepaliveTick, keepaliveNanos, TimeUnit.NANOSECONDS);
        }
        if (hedge != null) {
            hedge.onRequest();
        }
        launch(false);
    }

    // ---- attempts -------------------------------------------------------------------------------

    /**
     * Starts an attempt on {@code candidates[candidateIndex]}, the primary one or a hedge, once the
     * request is ready for that deployment (remote media fetched where its vendor cannot fetch it).
     */
    private void launch(boolean isHedge) {
        if (finished) {
            return;
        }
        Future<?> ready = protocol.prepare(candidates.get(candidateIndex), client.eventLoop());
        if (ready.isDone()) {
            launchPrepared(isHedge, ready);
        } else {
            ready.addListener(f -> launchPrepared(isHedge, ready));
        }
    }

    private void launchPrepared(boolean isHedge, Future<?> ready) {
        if (finished) {
            return;
        }
        if (!ready.isSuccess()) {
            if (live.isEmpty()) {
                finishWithError(ready.cause() instanceof TranslationException t ? t.error()
                        : GatewayError.internal("Preparing the request failed: " + ready.cause()));
            }
            return;
        }
        Route route = candidates.get(candidateIndex);
        boolean permit = route.deployment().breaker().tryAcquire();
        if (!permit && candidateIndex + 1 < candidates.size()) {
            // The circuit closed to probes since routing; the next candidate takes this attempt.
            candidateIndex++;
            launch(isHedge);
            return;
        }
        // The last candidate is tried even without a permit (better than failing without trying),
        // but then reports nothing to its breaker: it holds no probe slot to give back.
        // prepare() opened this route's translator already (a failure there ended the launch).
        Translator translator = protocol.translator(route);
        Attempt a = new Attempt(this, route, translator, isHedge, permit);
        if (rc.trace != null) {
            a.trace = rc.trace.attempt(route.id(), route.provider().type(), route.provider().name(), route.model(), isHedge);
        }
        route.deployment().stats().headroom().sent(route.deployment().provider().rpm(), route.deployment().provider().tpm(),
                rc.tokenEstimate);
        attempts++;
        Warnings warnings = new Warnings();
        // SPEC §3: n > 1 on a vendor without n is fanned out into k calls run as ONE attempt
        // (FanOutCall): all k requests are built before any is sent, so a rejection sends nothing.
        List<UpstreamRequest> reqs = new ArrayList<>(1);
        try {
            int k = translator.calls();
            for (int i = 0; i < k; i++) {
                reqs.add(translator.request(client.alloc(), i == 0 ? warnings : new Warnings()));
            }
        } catch (TranslationException e) {
            for (UpstreamRequest r : reqs) {
                r.body().release();
            }
            a.start = System.nanoTime();
            a.abort("rejected");
            if (live.isEmpty()) {
                finishWithError(e.error());
            }
            return;
        }
        // One clock read: the request is built (the end of the translate stage) and the attempt's
        // vendor request is ready to leave (where its connect, ttfb and duration count from).
        long built = System.nanoTime();
        a.start = built;
        if (attempts == 1) {
            rc.stage("translate", built);
        }
        if (!warnings.isEmpty()) {
            for (String w : warnings.list()) {
                // A retry or hedge builds the request again and meets the same warnings: say each once.
                if (!rc.warnings.contains(w)) {
                    rc.warnings.add(w);
                }
            }
        }
        live.add(a);
        if (reqs.size() > 1) {
            FanOutCall.start(a, upstream, client.eventLoop(), reqs, protocol.stream());
            return; // a fanned-out request is not hedged: a hedge would double k calls to win one
        }
        a.call = upstream.start(client.eventLoop(), route.provider().name(), route.origin(),
                route.provider().maxConnections(), route.timeouts(), reqs.get(0), a.traceHeaders(), a);
        if (!isHedge) {
            scheduleHedge(route);
        }
    }

    /** SPEC §7: hedge when the deployment has not answered by its recent p95 (or the fixed delay). */
    private void scheduleHedge(Route primary) {
        if (hedge == null || hedgesStarted >= hedge.maxExtra() || candidateIndex + 1 >= candidates.size()) {
            return;
        }
        long delay = hedge.delayNanos(primary.deployment().stats().p95TtftNanos());
        if (delay == HedgePolicy.NO_HEDGE || (!deadline.isUnbounded() && !deadline.allows(delay))) {
            return;
        }
        hedgeTimer = client.eventLoop().schedule(this::hedgeNow, delay, TimeUnit.NANOSECONDS);
    }

    private void hedgeNow() {
        hedgeTimer = null;
        if (finished || winner != null || live.isEmpty() || candidateIndex + 1 >= candidates.size()) {
            return;
        }
        for (Attempt a : live) {
            if (a.state() != Attempt.State.WAITING) {
                return; // a first byte arrived: no hedge
            }
        }
        if (!hedge.tryStartHedge(hedgesStarted)) {
            return;
        }
        hedgesStarted++;
        rc.hedged = true;
        candidateIndex++;
        Route last = candidates.get(candidateIndex);
        launch(true);
        scheduleHedge(last);
    }

    /**
     * An attempt failed before anything of it reached the client (it has ended itself): what that
     * means for the request — wait for another running attempt, retry, fail over, or answer the error.
     */
    void attemptFailed(Attempt a, GatewayError error) {
        if (!live.isEmpty()) {
            return; // a hedge (or the primary) is still running: it may yet answer
        }
        cancelHedgeTimer();
        boolean replayable = winner == null && client.isActive();
        RetryDecision d = retry.decide(attempts, retriesOfSame, error, replayable,
                candidateIndex + 1 < candidates.size(), deadline);
        switch (d.action()) {
            case FAILOVER -> {
                candidateIndex++;
                retriesOfSame = 0;
                launch(false);
            }
            case RETRY_SAME -> {
                retriesOfSame++;
                retryTimer = client.eventLoop().schedule(() -> launch(false), d.delayNanos(), TimeUnit.NANOSECONDS);
            }
            default -> {
                rc.noRetryReason = d.reason() == null ? null : d.reason().name().toLowerCase(Locale.ROOT);
                finishWithError(error);
            }
        }
    }

    /** {@code a} produced content or the answer: every other attempt is aborted at once (SPEC §7 hedging). */
    void win(Attempt a) {
        winner = a;
        cancelHedgeTimer();
        if (live.size() > 1 || (live.size() == 1 && live.get(0) != a)) {
            // A copy: each abort takes its attempt off the list (ended). Most requests have one attempt.
            for (Attempt other : new ArrayList<>(live)) {
                if (other != a) {
                    other.abort("hedge_lost");
                }
            }
        }
        rc.provider = a.route.provider().name();
        rc.providerType = a.route.provider().type();
        rc.deployment = a.route.id();
        rc.upstreamModel = a.route.model();
        if (a.connectedAt > 0) {
            rc.duration("connect", a.connectedAt - a.start);
        }
        if (a.headAt > 0) {
            rc.duration("ttfb", a.headAt - a.start);
            rc.ttftNanos = a.headAt - a.start;
        }
    }

    /**
     * The winning stream failed after content reached the client: {@code frames} end it with the
     * in-band error of SPEC §5, {@code inBand}, as the stream processor judged it.
     */
    void endInBand(GatewayError inBand, List<ByteBuf> frames) {
        dropRecording(); // a cut stream is never cached
        rc.errorCode = inBand.code();
        write(frames, true);
    }

    // ---- client side ----------------------------------------------------------------------------

    /**
     * Sends the stream's 200 head (once): at the first content, or at the first keep-alive. In wire
     * form ({@link EncodedStream}) when every header value allows, else through the header map.
     */
    private void sendHead() {
        if (headSent) {
            return;
        }
        headSent = true;
        rc.status = 200;
        EncodedStream.Builder b = EncodedStream.okEventStream(client.alloc(), keepAlive);
        decorate(b, false);
        EncodedStream.Head wire = b.build();
        if (wire != null) {
            wireStream = true;
            client.write(wire);
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders h = head.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        decorate(h, false);
        HttpUtil.setKeepAlive(head, keepAlive);
        rc.status = 200;
        client.write(head);
    }

    /**
     * Sends stream frames (taking ownership of them). Frames are not written one by one: they are
     * copied into one batch, and the batch goes out as one HTTP chunk with one flush when the event
     * loop has finished its current round of I/O ({@link #flushBatch}). An upstream read that
     * carried twenty events thus costs the client one chunk and one socket write, as a reverse proxy
     * forwards whatever one read gave it; the frames' bytes and order are unchanged. The first
     * write of a stream (its head and first content) waits for that round too: an upstream that
     * sends the whole stream in one burst costs the client one socket write in all, and a paced
     * stream's first event leaves as soon as the read that carried it has been handled.
     */
    void write(List<ByteBuf> frames, boolean end) {
        boolean first = !headSent;
        sendHead();
        rc.streamFrames += frames.size();
        for (int i = 0, n = frames.size(); i < n; i++) {
            ByteBuf f = frames.get(i);
            if (f == lent) {
                // The batch, back with more frames after its earlier bytes: only those are new.
                lent = null;
                rc.streamFrames--;
                if (recording != null) {
                    recording.frame(f.slice(lentMark, f.writerIndex() - lentMark));
                }
                batch = f; // nothing wrote to the exchange while it was lent, so there is no other batch
                continue;
            } else if (recording != null) {
                recording.frame(f);
            }
            append(f);
        }
        frames.clear();
        if (end) {
            finished = true;
            cancelTimers();
            if (recording != null) {
                // Only a stream that ended well gets here with its recording: every failure drops it first.
                recording.complete(rc.provider, rc.upstreamModel, servedUsage);
                recording = null;
            }
            Object last;
            if (wireStream) {
                last = EncodedStream.last(batch, client.alloc()); // the last frames and the terminal chunk, one buffer
                batch = null;
            } else {
                writeBatch();
                releaseBatch(); // an empty one
                last = LastHttpContent.EMPTY_LAST_CONTENT;
            }
            writeLastAndEnd(last);
        } else if (!flushScheduled && (first || batch != null && batch.isReadable())) {
            flushScheduled = true;
            try {
                client.eventLoop().execute(this::flushBatch);
            } catch (RejectedExecutionException e) {
                flushBatch(); // the loop is shutting down: write now rather than hold the frames
            }
        }
    }

    /**
     * The batch of frames not yet sent, lent so that the stream processor writes the next frames
     * straight after its bytes ({@code StreamProcessor.feed(.., into)}) rather than into a buffer of
     * their own that {@link #append} copies in; or null when there is none. The caller gives it back
     * through {@link #write} (then, as the first frame, it is the batch again, and only the bytes
     * written after lending count as new) or {@link #returnBatch}. A stream in wire form always has
     * one to lend (a new, empty one when none is waiting), so its frames land where the chunk's
     * size line fits in front of them.
     */
    ByteBuf lendBatch() {
        if (batch == null && wireStream && !finished) {
            batch = EncodedStream.newBatch(client.alloc(), BATCH_INITIAL);
        }
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            lent = b;
            lentMark = b.writerIndex();
        }
        return b;
    }

    /** Takes a lent batch back unsent-to: whatever was written after lending is dropped. */
    void returnBatch(ByteBuf b) {
        if (b != lent) {
            throw new IllegalStateException("not the lent batch");
        }
        lent = null;
        b.writerIndex(lentMark);
        if (batch != null) {
            // Nothing writes to the exchange while its batch is lent (one event loop, one call).
            b.release();
            throw new IllegalStateException("a batch was started while one was lent");
        }
        batch = b;
    }

    /**
     * Adds {@code frame} to the batch (taking ownership): the first frame of a batch becomes the
     * batch when it is a plain buffer of its own (a stream processor writes the frames of one
     * upstream read into one such buffer), the others are copied into it and released.
     */
    private void append(ByteBuf frame) {
        if (batch == null && adoptable(frame)) {
            batch = frame;
            return;
        }
        try {
            int n = frame.readableBytes();
            if (n == 0) {
                return;
            }
            if (batch == null) {
                batch = wireStream ? EncodedStream.newBatch(client.alloc(), Math.max(BATCH_INITIAL, n))
                        : client.alloc().directBuffer(Math.max(BATCH_INITIAL, n));
            }
            batch.writeBytes(frame, frame.readerIndex(), n);
        } finally {
            frame.release();
        }
    }

    /**
     * A direct buffer that shares its memory with no other (not a slice, duplicate, read-only view
     * or composite; one reference) and can grow: the batch may be it, and later frames are written
     * after its bytes. In wire form it must also have the room for the chunk's size line in front
     * ({@link EncodedStream#HEADROOM}; stream processors leave it), or the whole batch would be
     * copied when it is sent.
     */
    private boolean adoptable(ByteBuf frame) {
        return frame.isDirect() && !(frame instanceof CompositeByteBuf) && !frame.isReadOnly()
                && (!wireStream || frame.readerIndex() >= EncodedStream.HEADROOM)
                && frame.refCnt() == 1 && frame.isReadable()
                && frame.maxCapacity() - frame.writerIndex() >= BATCH_GROWTH_ROOM
                && ownMemory(frame);
    }

    /** Not a view of another buffer: a root buffer, or the leak detector's wrapper of one. */
    private static boolean ownMemory(ByteBuf frame) {
        ByteBuf inner = frame.unwrap();
        return inner == null || (LEAK_AWARE != null && LEAK_AWARE.isInstance(frame) && inner.unwrap() == null);
    }

    /** Netty's leak-detection wrapper (package-private there), which delegates to the buffer it tracks. */
    private static final Class<?> LEAK_AWARE = leakAwareClass();

    private static Class<?> leakAwareClass() {
        try {
            return Class.forName("io.netty.buffer.SimpleLeakAwareByteBuf");
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** What an adopted buffer must still be able to grow by (a pooled buffer can grow to 2 GiB). */
    private static final int BATCH_GROWTH_ROOM = 1 << 20;

    /** Runs after the event loop's current I/O round: the frames appended during it leave together. */
    private void flushBatch() {
        flushScheduled = false;
        if (finished) {
            return; // the stream's end was written and flushed in this round (a burst)
        }
        writeBatch();
        client.flush(); // the batch, or the head alone
        if (keepaliveTimer != null) {
            lastWriteNanos = System.nanoTime();
        }
    }

    /** Writes the batch as one chunk (an empty batch stays: an empty chunk would end the stream). */
    private void writeBatch() {
        ByteBuf b = batch;
        if (b != null && b.isReadable()) {
            batch = null;
            client.write(wireStream ? EncodedStream.chunk(b, client.alloc()) : new DefaultHttpContent(b));
        }
    }

    private void releaseBatch() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }

    /** First size of a batch buffer: a read's worth of typical chunks without growing. */
    private static final int BATCH_INITIAL = 4096;

    private void keepaliveTick() {
        keepaliveTimer = null;
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastWriteNanos >= keepaliveNanos) {
            List<ByteBuf> out = new ArrayList<>(1);
            out.add(SseFrames.keepalive());
            write(out, false);
            lastWriteNanos = now; // it leaves with this round's flush
        }
        long next = Math.max(1, keepaliveNanos - (System.nanoTime() - lastWriteNanos));
        keepaliveTimer = client.eventLoop().schedule(this::keepaliveTick, next, TimeUnit.NANOSECONDS);
    }

    private void dropRecording() {
        if (recording != null) {
            recording.abandon();
            recording = null;
        }
    }

    private void finishWithError(GatewayError error) {
        dropRecording(); // errors are never cached
        rc.errorCode = error.code();
        if (headSent) {
            List<ByteBuf> out = new ArrayList<>(1);
            out.add(protocol.errors().event(error, client.alloc()));
            write(out, true);
            return;
        }
        FullHttpResponse r = HttpResponses.error(error, rc.requestId, protocol.errors());
        finishWith(r, r.status().code());
    }

    /**
     * Answers {@code 200} with the JSON {@code body} (taking ownership of it): in wire form
     * ({@link EncodedResponse}) when every header value allows, else through the header map.
     */
    void finishOk(ByteBuf body) {
        rc.status = 200;
        EncodedResponse.Builder b = EncodedResponse.okJson(client.alloc(), body.readableBytes(), keepAlive);
        decorate(b, true);
        EncodedResponse r = b.build(body);
        finishWith(r != null ? r : HttpResponses.json(HttpResponseStatus.OK, body), 200, r == null);
    }

    void finishWith(FullHttpResponse r, int status) {
        finishWith(r, status, true);
    }

    private void finishWith(FullHttpResponse r, int status, boolean decorate) {
        finished = true;
        cancelTimers();
        if (recording != null) {
            if (status == 200) {
                recording.body(r.content());
                recording.complete(rc.provider, rc.upstreamModel, servedUsage);
            } else {
                recording.abandon();
            }
            recording = null;
        }
        rc.status = status;
        if (decorate) {
            decorate(r.headers(), true);
            HttpUtil.setKeepAlive(r, keepAlive);
        }
        writeLastAndEnd(r);
    }

    /**
     * Writes the exchange's last message (a unary answer, or a stream's end) and ends the exchange.
     * Kept alive, nothing waits on the write: the request is recorded now, its last bytes handed to
     * the socket (or queued behind a full one), with no promise or listener per request. A failed
     * write still ends the connection: the transport closes on an I/O error, and any other failure
     * reaches the pipeline as an exception (the void promise), which GatewayHandler answers by
     * closing. A connection that closes after this request closes only once the message is out.
     */
    private void writeLastAndEnd(Object last) {
        if (keepAlive) {
            client.writeAndFlush(last, client.voidPromise());
            done(true);
        } else {
            client.writeAndFlush(last).addListener(f -> done(false));
        }
    }

    /** {@link #decorate(HttpHeaders, boolean)} into an answer in wire form: the same headers, in the same order. */
    private void decorate(HeadWriter b, boolean withTotal) {
        b.header(HttpResponses.X_REQUEST_ID, rc.requestId);
        if (rc.provider != null) {
            b.header(HttpResponses.X_PROVIDER, rc.provider);
            b.header(HttpResponses.X_MODEL, rc.upstreamModel);
        } else if (replayed != null && !replayed.provider().isEmpty()) {
            b.header(HttpResponses.X_PROVIDER, replayed.provider());
            b.header(HttpResponses.X_MODEL, replayed.upstreamModel());
        }
        if (rc.cache != null) {
            b.header(HttpResponses.X_CACHE, rc.cache);
        }
        b.header(HttpResponses.X_ATTEMPTS, HttpResponses.count(attempts));
        if (!rc.warnings.isEmpty()) {
            b.header(HttpResponses.X_WARNINGS, String.join("; ", rc.warnings));
        }
        rc.serverTiming(b, withTotal, withTotal ? rc.end() : 0);
        if (rc.admission != null && rc.admission.headers() != null) {
            b.refuse(); // the rate-limit headers are written by their own code into a header map
        }
        if (withTotal && rc.status == 200 && (rc.promptTokens >= 0 || rc.costUsd > 0)) {
            if (b instanceof EncodedResponse.Builder e) {
                e.usd(HttpResponses.X_COST, rc.costUsd);
            } else {
                b.header(HttpResponses.X_COST, HttpResponses.usd(rc.costUsd));
            }
        }
    }

    private void decorate(HttpHeaders h, boolean withTotal) {
        h.set(HttpResponses.X_REQUEST_ID, rc.requestId);
        if (rc.provider != null) {
            h.set(HttpResponses.X_PROVIDER, rc.provider);
            h.set(HttpResponses.X_MODEL, rc.upstreamModel);
        } else if (replayed != null && !replayed.provider().isEmpty()) {
            h.set(HttpResponses.X_PROVIDER, replayed.provider());
            h.set(HttpResponses.X_MODEL, replayed.upstreamModel());
        }
        if (rc.cache != null) {
            h.set(HttpResponses.X_CACHE, rc.cache);
        }
        h.set(HttpResponses.X_ATTEMPTS, HttpResponses.count(attempts));
        if (!rc.warnings.isEmpty()) {
            h.set(HttpResponses.X_WARNINGS, String.join("; ", rc.warnings));
        }
        h.set(HttpResponses.SERVER_TIMING, rc.serverTiming(withTotal, withTotal ? rc.end() : 0));
        if (rc.admission != null && rc.admission.headers() != null) {
            rc.admission.headers().writeTo(h);
        }
        // Answers priced without token usage (images made by Imagen: per image only) carry their cost too.
        if (withTotal && rc.status == 200 && (rc.promptTokens >= 0 || rc.costUsd > 0)) {
            h.set(HttpResponses.X_COST, HttpResponses.usd(rc.costUsd));
        }
    }

    /** Client writability came back (GatewayHandler forwards it): resume reading the winning stream. */
    public void onWritable() {
        if (!finished && winner != null) {
            winner.requestMore();
        }
    }

    /** {@code x-junction-deadline-ms} passed: stop whatever runs and answer with a timeout. */
    private void deadlineExpired() {
        deadlineTimer = null;
        if (finished) {
            return;
        }
        cancelAttempts("deadline");
        finishWithError(GatewayError.upstreamTimeout(
                "The request did not complete within its deadline (" + Deadline.HEADER + ").").terminal());
    }

    /** The client went away: stop every upstream attempt at once (SPEC §5) and release everything. */
    public void cancel() {
        if (finished) {
            return;
        }
        finished = true;
        dropRecording(); // a cancelled stream is never cached
        if (winner != null && rc.promptTokens < 0) {
            accountProduced(winner); // before the attempt lets go of its stream processor
        }
        cancelTimers();
        releaseBatch();
        cancelAttempts("client_closed");
        rc.status = 499;
        rc.errorCode = "client_closed";
        protocol.close();
        clientBody.release();
        onDone.accept(rc);
    }

    private void cancelAttempts(String outcome) {
        if (retryTimer != null) {
            retryTimer.cancel(false);
        }
        for (Attempt a : new ArrayList<>(live)) {
            a.abort(outcome);
        }
    }

    private void done(boolean keepConnection) {
        cancelTimers();
        protocol.close();
        clientBody.release();
        onDone.accept(rc);
        if (!keepConnection) {
            client.close();
        }
    }

    private void cancelHedgeTimer() {
        if (hedgeTimer != null) {
            hedgeTimer.cancel(false);
            hedgeTimer = null;
        }
    }

    private void cancelTimers() {
        cancelHedgeTimer();
        cancel(retryTimer);
        cancel(deadlineTimer);
        cancel(keepaliveTimer);
        retryTimer = null;
        deadlineTimer = null;
        keepaliveTimer = null;
    }

    private static void cancel(ScheduledFuture<?> t) {
        if (t != null) {
            t.cancel(false);
        }
    }

    /** {@code a} ended (Attempt's one end): recorded for the access log and metrics, no longer live. */
    void ended(Attempt a, String outcome) {
        live.remove(a);
        if (a.trace != null) {
            a.trace.end(outcome, a.status);
        }
        // The winner's success is the answer complete, whose last message is written next: the
        // request ends at the same clock reading as the attempt (Attempt.succeed, then the write).
        long now = a == winner && "ok".equals(outcome) ? rc.end() : System.nanoTime();
        rc.attempts.add(new RequestContext.Attempt(a.route.id(), a.route.provider().name(),
                a.hedge ? outcome + "_hedge" : outcome, a.status, (now - a.start) / 1e6));
    }

    /** Records the vendor's usage and its cost at the served deployment's catalog prices (SPEC §7). */
    void account(Attempt a, Usage u) {
        // Generated images are priced per image (SPEC §2), on top of any tokens the vendor reports.
        double media = protocol.unaryImages() * a.route.deployment().price().perImage();
        if (u == null) {
            if (media > 0) {
                rc.costUsd = media;
            }
            return;
        }
        servedUsage = u;
        rc.promptTokens = u.promptTokens();
        rc.completionTokens = u.completionTokens();
        rc.costUsd = a.route.deployment().price().cost(u) + media;
        a.route.deployment().stats().headroom().settled(a.route.deployment().provider().tpm(), rc.tokenEstimate,
                u.totalTokens());
    }

    /**
     * A stream that ended early (the client left, or the vendor cut it): what the vendor reported
     * so far, completed by an estimate of what was produced — the prompt estimate when no prompt
     * count came, and at least one output token per frame sent to the client (SPEC §7.1 "an
     * abandoned stream settles on what was produced").
     */
    void accountProduced(Attempt a) {
        Usage u = a.processor == null ? null : a.processor.usage();
        if (u == null) {
            u = Usage.ZERO;
        }
        // Some vendors report the prompt at the start and the output only at the end (Anthropic).
        account(a, new Usage(u.promptTokens() > 0 ? u.promptTokens() : rc.estimatedPromptTokens,
                Math.max(u.completionTokens(), Math.max(rc.streamFrames, a.processor == null ? 0 : a.processor.frames())),
                u.cachedInputTokens(), u.cacheWriteTokens(),
                u.reasoningTokens()));
    }

    /** True once the answer is written or the client has gone. */
    public boolean finished() {
        return finished;
    }

    boolean stream() {
        return protocol.stream();
    }

    boolean clientWritable() {
        return client.isWritable();
    }

    ExchangeProtocol protocol() {
        return protocol;
    }

    io.netty.channel.EventLoop loop() {
        return client.eventLoop();
    }

    io.netty.buffer.ByteBufAllocator alloc() {
        return client.alloc();
    }

    /** Removes any trace of the route's vendor key from a vendor-derived message (SPEC §9). */
    static GatewayError scrub(Route route, GatewayError e) {
        String key = route.target().apiKey();
        String m = e.message();
        if (key != null && key.length() >= 4 && m.contains(key)) {
            m = m.replace(key, "***");
        }
        m = m.replaceAll("(sk|pk|rk)-[A-Za-z0-9_\\-*]{6,}", "$1-***");
        return m.equals(e.message()) ? e : e.withMessage(m);
    }

    static void release(List<ByteBuf> bufs) {
        for (ByteBuf b : bufs) {
            b.release();
        }
        bufs.clear();
    }
}

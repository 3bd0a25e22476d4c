package dev.junction.core.proxy;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.resilience.Deadline;
import dev.junction.core.resilience.HedgePolicy;
import dev.junction.core.resilience.RetryDecision;
import dev.junction.core.resilience.RetryPolicy;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Drives one proxied request (chat or embeddings) through its attempts on the client's event
 * loop (SPEC §5, §7): each attempt's vendor request is built from the untouched original; a stream
 * is held back until its first content (the commit point), so a failure before it is retried or
 * failed over invisibly and a failure after it is reported in-band; a slow first attempt may be
 * hedged by a second on another deployment, the first to produce content winning and the other
 * being cancelled at once. It decides what the client is sent (the winner's answer or stream, the
 * final error, a replayed cache entry) and accounts for it; writing it — heads and headers, the
 * stream's batched frames and flushes, keep-alive comments, the last message — is its
 * {@link ClientAnswer}'s. Owns the client's body until the request ends. Confined to one event
 * loop: no locking.
 */
public final class ChatExchange {

    /** Largest error body read from a vendor; more is dropped (it is only used for the message). */
    static final int MAX_ERROR_BODY = 256 * 1024;
    private static final com.fasterxml.jackson.databind.ObjectMapper REPLAYED = new com.fasterxml.jackson.databind.ObjectMapper();
    /** Largest unary answer accepted from a vendor. */
    static final int MAX_UNARY_BODY = 64 * 1024 * 1024;

    private final Channel client;
    private final RequestContext rc;
    private final ExchangeProtocol protocol;
    private final List<Route> candidates;
    private final UpstreamClient upstream;
    private final ByteBuf clientBody;
    private final Consumer<RequestContext> onDone;
    private final RetryPolicy retry;
    private final Deadline deadline;
    private final HedgePolicy hedge;
    /** Everything the client is sent. */
    private final ClientAnswer answer;

    private final List<Attempt> live = new ArrayList<>(2);
    private int attempts;
    private int candidateIndex;
    private int retriesOfSame;
    private int hedgesStarted;
    private Attempt winner;
    private ScheduledFuture<?> retryTimer;
    private ScheduledFuture<?> deadlineTimer;
    private ScheduledFuture<?> hedgeTimer;

    /**
     * @param hedge     the alias's hedge policy, or null
     * @param keepalive interval of {@code : keepalive} comments on a waiting stream, or null for none
     */
    public ChatExchange(ChannelHandlerContext ctx, RequestContext rc, ExchangeProtocol protocol, List<Route> candidates,
                        UpstreamClient upstream, ByteBuf clientBody, boolean keepAlive, RetryPolicy retry, Deadline deadline,
                        HedgePolicy hedge, Duration keepalive, Consumer<RequestContext> onDone) {
        this.client = ctx.channel();
        this.rc = rc;
        this.protocol = protocol;
        this.candidates = candidates;
        this.upstream = upstream;
        this.clientBody = clientBody;
        this.retry = retry;
        this.deadline = deadline;
        this.hedge = hedge;
        this.onDone = onDone;
        this.answer = new ClientAnswer(this, client, rc, keepAlive,
                keepalive == null || keepalive.isZero() ? 0 : keepalive.toNanos());
        rc.stream = protocol.stream();
    }

    /** The request is refused before any attempt (e.g. by the key's limits): answers {@code error}. */
    public void reject(GatewayError error) {
        if (!answer.finished()) {
            finishWithError(error);
        }
    }

    /** Records the answer for the response cache as it is sent (a miss whose answer may be stored). */
    public void record(dev.junction.core.cache.CacheRecording r) {
        answer.record(r);
    }

    /**
     * Answers from the response cache instead of starting attempts (docs/cache.md): the entry in the
     * form the client asked for, as JSON or as a stream, with a fresh id and creation time. Nothing
     * is sent to a vendor, so nothing is consumed there: the request's tokens and cost are 0.
     */
    public void replay(dev.junction.core.cache.CacheEntry entry, dev.junction.core.cache.ReplayShape shape,
                       boolean includeUsage) {
        if (answer.finished()) {
            return;
        }
        answer.replaying(entry);
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
            answer.write(out, true);
        } else {
            answer.finishOk(shape.unary(entry, r, client.alloc()));
        }
    }

    public void start() {
        if (!deadline.isUnbounded()) {
            deadlineTimer = client.eventLoop().schedule(this::deadlineExpired,
                    Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
        }
        if (protocol.stream()) {
            answer.startKeepalive();
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
        if (answer.finished()) {
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
        if (answer.finished()) {
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
        if (answer.finished() || winner != null || live.isEmpty() || candidateIndex + 1 >= candidates.size()) {
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
        answer.dropRecording(); // a cut stream is never cached
        rc.errorCode = inBand.code();
        answer.write(frames, true);
    }

    // ---- client side: ClientAnswer writes it ----------------------------------------------------

    /** Sends stream frames (taking ownership of them); with {@code end} the stream ends ({@link ClientAnswer#write}). */
    void write(List<ByteBuf> frames, boolean end) {
        answer.write(frames, end);
    }

    /** The stream's unsent batch, lent to the winning attempt's stream processor ({@link ClientAnswer#lendBatch}). */
    ByteBuf lendBatch() {
        return answer.lendBatch();
    }

    /** Takes a lent batch back unsent-to: whatever was written after lending is dropped. */
    void returnBatch(ByteBuf b) {
        answer.returnBatch(b);
    }

    /** Answers {@code 200} with the JSON {@code body} (taking ownership of it). */
    void finishOk(ByteBuf body) {
        answer.finishOk(body);
    }

    private void finishWithError(GatewayError error) {
        answer.dropRecording(); // errors are never cached
        rc.errorCode = error.code();
        if (answer.headSent()) {
            List<ByteBuf> out = new ArrayList<>(1);
            out.add(protocol.errors().event(error, client.alloc()));
            answer.write(out, true);
            return;
        }
        FullHttpResponse r = HttpResponses.error(error, rc.requestId, protocol.errors());
        answer.finishWith(r, r.status().code());
    }

    /** Client writability came back (GatewayHandler forwards it): resume reading the winning stream. */
    public void onWritable() {
        if (!answer.finished() && winner != null) {
            winner.requestMore();
        }
    }

    /** {@code x-junction-deadline-ms} passed: stop whatever runs and answer with a timeout. */
    private void deadlineExpired() {
        deadlineTimer = null;
        if (answer.finished()) {
            return;
        }
        cancelAttempts("deadline");
        finishWithError(GatewayError.upstreamTimeout(
                "The request did not complete within its deadline (" + Deadline.HEADER + ").").terminal());
    }

    /** The client went away: stop every upstream attempt at once (SPEC §5) and release everything. */
    public void cancel() {
        if (answer.finished()) {
            return;
        }
        answer.cancel(); // finished: nothing more is written or recorded, what waits is released
        if (winner != null && rc.promptTokens < 0) {
            accountProduced(winner); // before the attempt lets go of its stream processor
        }
        cancelTimers();
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

    /** The answer's last message is written (or on its way): the request ends. */
    void done(boolean keepConnection) {
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

    /** Stops the hedge, retry and deadline timers (the answer's last message is about to go, or went). */
    void cancelTimers() {
        cancelHedgeTimer();
        cancel(retryTimer);
        cancel(deadlineTimer);
        retryTimer = null;
        deadlineTimer = null;
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
        answer.served(u);
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
        return answer.finished();
    }

    /** How many attempts were started (the answer's {@code x-junction-attempts}). */
    int attempts() {
        return attempts;
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

package dev.junction.core.proxy;

import dev.junction.core.upstream.UpstreamCall;
import dev.junction.core.upstream.UpstreamListener;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * One upstream attempt of a {@link ChatExchange} (the primary, a retry, a failover or a hedge) and
 * its whole life cycle: its call, what it has read and held back before the commit point, and its
 * health bookkeeping in the deployment's statistics and circuit breaker. Its {@link State} says
 * where it is; it ends exactly once, by {@link #succeed}, {@link #fail} or {@link #abort}. The
 * exchange orchestrates (which attempt runs, which wins, what a failure means for the request) and
 * writes to the client (through its {@link ClientAnswer}). Events arrive on the exchange's event loop.
 */
final class Attempt implements UpstreamListener {

    /** Where an attempt is in its life. */
    enum State {
        /** The request is on its way; no response head yet. */
        WAITING,
        /** A unary answer, or an error answer, is being read. */
        READING,
        /** A stream before the commit point: its frames are held back in {@link #pending}. */
        HELD,
        /** A stream that won: its frames go to the client as they come (SPEC §5 commit point passed). */
        COMMITTED,
        /** Succeeded, failed or aborted: nothing of it runs or is held any more. */
        ENDED
    }

    /** How an attempt ended, for the deployment's health. */
    private enum Health { OK, FAILED, NONE }

    private final ChatExchange x;
    final Route route;
    /** The vendor contract of this request on {@link #route}. */
    final Translator translator;
    final boolean hedge;
    /** Whether the client asked for a stream: read once here, while the request is fresh in the cache. */
    private final boolean stream;
    /**
     * When the attempt's vendor request was ready to leave (set by the exchange once it is built,
     * from the clock read that also ends the request's {@code translate} stage): connect, ttfb and
     * the attempt's duration count from here.
     */
    long start;
    private final boolean breakerPermit;
    private State state = State.WAITING;
    /** The upstream call, or null when the attempt is a fan-out {@link #group}. */
    UpstreamCall call;
    /** The calls of a fanned-out attempt (SPEC §3 {@code n}), or null. */
    FanOutCall group;
    long connectedAt;
    long headAt;
    int status;
    private HttpHeaders headers;
    /** The answer's body so far: its one piece as it came, a composite once a second one came. */
    private ByteBuf acc;
    StreamProcessor processor;
    /** A stream's frames held back before the commit point (made when the stream's head comes). */
    private List<ByteBuf> pending;
    /** This attempt's span: its ids go to the vendor in {@code traceparent} (SPEC §8). */
    dev.junction.core.tracing.AttemptTrace trace;

    Attempt(ChatExchange x, Route route, Translator translator, boolean hedge, boolean breakerPermit) {
        this.x = x;
        this.route = route;
        this.translator = translator;
        this.hedge = hedge;
        this.breakerPermit = breakerPermit;
        this.stream = x.stream();
        route.deployment().stats().start();
    }

    /** The trace context headers of the vendor call, or null. */
    java.util.Map<String, String> traceHeaders() {
        return trace == null ? null : trace.headers();
    }

    State state() {
        return state;
    }

    /** Whether the attempt still runs (it has not ended). */
    boolean live() {
        return state != State.ENDED;
    }

    @Override
    public void onConnected(boolean reused, long nanos) {
        connectedAt = nanos; // the call's clock reading
    }

    @Override
    public void onHead(HttpResponse head, long nanos) {
        // SPEC §7.1: what the vendor says remains, from every answer (a lost hedge's too).
        route.deployment().stats().headroom().observe(head.status().code(), head.headers());
        if (state != State.WAITING) {
            return;
        }
        status = head.status().code();
        headers = head.headers();
        headAt = nanos; // the call's clock reading
        route.deployment().stats().recordTtft(headAt - start);
        if (status >= 200 && status < 300 && stream) {
            processor = translator.streamProcessor();
            pending = new ArrayList<>(4);
            state = State.HELD;
        } else {
            if (group == null) {
                acc = Unpooled.EMPTY_BUFFER; // a fan-out group gathers its parts' bodies itself
            }
            state = State.READING;
        }
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        switch (state) {
            case READING -> onAnswerContent(content, last);
            case HELD, COMMITTED -> onStreamContent(content, last);
            default -> content.release();
        }
    }

    private void onAnswerContent(ByteBuf content, boolean last) {
        int limit = status >= 300 ? ChatExchange.MAX_ERROR_BODY : ChatExchange.MAX_UNARY_BODY;
        if (acc.readableBytes() + content.readableBytes() > limit) {
            content.release();
            if (status < 300) {
                cancelCall();
                fail(GatewayError.upstreamUnavailable("Provider '" + route.provider().name()
                        + "' sent an answer larger than " + ChatExchange.MAX_UNARY_BODY + " bytes.").withoutRetry());
                return;
            }
        } else if (!acc.isReadable()) {
            // Most answers come as one piece: kept as it is, no composite to build, scan and free.
            acc.release();
            acc = content;
        } else if (!content.isReadable()) {
            content.release();
        } else {
            if (!(acc instanceof CompositeByteBuf)) {
                acc = alloc().compositeBuffer(64).addComponent(true, acc);
            }
            ((CompositeByteBuf) acc).addComponent(true, content);
        }
        if (!last) {
            requestMore();
            return;
        }
        ByteBuf body = acc;
        acc = null;
        try {
            if (status >= 200 && status < 300 && x.protocol().asyncUnary()) {
                finishAsync(List.of(body));
            } else if (status >= 200 && status < 300) {
                ByteBuf out;
                try {
                    out = translator.answer(body, alloc());
                } catch (TranslationException e) {
                    fail(e.error());
                    return;
                }
                succeedUnary(out);
            } else {
                fail(ChatExchange.scrub(route, translator.error(status, headers, body)));
            }
        } finally {
            body.release();
        }
    }

    /**
     * Every part of a fanned-out unary attempt answered successfully ({@code bodies} stay owned by
     * the group): one merged response is sent.
     */
    void onFanOutAnswers(List<ByteBuf> bodies) {
        if (state != State.READING) {
            return;
        }
        if (x.protocol().asyncUnary()) {
            finishAsync(bodies);
            return;
        }
        ByteBuf out;
        try {
            out = translator.answers(bodies, alloc());
        } catch (TranslationException e) {
            fail(e.error());
            return;
        }
        succeedUnary(out);
    }

    /**
     * The protocol finishes the answer off the event loop (e.g. stores media first); the attempt
     * stays live meanwhile, so a deadline or a client that leaves still ends it, and a result that
     * arrives after that is released unused.
     */
    private void finishAsync(List<ByteBuf> bodies) {
        io.netty.util.concurrent.Future<ByteBuf> f;
        try {
            f = x.protocol().unaryAsync(route, bodies, alloc(), x.loop());
        } catch (TranslationException e) {
            fail(e.error());
            return;
        }
        f.addListener(done -> {
            if (state != State.READING) {
                if (done.isSuccess()) {
                    f.getNow().release();
                }
                return;
            }
            if (!done.isSuccess()) {
                fail(done.cause() instanceof TranslationException t ? t.error()
                        : GatewayError.internal("Junction could not finish the answer: " + done.cause()));
                return;
            }
            succeedUnary(f.getNow());
        });
    }

    private void onStreamContent(ByteBuf content, boolean last) {
        // The list of one piece's frames is reused from piece to piece (it is empty again when the
        // piece is done); a piece that arrives while another is being handled gets its own.
        List<ByteBuf> out = pieceFrames;
        if (out == null) {
            out = new ArrayList<>(4);
        } else {
            pieceFrames = null;
        }
        try {
            onStreamContent(content, last, out);
        } finally {
            if (out.isEmpty()) {
                pieceFrames = out;
            }
        }
    }

    /**
     * The list {@link #onStreamContent} fills with one piece's frames, while no piece uses it
     * (made by the first piece: a unary answer needs none).
     */
    private List<ByteBuf> pieceFrames;

    private void onStreamContent(ByteBuf content, boolean last, List<ByteBuf> out) {
        // Once committed, the frames go after those of the exchange's unsent batch (the events of
        // one upstream read arrive as one piece each and leave as one write): no buffer per piece.
        ByteBuf into = state == State.COMMITTED ? x.lendBatch() : null;
        try {
            if (into == null) {
                processor.feed(content, alloc(), out);
            } else {
                processor.feed(content, alloc(), out, into);
            }
        } catch (RuntimeException | Error e) {
            dropFrames(out, into);
            throw e;
        } finally {
            content.release();
        }
        GatewayError vendorError = processor.vendorError();
        if (vendorError != null) {
            if (state == State.COMMITTED) {
                // The piece's events before the error went through the processor (it stops at the
                // error): they are part of the client's stream, ahead of the in-band error.
                x.write(out, false);
            } else {
                dropFrames(out, into);
            }
            if (!last) {
                cancelCall();
            }
            fail(ChatExchange.scrub(route, vendorError));
            return;
        }
        if (last) {
            GatewayError incomplete = processor.end(alloc(), out);
            if (incomplete != null) {
                dropFrames(out, into);
                fail(incomplete);
                return;
            }
            succeedStream(out);
            return;
        }
        if (state == State.HELD) {
            pending.addAll(out);
            out.clear();
            if (!processor.hasContent()) {
                requestMore(); // pre-content frames are few and small: keep reading
                return;
            }
            commit();
        } else {
            x.write(out, false);
        }
        if (x.clientWritable()) {
            requestMore();
        }
    }

    /**
     * Releases the frames of a piece that ends in a failure; a lent batch goes back to the exchange
     * with only what was written before this piece (earlier pieces' frames still reach the client).
     */
    private void dropFrames(List<ByteBuf> out, ByteBuf into) {
        if (into != null) {
            if (!out.isEmpty() && out.get(0) == into) {
                out.remove(0);
            }
            x.returnBatch(into);
        }
        ChatExchange.release(out);
    }

    /** The commit point (SPEC §5): this attempt wins, and what it held back goes to the client. */
    private void commit() {
        x.win(this);
        state = State.COMMITTED;
        x.write(pending, false);
    }

    @Override
    public void onFailure(GatewayError error, boolean afterHead) {
        if (state == State.ENDED) {
            return;
        }
        if (processor == null) {
            fail(error);
            return;
        }
        List<ByteBuf> out = new ArrayList<>(2);
        GatewayError judged = processor.cut(ChatExchange.scrub(route, error), alloc(), out);
        if (judged != null) {
            ChatExchange.release(out);
            fail(judged);
        } else {
            succeedStream(out); // every choice had finished: only what follows the answer was lost
        }
    }

    private void succeedUnary(ByteBuf out) {
        succeed(translator.usage());
        x.finishOk(out);
    }

    /** The stream is complete: {@code out} holds its closing frames. */
    private void succeedStream(List<ByteBuf> out) {
        Usage usage = processor.usage();
        List<ByteBuf> frames = new ArrayList<>(pending.size() + out.size());
        frames.addAll(pending);
        frames.addAll(out);
        pending.clear();
        out.clear();
        succeed(usage);
        x.write(frames, true);
    }

    /** The attempt produced the whole answer: it wins (if it had not yet) and ends healthy. */
    private void succeed(Usage usage) {
        if (state != State.COMMITTED) {
            x.win(this);
        }
        x.account(this, usage);
        end(Health.OK, null, "ok");
    }

    /**
     * The attempt failed with {@code error}, as the processor judged it for a stream (SPEC §5).
     * After the commit point the stream ends with the in-band error; before it, the exchange
     * decides between retry, failover and the final error.
     */
    private void fail(GatewayError error) {
        if (state == State.COMMITTED) {
            x.accountProduced(this); // what the vendor reported, completed by what reached the client
            List<ByteBuf> out = new ArrayList<>(1);
            processor.fail(error, alloc(), out);
            end(Health.FAILED, error.code(), "interrupted");
            x.endInBand(error, out);
            return;
        }
        boolean healthSignal = error.retryable() || error.failover();
        end(healthSignal ? Health.FAILED : Health.OK, error.code(), error.code() == null ? "error" : error.code());
        x.attemptFailed(this, error);
    }

    /**
     * Stops the attempt from outside: it lost a hedge race, was refused before sending, the
     * deadline passed or the client left. The upstream connection closes at once (SPEC §5).
     */
    void abort(String outcome) {
        if (state == State.ENDED) {
            return;
        }
        cancelCall();
        end(Health.NONE, null, outcome);
    }

    /** The one way an attempt ends: health bookkeeping, the attempt's record, buffers released. */
    private void end(Health health, String code, String outcome) {
        state = State.ENDED;
        var d = route.deployment();
        switch (health) {
            case OK -> {
                d.stats().recordSuccess();
                if (breakerPermit) {
                    d.breaker().onSuccess();
                }
            }
            case FAILED -> {
                d.stats().recordFailure(code);
                if (breakerPermit) {
                    d.breaker().onFailure();
                }
            }
            default -> {
                // Cancelled before its first byte (a lost hedge race, a client gone): the wait so far
                // is a lower bound of this deployment's TTFT, which keeps a hedged tail visible.
                if (headAt == 0) {
                    d.stats().recordCancelled(System.nanoTime() - start);
                } else {
                    d.stats().recordCancelled();
                }
                if (breakerPermit) {
                    d.breaker().onCancelled();
                }
            }
        }
        x.ended(this, outcome);
        if (group != null) {
            group.release();
        }
        if (pending != null) {
            ChatExchange.release(pending);
        }
        if (processor != null) {
            processor.close();
            processor = null;
        }
        if (acc != null) {
            acc.release();
            acc = null;
        }
    }

    /** Asks the upstream (every running part of a fan-out) for the next piece of its body. */
    void requestMore() {
        if (group != null) {
            group.requestMore();
        } else if (call != null) {
            call.requestMore();
        }
    }

    /** Abandons the upstream call (every part of a fan-out): the connections close (SPEC §5). */
    private void cancelCall() {
        if (group != null) {
            group.cancel();
        } else if (call != null) {
            call.cancel();
        }
    }

    EventLoop loop() {
        return x.loop();
    }

    ByteBufAllocator alloc() {
        return x.alloc();
    }
}

package dev.junction.core.upstream;

import dev.junction.core.config.Timeouts;
import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCounted;

import java.time.Duration;

/**
 * One request/response on a pooled upstream connection, confined to one event loop. Owns the
 * request until it is written, enforces the first-byte, idle-between-chunks and total timeouts
 * (SPEC §2), and returns the connection to the pool only after a complete keep-alive response;
 * a cancelled or failed call closes its connection so the vendor stops generating at once (SPEC §5).
 *
 * <p>Reads are paced by the listener (house rule 3) without switching the socket's read interest
 * per request: the channel reads on its own (auto-read), and only when a read ends with the
 * listener not having asked for more since the last piece it was given ({@link #requestMore()}:
 * the client cannot take more yet) is auto-read turned off, until the listener asks again. Read
 * interest is thus toggled only under back-pressure, not twice per request as a read requested
 * per piece would (each costs an {@code epoll_ctl}).
 *
 * <p>On a kept-alive connection a request in wire form is written without a promise (see
 * {@link #write}): the pipeline tells of a failed write (its {@code exceptionCaught}, then the
 * close), and whether the bytes all reached the socket is read from the channel's outbound buffer
 * when the write returns. Until the call knows they did it keeps the request, and a failure in
 * that time counts as a failed write (one transparent retry on a fresh connection for a kept-alive
 * one, as before); once it knows, a close is the vendor's failure to answer and is never retried.
 */
public final class UpstreamCall {

    private final Deadlines deadlines;
    private final UpstreamPool pool;
    private final String providerName;
    private final Timeouts timeouts;
    private final UpstreamListener listener;
    /** The request, in wire form ({@link EncodedRequest}) or as a Netty request, until it is written. */
    private ReferenceCounted request;
    private Channel channel;
    /** The handler of {@link #channel}, while this call uses it. */
    private UpstreamHandler handler;
    private HttpResponse head;
    private boolean done;
    private boolean staleRetried;
    /** The request went without a promise ({@link #write}): a close before it is known written is a failed write. */
    private boolean unpromised;
    /** Inside {@link #start}: a connection handed over now was obtained at {@link #startNanos}. */
    private boolean starting;
    /** Whether {@link #channel} was a kept-alive one from the pool (a failed write may then be retried once). */
    private boolean reusedChannel;
    /** The listener asked for more since the last piece it was given (or was given nothing yet). */
    private boolean wanted = true;
    /** This call turned the channel's auto-read off (back-pressure) and has not turned it on again. */
    private boolean paused;
    /** Its next deadline and its place in the list of {@link #deadlines}, while {@link #linked}. */
    long due;
    UpstreamCall prev;
    UpstreamCall next;
    boolean linked;
    private long startNanos;
    /** When the request was written (0 until then): the first-byte deadline counts from here. */
    private long writtenNanos;
    private long lastActivityNanos;

    UpstreamCall(Deadlines deadlines, UpstreamPool pool, String providerName, Timeouts timeouts, ReferenceCounted request,
                 UpstreamListener listener) {
        this.deadlines = deadlines;
        this.pool = pool;
        this.providerName = providerName;
        this.timeouts = timeouts;
        this.request = request;
        this.listener = listener;
    }

    void start() {
        startNanos = System.nanoTime();
        armWatch(startNanos);
        starting = true;
        try {
            acquire();
        } finally {
            starting = false;
        }
    }

    private void acquire() {
        pool.acquire(events);
    }

    /**
     * What the pool (a connection, or why there is none), the write (its outcome) and the
     * channel's handler (the answer) tell this call, directly on the loop: one object per call for
     * all three.
     */
    private final Events events = new Events();

    private final class Events implements UpstreamPool.Waiter, UpstreamHandler.Receiver, ChannelFutureListener {
        @Override
        public void acquired(Channel ch, boolean reused) {
            if (done) {
                pool.release(ch);
                return;
            }
            channel = ch;
            reusedChannel = reused;
            // The handler is the pipeline's last (see UpstreamClient): found without a search.
            handler = ch.pipeline().last() instanceof UpstreamHandler h ? h : ch.pipeline().get(UpstreamHandler.class);
            handler.attach(this);
            // An idle connection handed over inside start() came at the start's clock reading.
            long now = starting ? startNanos : System.nanoTime();
            listener.onConnected(reused, now);
            write(now);
        }

        @Override
        public void acquireFailed(Throwable cause) {
            fail(GatewayError.upstreamUnavailable(
                    "Could not connect to provider '" + providerName + "': " + describe(cause)), false);
        }

        /** The request's write ended. */
        @Override
        public void operationComplete(ChannelFuture w) {
            if (w.channel() != channel || done) {
                return; // a stopped call released the request; a complete answer did too
            }
            if (!w.isSuccess()) {
                writeFailed(w.cause());
                return;
            }
            written(System.nanoTime());
        }

        @Override
        public void head(HttpResponse r) {
            onHead(r);
        }

        @Override
        public void content(ByteBuf piece, boolean last) {
            onContent(piece, last);
        }

        @Override
        public void malformed(String why) {
            if (!done) {
                fail(GatewayError.upstreamUnavailable("Provider '" + providerName + "' sent a malformed HTTP response."),
                        head != null);
            }
        }

        @Override
        public void readComplete() {
            onReadComplete();
        }

        @Override
        public void closed(Throwable cause) {
            onClosed(cause);
        }
    }

    /**
     * Writes the request ({@code now}: when the connection was obtained). On a kept-alive
     * connection (its TLS handshake long done, its socket's send buffer empty) a request in wire
     * form goes from the codec's place in the pipeline with no promise and no listener, and the
     * channel's outbound buffer says when the write returns whether all of it reached the socket
     * (the usual case: then it was written at {@code now}, the same turn of the loop). A write that
     * fails in the socket has been told to {@link #onClosed} by then; one the channel refused at
     * once (no outbound buffer: closed, or its output shut) is dropped without a word, and is
     * known by the buffer's absence. Should the socket not take it all at once, the request counts
     * as written from the hand-over (a failure then is never retried). A request with a large body
     * (not copied behind its head: a composite, more likely to wait for the socket), any request
     * not in wire form and any request on a new connection are written through the pipeline with a
     * listener on the write's outcome, which says when the last byte left.
     */
    private void write(long now) {
        Channel ch = channel;
        UpstreamHttpCodec codec = handler.codec();
        if (reusedChannel && codec != null && request instanceof EncodedRequest e
                && !(e.content() instanceof CompositeByteBuf)) {
            unpromised = true;
            e.retain();
            try {
                codec.send(e);
            } catch (IllegalArgumentException refused) {
                e.release(); // the write's reference, not taken
                writeFailed(refused);
                return;
            }
            if (channel != ch || done) {
                return; // the write failed, and the call was told (retried, or failed)
            }
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out == null) {
                // The channel takes no more bytes (closed, or its output shut): the write was
                // dropped, and without a promise nobody says so but the buffer's absence.
                writeFailed(null);
            } else if (out.isEmpty()) {
                written(now);
            } else {
                // Bytes wait for the socket (it could not take the whole request at once). Some
                // of it may reach the vendor before a failure, and no listener says when the
                // rest did: the request counts as written from here (the outbound buffer holds
                // its own reference to the bytes), so a failure from now on fails the call and
                // is never retried into a duplicate.
                written(System.nanoTime());
            }
            return;
        }
        unpromised = false;
        request.retain();
        ch.writeAndFlush(request).addListener(events);
    }

    /** The request's bytes all reached the socket at {@code nanos}: the first-byte deadline counts from there. */
    private void written(long nanos) {
        request.release();
        request = null;
        // The channel reads on its own: a vendor may even have answered before a large body was all written.
        writtenNanos = nanos;
    }

    /** The request's write failed ({@code cause}; null: the connection closed under it). */
    private void writeFailed(Throwable cause) {
        if (reusedChannel && !staleRetried && head == null) {
            // A kept-alive connection the vendor closed while idle: one transparent retry on
            // a fresh connection, since nothing of this request reached the vendor.
            staleRetried = true;
            detachAndClose();
            acquire();
            return;
        }
        fail(GatewayError.upstreamUnavailable("Could not send the request to provider '" + providerName + "': "
                + (cause == null ? "the connection closed" : describe(cause))), false);
    }

    private void onHead(HttpResponse r) {
        if (done) {
            return;
        }
        head = r;
        long now = System.nanoTime();
        lastActivityNanos = now;
        listener.onHead(r, now);
        if (!done) {
            // The head alone carries nothing to pace: fetch the first piece of the body.
            requestMore();
        }
    }

    private void onContent(ByteBuf piece, boolean last) {
        if (done) {
            piece.release();
            return;
        }
        if (last) {
            done = true;
            cancelTimers();
            releaseRequest(); // answered before its write completed (an early error)
            Channel ch = channel;
            handler.detach();
            handler = null;
            channel = null;
            if (AnswerHeaders.keepAlive(head)) {
                if (paused) {
                    // A piece read while paused (a decoder or TLS record asking for its rest)
                    // ended the answer: the pooled connection reads again, to notice a close.
                    paused = false;
                    ch.config().setAutoRead(true);
                }
                pool.release(ch);
            } else {
                ch.close();
                pool.release(ch);
            }
        } else {
            lastActivityNanos = System.nanoTime(); // the idle deadline counts from here (the last piece needs none)
            wanted = false;
        }
        listener.onContent(piece, last);
    }

    /**
     * Ask for the next piece of the response. Called while a piece is handled it only notes the
     * wish (the channel keeps reading); called later, after a read left the call paused, it turns
     * the channel's auto-read on again.
     */
    public void requestMore() {
        wanted = true;
        Channel ch = channel;
        if (paused && !done && ch != null) {
            paused = false;
            ch.config().setAutoRead(true); // also starts a read
        }
    }

    /**
     * A read of the channel ended (everything it carried was handed over). If the listener has not
     * asked for more since its last piece, stop reading until it does: the client is not keeping
     * up, and the vendor's bytes wait in the kernel, not in the gateway.
     */
    private void onReadComplete() {
        Channel ch = channel;
        if (!wanted && !paused && !done && ch != null) {
            paused = true;
            ch.config().setAutoRead(false);
        }
    }

    /** The connection the call uses now (null before it has one and after it ended), for tests. */
    Channel channel() {
        return channel;
    }

    /** Abandon the call: the connection is closed, so the vendor sees the client leave. */
    public void cancel() {
        if (!done) {
            stop();
        }
    }

    private void stop() {
        done = true;
        cancelTimers();
        releaseRequest();
        detachAndClose();
    }

    private void onClosed(Throwable cause) {
        if (done) {
            return;
        }
        if (head == null && request != null) {
            if (unpromised) {
                writeFailed(cause); // the request was not known to be written
                return;
            }
            if (cause == null && !staleRetried) {
                return; // the write listener decides (stale connection retry)
            }
        }
        String why = cause == null ? "closed the connection" : "connection failed: " + describe(cause);
        fail(GatewayError.upstreamUnavailable(
                "Provider '" + providerName + "' " + why + (head == null ? " before answering." : " mid-response.")),
                head != null);
    }

    private void timeout(String what) {
        if (done) {
            return;
        }
        fail(GatewayError.upstreamTimeout("Provider '" + providerName + "' " + what + "."), head != null);
    }

    private void fail(GatewayError error, boolean afterHead) {
        if (done) {
            return;
        }
        stop();
        listener.onFailure(error, afterHead);
    }

    private void detachAndClose() {
        Channel ch = channel;
        if (ch != null) {
            channel = null;
            UpstreamHandler h = handler;
            handler = null;
            if (h != null) {
                h.detach();
            }
            ch.close();
            pool.release(ch);
        }
    }

    private void releaseRequest() {
        if (request != null) {
            ReferenceCounted r = request;
            request = null;
            if (r.refCnt() > 0) {
                r.release();
            }
        }
    }

    /**
     * The first-byte, idle-between-chunks and total timeouts share one entry per call in the
     * origin's {@link Deadlines} (one timer for all its calls), linked when the call starts and
     * unlinked when it ends: no scheduled task per request, and nothing per chunk. Each deadline
     * lies no earlier than its duration after the moment the entry is linked (the first byte is
     * awaited from the write, which follows the start; the idle window from the last piece), so the
     * entry is due after the shortest configured duration from now; when it comes due the call
     * checks the real deadlines ({@link #watch}), times out on one that passed, and otherwise links
     * itself again for the nearest one still ahead.
     */
    private void armWatch(long now) {
        long next = Long.MAX_VALUE;
        if (timeouts.total() != null) {
            next = Math.min(next, startNanos + timeouts.total().toNanos());
        }
        if (head == null && timeouts.firstByte() != null) {
            next = Math.min(next, (writtenNanos != 0 ? writtenNanos : now) + timeouts.firstByte().toNanos());
        }
        if (timeouts.idleBetweenChunks() != null) {
            next = Math.min(next, (head != null ? lastActivityNanos : now) + timeouts.idleBetweenChunks().toNanos());
        }
        if (next != Long.MAX_VALUE) {
            deadlines.add(this, next);
        }
    }

    /** Its entry in {@link #deadlines} came due (and was unlinked) at {@code now}. */
    void watch(long now) {
        if (done) {
            return;
        }
        if (timeouts.total() != null && now - startNanos >= timeouts.total().toNanos()) {
            timeout("did not complete within " + fmt(timeouts.total()));
        } else if (head == null && writtenNanos != 0 && timeouts.firstByte() != null
                && now - writtenNanos >= timeouts.firstByte().toNanos()) {
            timeout("sent no response within " + fmt(timeouts.firstByte()));
        } else if (head != null && timeouts.idleBetweenChunks() != null
                && now - lastActivityNanos >= timeouts.idleBetweenChunks().toNanos()) {
            timeout("stalled for " + fmt(timeouts.idleBetweenChunks()) + " between response chunks");
        } else {
            armWatch(now);
        }
    }

    private void cancelTimers() {
        deadlines.remove(this);
    }

    private static String fmt(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "unknown error";
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}

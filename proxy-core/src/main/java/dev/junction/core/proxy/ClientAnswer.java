package dev.junction.core.proxy;

import dev.junction.core.cache.CacheEntry;
import dev.junction.core.cache.CacheRecording;
import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.EncodedStream;
import dev.junction.core.http.HeadWriter;
import dev.junction.core.http.HttpResponses;
import dev.junction.stream.SseFrames;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * What the client of a {@link ChatExchange} is sent: a unary answer (in wire form,
 * {@link EncodedResponse}, when every header value allows, else through the header map), or a
 * stream — its {@code 200} head (once), its frames gathered per event-loop round in a
 * {@link StreamBatch} and flushed when the round's I/O is done, the {@code : keepalive} comments
 * while it waits, and its last chunk — with the request's answer headers on either. It records
 * what it sends for the response cache, and says when the answer is complete or the client has
 * gone ({@link #finished}).
 *
 * <p>It does not decide what is sent: which attempt wins, retries, failover, hedging, the
 * deadline, the error to answer and accounting are the exchange's. When the last message goes it
 * stops the exchange's timers, and once it is written it hands the end of the request back to the
 * exchange ({@code ChatExchange.done}).
 * Confined to the client's event loop.
 */
final class ClientAnswer {

    private final ChatExchange x;
    private final Channel client;
    private final RequestContext rc;
    private final boolean keepAlive;
    /** Interval of {@code : keepalive} comments on a waiting stream, 0 for none. */
    private final long keepaliveNanos;

    /** The answer is written (or its last message is on its way), or the client has gone. */
    private boolean finished;
    private boolean headSent;
    /** The stream's frames not yet written (made with the head), or null. */
    private StreamBatch frames;
    private boolean flushScheduled;
    private long lastWriteNanos;
    private ScheduledFuture<?> keepaliveTimer;
    /** The answer being recorded for the response cache (a miss that stores), or null. */
    private CacheRecording recording;
    /** The usage of the served attempt, for the recording. */
    private Usage servedUsage;
    /** A cache hit being replayed: what served the answer originally (x-junction-provider / -model). */
    private CacheEntry replayed;

    ClientAnswer(ChatExchange x, Channel client, RequestContext rc, boolean keepAlive, long keepaliveNanos) {
        this.x = x;
        this.client = client;
        this.rc = rc;
        this.keepAlive = keepAlive;
        this.keepaliveNanos = keepaliveNanos;
    }

    /** True once the answer is written or the client has gone. */
    boolean finished() {
        return finished;
    }

    /** Whether a stream's head went out: an error now ends the stream in-band. */
    boolean headSent() {
        return headSent;
    }

    void record(CacheRecording r) {
        this.recording = r;
    }

    void replaying(CacheEntry entry) {
        this.replayed = entry;
    }

    void served(Usage u) {
        this.servedUsage = u;
    }

    /** The answer will not be stored (an error, a cut or cancelled stream). */
    void dropRecording() {
        if (recording != null) {
            recording.abandon();
            recording = null;
        }
    }

    // ---- stream ---------------------------------------------------------------------------------

    /** Starts the {@code : keepalive} comments of a stream (when configured). */
    void startKeepalive() {
        if (keepaliveNanos > 0) {
            lastWriteNanos = System.nanoTime(); // read only by the keepalive ticks
            keepaliveTimer = client.eventLoop().schedule(this::keepaliveTick, keepaliveNanos, TimeUnit.NANOSECONDS);
        }
    }

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

    private void stopKeepalive() {
        if (keepaliveTimer != null) {
            keepaliveTimer.cancel(false);
            keepaliveTimer = null;
        }
    }

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
        frames = new StreamBatch(client, wire != null);
        if (wire != null) {
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
     * stream's first event leaves as soon as the read that carried it has been handled. With
     * {@code end} the stream's last message goes out and the request ends.
     */
    void write(List<ByteBuf> out, boolean end) {
        boolean first = !headSent;
        sendHead();
        StreamBatch batch = frames;
        rc.streamFrames += out.size();
        for (int i = 0, n = out.size(); i < n; i++) {
            ByteBuf f = out.get(i);
            if (batch.isLent(f)) {
                // The batch, back with more frames after its earlier bytes: only those are new.
                int mark = batch.takeBack();
                rc.streamFrames--;
                if (recording != null) {
                    recording.frame(f.slice(mark, f.writerIndex() - mark));
                }
                continue;
            } else if (recording != null) {
                recording.frame(f);
            }
            batch.append(f);
        }
        out.clear();
        if (end) {
            ending();
            if (recording != null) {
                // Only a stream that ended well gets here with its recording: every failure drops it first.
                recording.complete(rc.provider, rc.upstreamModel, servedUsage);
                recording = null;
            }
            writeLastAndEnd(batch.last());
        } else if (!flushScheduled && (first || batch.readable())) {
            flushScheduled = true;
            try {
                client.eventLoop().execute(this::flushBatch);
            } catch (RejectedExecutionException e) {
                flushBatch(); // the loop is shutting down: write now rather than hold the frames
            }
        }
    }

    /**
     * The stream's unsent batch, lent to the winning attempt's stream processor for one piece
     * ({@link StreamBatch#lend}); null when there is none (no head yet, or nothing waits outside
     * wire form). It comes back through {@link #write} or {@link #returnBatch}.
     */
    ByteBuf lendBatch() {
        StreamBatch b = frames;
        return b == null ? null : b.lend();
    }

    /** Takes a lent batch back unsent-to: whatever was written after lending is dropped. */
    void returnBatch(ByteBuf b) {
        frames.giveBack(b); // only a stream with a head has lent one
    }

    /** Runs after the event loop's current I/O round: the frames appended during it leave together. */
    private void flushBatch() {
        flushScheduled = false;
        if (finished) {
            return; // the stream's end was written and flushed in this round (a burst)
        }
        frames.write();
        client.flush(); // the batch, or the head alone
        if (keepaliveTimer != null) {
            lastWriteNanos = System.nanoTime();
        }
    }

    /** The client went away: nothing more is written; what waits is released, nothing is recorded. */
    void cancel() {
        finished = true;
        dropRecording(); // a cancelled stream is never cached
        stopKeepalive();
        if (frames != null) {
            frames.release();
        }
    }

    // ---- unary ----------------------------------------------------------------------------------

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

    /** Answers {@code r} (taking ownership of it), decorated with the request's headers. */
    void finishWith(FullHttpResponse r, int status) {
        finishWith(r, status, true);
    }

    private void finishWith(FullHttpResponse r, int status, boolean decorate) {
        ending();
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

    /** The answer's last message is about to be written: nothing else will be. */
    private void ending() {
        finished = true;
        stopKeepalive();
        x.cancelTimers();
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
            x.done(true);
        } else {
            client.writeAndFlush(last).addListener(f -> x.done(false));
        }
    }

    // ---- headers --------------------------------------------------------------------------------

    /**
     * The request's answer headers, in this order: request id, provider and model (or those of the
     * replayed cache entry), cache, attempts, warnings, Server-Timing, the key's rate-limit headers,
     * cost. Into an answer in wire form, or through {@link MapHead} into a header map: the same
     * headers, in the same order. The rate-limit headers are written by their own code into a header
     * map, so a wire-form answer that has them falls back to one.
     */
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
        b.header(HttpResponses.X_ATTEMPTS, HttpResponses.count(x.attempts()));
        if (!rc.warnings.isEmpty()) {
            b.header(HttpResponses.X_WARNINGS, String.join("; ", rc.warnings));
        }
        rc.serverTiming(b, withTotal, withTotal ? rc.end() : 0);
        if (rc.admission != null && rc.admission.headers() != null) {
            if (b instanceof MapHead m) {
                rc.admission.headers().writeTo(m.headers());
            } else {
                b.refuse();
            }
        }
        // Answers priced without token usage (images made by Imagen: per image only) carry their cost too.
        if (withTotal && rc.status == 200 && (rc.promptTokens >= 0 || rc.costUsd > 0)) {
            if (b instanceof EncodedResponse.Builder e) {
                e.usd(HttpResponses.X_COST, rc.costUsd);
            } else {
                b.header(HttpResponses.X_COST, HttpResponses.usd(rc.costUsd));
            }
        }
    }

    private void decorate(HttpHeaders h, boolean withTotal) {
        decorate(new MapHead(h), withTotal);
    }

    /** A header map as a {@link HeadWriter}: each header set (replacing any of the same name). */
    private record MapHead(HttpHeaders headers) implements HeadWriter {
        @Override
        public HeadWriter header(AsciiString name, CharSequence value) {
            headers.set(name, value);
            return this;
        }

        @Override
        public HeadWriter refuse() {
            return this; // a header map carries every header
        }
    }
}

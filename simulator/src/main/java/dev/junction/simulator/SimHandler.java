package dev.junction.simulator;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The simulator's only application handler, one instance per connection, placed after
 * {@code HttpServerCodec} and {@code HttpObjectAggregator}. It answers one request at a time
 * (pipelined requests wait in order), applies the scripted latency and paces stream frames with
 * {@code eventLoop().schedule}, never sleeping. All state is confined to the channel's event loop.
 */
final class SimHandler extends ChannelInboundHandlerAdapter {

    private final VendorSimulator sim;
    private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean keepAlive;
    private boolean http10;
    private ScheduledFuture<?> timer;
    /** The stream being written, or null. */
    private Answer.Streamed stream;
    private int next;
    private boolean paceDue;
    private boolean waitingWritable;
    /** An answer is being prepared or written and has not ended yet. */
    private boolean inFlight;

    SimHandler(VendorSimulator sim) {
        this.sim = sim;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        sim.connectionOpened();
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        sim.connectionClosed();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (inFlight) {
            // The client went away before the answer's end: exactly what a gateway does when its own
            // client disconnects, and what the cancellation tests look for.
            inFlight = false;
            sim.requestCancelled();
        }
        if (stream != null) {
            stream = null;
            sim.streamEnded(true);
        }
        FullHttpRequest req;
        while ((req = pending.poll()) != null) {
            req.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            pending.add(req);
            return;
        }
        process(req);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (waitingWritable && ctx.channel().isWritable()) {
            waitingWritable = false;
            pump();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void process(FullHttpRequest req) {
        busy = true;
        Answer answer;
        try {
            keepAlive = HttpUtil.isKeepAlive(req);
            http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
            String body = req.content().toString(StandardCharsets.UTF_8);
            HttpHeaders headers = req.headers().copy();
            sim.record(req.method().name(), req.uri(), headers, body);
            answer = sim.route(new Exchange(req.method().name(), req.uri(), headers, body,
                    req.content().readableBytes()));
        } catch (RuntimeException e) {
            answer = Answer.Unary.json(500, Map.of(), ("{\"error\":{\"message\":\"simulator failure: "
                    + e.getClass().getSimpleName() + "\"}}").getBytes(StandardCharsets.UTF_8), 0);
        } finally {
            req.release();
        }
        Answer a = answer;
        inFlight = true;
        if (a instanceof Answer.Streamed s) {
            // A stream counts as active from its request on, so a client that leaves during the
            // latency before the first byte is counted as a cancelled stream too.
            stream = s;
            next = 0;
            paceDue = false;
            sim.streamStarted();
        }
        if (a.latencyNanos() > 0) {
            timer = ctx.executor().schedule(() -> {
                timer = null;
                respond(a);
            }, a.latencyNanos(), TimeUnit.NANOSECONDS);
        } else {
            respond(a);
        }
    }

    private void respond(Answer answer) {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (answer instanceof Answer.Silence silence) {
            if (silence.close()) {
                inFlight = false;
                ctx.close();
            }
            // Otherwise the request stays unanswered (inFlight) until the client leaves.
            return;
        }
        if (answer instanceof Answer.Unary u) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(u.status()),
                    Unpooled.wrappedBuffer(u.body()));
            HttpHeaders h = res.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, u.contentType());
            u.headers().forEach(h::set);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, u.body().length);
            keepAliveHeader(h);
            inFlight = false;
            ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> done());
        } else if (answer instanceof Answer.Streamed s) {
            HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpHeaders h = res.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            s.headers().forEach(h::set);
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            keepAliveHeader(h);
            ctx.write(res);
            pump();
        }
    }

    /** Writes frames until the stream ends, a fault fires, or a paced frame must wait for its turn. */
    private void pump() {
        Answer.Streamed s = stream;
        if (s == null || !ctx.channel().isActive()) {
            return;
        }
        while (true) {
            if (next == s.cutAfter()) {
                stream = null;
                inFlight = false;
                sim.streamEnded(false);
                ctx.flush();
                ctx.close();
                return;
            }
            if (next == s.stallAfter()) {
                // Keeps the stream registered: only the client can end it now (counted as cancelled).
                ctx.flush();
                return;
            }
            if (next == s.errorAfter()) {
                ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(s.errorFrame())));
                finishStream();
                return;
            }
            if (next >= s.frames().size()) {
                if (s.terminator() != null) {
                    ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(s.terminator())));
                }
                finishStream();
                return;
            }
            Answer.Frame frame = s.frames().get(next);
            if (frame.paced() && s.intervalNanos() > 0 && !paceDue) {
                ctx.flush();
                timer = ctx.executor().schedule(() -> {
                    timer = null;
                    paceDue = true;
                    pump();
                }, s.intervalNanos(), TimeUnit.NANOSECONDS);
                return;
            }
            if (!ctx.channel().isWritable()) {
                // A slow reader: stop here and resume from channelWritabilityChanged, so a load run
                // with many slow streams does not pile frames up in the outbound buffer.
                ctx.flush();
                if (!ctx.channel().isWritable()) {
                    waitingWritable = true;
                    return;
                }
            }
            paceDue = false;
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(frame.bytes())));
            next++;
        }
    }

    private void finishStream() {
        stream = null;
        inFlight = false;
        sim.streamEnded(false);
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) f -> done());
    }

    private void keepAliveHeader(HttpHeaders h) {
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            // An HTTP/1.0 client (e.g. ab -k) keeps the connection only when told so explicitly.
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    /** One exchange is complete: close if the client asked, else serve the next pipelined request. */
    private void done() {
        if (!keepAlive) {
            ctx.close();
            return;
        }
        busy = false;
        FullHttpRequest nextReq = pending.poll();
        if (nextReq != null && ctx.channel().isActive()) {
            process(nextReq);
        } else if (nextReq != null) {
            nextReq.release();
        }
    }
}

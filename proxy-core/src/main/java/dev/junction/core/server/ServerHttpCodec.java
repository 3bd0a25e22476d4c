package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import dev.junction.core.http.EncodedStream;
import dev.junction.core.http.HttpResponses;
import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client connection's HTTP/1.1 codec, in one handler: Netty's request decoder and response
 * encoder, with what Netty's {@code HttpServerCodec} adds to them — each answer is matched with its
 * request's method (no body in the answer to a {@code HEAD}; no {@code Transfer-Encoding} in a
 * {@code 2xx} to a {@code CONNECT}), at most {@value #MAX_PIPELINE_DEPTH} requests are waiting for
 * their answers, and a request that came with both {@code Transfer-Encoding: chunked} and
 * {@code Content-Length} has its connection closed after its answer — and what Netty's
 * {@code HttpServerKeepAliveHandler} did behind it ({@link ServerKeepAlive}). Plus one thing
 * neither can do: an
 * {@link EncodedResponse} (an answer already in wire form) is written as its bytes, after taking its
 * request's method off the queue like any answer, instead of being encoded from a header map;
 * the same for a streamed answer in wire form ({@link EncodedStream}: its head, chunks and end).
 *
 * <p>A read that is exactly one whole request in the plain form {@link WholeRequest} vouches for
 * (the common case) is handed on as one {@link FullHttpRequest} without passing Netty's decoder
 * machinery. Anything else goes through Netty's decoder; the first time a connection needs that,
 * the codec puts a {@link BodyLimitAggregator} right behind itself (when made {@link #forGateway
 * for the gateway}), which from then on gathers bodies that come in parts (chunked, spanning reads,
 * {@code 100-continue}) and refuses oversized ones. A connection whose requests all arrive whole
 * never has one: its requests cross no pipeline hop between this codec and {@link GatewayHandler}
 * (keep-alive bookkeeping and aggregation were two handlers of their own, and each request and
 * answer paid a hop and a look through each).
 *
 * <p>Also cuts off slow clients (SPEC §9): a request must arrive whole — request line, headers and
 * body — within {@code junction.server.request-read-timeout} of its first byte, or the client gets
 * a 408 and the connection is closed. The clock starts at the first byte, not when the headers are
 * decoded, so a request line or header block trickled a byte at a time (slowloris) is cut off like
 * a slow body; and it is one deadline, not an idle timer that every byte resets. This was a
 * handler of its own right after the codec; it is kept here because the codec already sees every
 * read (and what it made of it) and every answer written, so the deadline costs no pipeline hop and
 * no second look at each message in each direction. Any read that does not end exactly at the end
 * of a request leaves a request under way; most requests arrive in one read and never pay for a
 * timer. While an answer is owed (a request read whole and not answered yet, or an answer being
 * written) the gateway, not the client, is the one late: a deadline that passes then is restarted.
 *
 * <p>Sits where {@code HttpServerCodec} would, right after the socket-level handlers.
 */
final class ServerHttpCodec extends HttpRequestDecoder implements ChannelOutboundHandler {

    /** Netty's {@code HttpServerCodec} default. */
    static final int MAX_PIPELINE_DEPTH = 128;

    /** Whether each request waiting for its answer was a HEAD or a CONNECT, in arrival order. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
    private boolean closeAfterResponse;

    /** {@code junction.server.request-read-timeout}; null: no read deadline (tests of the codec alone). */
    private final Duration readTimeout;
    private ScheduledFuture<?> readTimer;
    /** The last message of the current read was the end of a request (or nothing was decoded yet). */
    private boolean endedAtRequestEnd;
    /** Requests read whole and not answered yet (the connection keeps reading while one is in flight). */
    private int owed;
    /** The URI of the request under way once its head is decoded: its door's error shape. */
    private String uri;
    /** The read deadline was given up for good ({@link #stopReadTimeout}). */
    private boolean readTimeoutStopped;
    private final Encoder encoder;

    private final int maxInitialLine;
    private final int maxHeaderBytes;
    private final long maxBody;
    /** Put a {@link BodyLimitAggregator} behind this codec when Netty's decoder first has a request. */
    private final boolean aggregate;
    private boolean aggregating;
    private boolean discard;
    /**
     * Netty's decoder has the request under way: from the moment {@link WholeRequest} left a
     * request to it until it passed on that request's well-formed end (it is then back where
     * a request starts; after a malformed one it discards the rest and this stays set).
     */
    private boolean netty;

    private final ServerKeepAlive keepAlive = new ServerKeepAlive();

    ServerHttpCodec(HttpDecoderConfig config) {
        this(config, Integer.MAX_VALUE);
    }

    /** {@code maxBody}: the body limit enforced after the codec (a longer body is left to Netty's decoder). */
    ServerHttpCodec(HttpDecoderConfig config, long maxBody) {
        this(config, maxBody, null);
    }

    /** {@code readTimeout}: {@code junction.server.request-read-timeout}. */
    ServerHttpCodec(HttpDecoderConfig config, long maxBody, Duration readTimeout) {
        this(config, maxBody, readTimeout, false);
    }

    private ServerHttpCodec(HttpDecoderConfig config, long maxBody, Duration readTimeout, boolean aggregate) {
        super(config);
        this.readTimeout = readTimeout;
        this.encoder = new Encoder();
        this.maxInitialLine = config.getMaxInitialLineLength();
        this.maxHeaderBytes = config.getMaxHeaderSize();
        this.maxBody = maxBody;
        this.aggregate = aggregate;
    }

    /**
     * The gateway's codec: hands on whole requests only, with bodies up to {@code maxBody} bytes
     * (a {@link BodyLimitAggregator} is added behind it when a request comes in parts).
     */
    static ServerHttpCodec forGateway(HttpDecoderConfig config, int maxBody, Duration readTimeout) {
        return new ServerHttpCodec(config, maxBody, readTimeout, true);
    }

    /**
     * Gives up the read deadline for good: the connection is being drained and closed after an
     * early answer ({@link BodyDrain}), and no 408 may follow that answer.
     */
    void stopReadTimeout() {
        readTimeoutStopped = true;
        cancelReadTimer();
    }

    /**
     * The next answer is an early one that {@link BodyDrain} follows with a lingering close: from
     * now on no answer makes this codec close the connection for keep-alive's sake.
     */
    void lingerAfterAnswer() {
        keepAlive.linger();
    }

    /** A request message left the decoder: a head names its door; an end settles the read deadline. */
    private void decoded(Object msg) {
        if (msg instanceof HttpRequest head) {
            uri = head.uri();
        }
        if (msg instanceof LastHttpContent) {
            owed++;
            endedAtRequestEnd = true;
            uri = null;
            cancelReadTimer();
        } else {
            endedAtRequestEnd = false;
        }
    }

    /** An answer was written whole (its last part): one request less is owed an answer. */
    private void answered() {
        if (owed > 0) {
            owed--;
        }
    }

    private void armReadTimer(ChannelHandlerContext ctx) {
        readTimer = ctx.executor().schedule(() -> expire(ctx), readTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelReadTimer() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        readTimer = null;
        if (readTimeoutStopped) {
            return;
        }
        if (encoder.inAnswer || owed > 0) {
            // A pipelined request waits behind an answer not yet written or still being written: a
            // 408 now would come before or cut into that answer. Start again.
            armReadTimer(ctx);
            return;
        }
        GatewayError e = GatewayError.fatal(408, "invalid_request_error", "request_timeout", null,
                "The request was not received within " + readTimeout.toMillis()
                        + " ms of its first byte (junction.server.request-read-timeout); the connection is closed.");
        // In the door's error shape when the head arrived (a body trickled to /v1/messages is
        // answered in Anthropic's shape); a head not received yet names no door: OpenAI's.
        FullHttpResponse r = HttpResponses.error(e, null, DoorErrors.forUri(uri));
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // From the pipeline's end, so that the answer passes this codec's encoder.
        ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    // ---- inbound ----------------------------------------------------------------------------------

    /**
     * A read that is exactly one whole request, with nothing held from earlier reads, is handed on
     * at once; any other read goes the decoder's way ({@link #decode}), which reads whole requests
     * the same way and leaves the rest to Netty's decoder.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf in && !netty && !discard && !internalBuffer().isReadable()) {
            int start = in.readerIndex();
            FullHttpRequest whole = WholeRequest.read(in, maxInitialLine, maxHeaderBytes, maxBody);
            if (whole != null) {
                if (!in.isReadable() && methods.size() < MAX_PIPELINE_DEPTH) {
                    in.release();
                    methods.add(flag(whole.method()));
                    keepAlive.request(whole);
                    if (readTimeout != null) {
                        decoded(whole);
                    }
                    ctx.fireChannelRead(whole);
                    return;
                }
                // More follows (pipelined), or too many are waiting: the decoder's way, from the start.
                whole.release();
                in.readerIndex(start);
            }
        }
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (discard) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        int before = out.size();
        FullHttpRequest whole = netty ? null : WholeRequest.read(buffer, maxInitialLine, maxHeaderBytes, maxBody);
        if (whole != null) {
            out.add(whole);
        } else {
            netty = true;
            if (aggregate && !aggregating) {
                // From now on parts reach the aggregator, right behind this codec, before the gateway.
                aggregating = true;
                ctx.pipeline().addAfter(ctx.name(), "aggregate", new BodyLimitAggregator((int) Math.min(Integer.MAX_VALUE, maxBody)));
            }
            super.decode(ctx, buffer, out);
            if (out.size() > before && out.get(out.size() - 1) instanceof LastHttpContent last
                    && last.decoderResult().isSuccess()) {
                netty = false;
            }
        }
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof HttpRequest r) {
                if (methods.size() >= MAX_PIPELINE_DEPTH) {
                    // As HttpServerCodec: stop decoding, drop what this read produced, and fail.
                    closeAfterResponse = true;
                    discard = true;
                    for (int j = before; j < out.size(); j++) {
                        ReferenceCountUtil.release(out.get(j));
                    }
                    out.clear();
                    throw new IllegalStateException("maxPipelineDepth exceeded: " + MAX_PIPELINE_DEPTH);
                }
                methods.add(flag(r.method()));
                keepAlive.request(r);
            }
        }
        if (readTimeout != null) {
            for (int i = before; i < out.size(); i++) {
                decoded(out.get(i));
            }
        }
    }

    /**
     * Bytes arrived. Unless they ended exactly at the end of a request, a request is under way:
     * its deadline starts now if it has not started yet. That includes the first bytes of a
     * request read together with the end of the one before it (left in the buffer, or held by
     * Netty's decoder): its clock starts at its first byte too.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (readTimeout != null && !readTimeoutStopped && readTimer == null
                && (!endedAtRequestEnd || netty || internalBuffer().isReadable())) {
            armReadTimer(ctx);
        }
        endedAtRequestEnd = false;
        super.channelReadComplete(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelReadTimer();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
        cancelReadTimer();
        super.handlerRemoved0(ctx);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        super.handleTransferEncodingChunkedWithContentLength(message);
        closeAfterResponse = true;
    }

    // ---- outbound ---------------------------------------------------------------------------------

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (keepAlive.closesAfter(msg)) {
            promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
        }
        encoder.write(ctx, msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
                        ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    /** HEAD, CONNECT, or GET standing for every other method (only the first two change an answer). */
    private static HttpMethod flag(HttpMethod m) {
        if (HttpMethod.HEAD.equals(m)) {
            return HttpMethod.HEAD;
        }
        return HttpMethod.CONNECT.equals(m) ? HttpMethod.CONNECT : HttpMethod.GET;
    }

    /** The response encoder, called with this codec's context (it is not a handler of its own). */
    private final class Encoder extends HttpResponseEncoder {

        private HttpMethod method = HttpMethod.GET;
        /** A head was written whose last content was not yet: the encoder is inside an answer. */
        private boolean inAnswer;
        /** The answer being written is a stream in wire form; {@link #headOnly}: it answers a HEAD. */
        private boolean wireStream;
        private boolean headOnly;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (closeAfterResponse && msg instanceof LastHttpContent) {
                closeAfterResponse = false;
                promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
            }
            if (msg instanceof EncodedResponse e) {
                writeEncoded(ctx, e, promise);
                return;
            }
            if (msg instanceof EncodedStream.Head h) {
                writeStreamHead(ctx, h, promise);
                return;
            }
            if (msg instanceof EncodedStream.Chunk || msg instanceof EncodedStream.Last) {
                writeStreamPart(ctx, (HttpContent) msg, promise);
                return;
            }
            if (msg instanceof HttpResponse r && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                inAnswer = !(msg instanceof LastHttpContent);
                if (!inAnswer) {
                    answered();
                }
            } else if (msg instanceof LastHttpContent && inAnswer) {
                inAnswer = false;
                answered();
            }
            super.write(ctx, msg, promise);
        }

        private void writeEncoded(ChannelHandlerContext ctx, EncodedResponse e, ChannelPromise promise) {
            if (inAnswer) {
                e.release();
                throw new IllegalStateException("a whole answer was written inside another one");
            }
            method = methods.isEmpty() ? HttpMethod.GET : methods.poll();
            answered();
            ByteBuf wire = e.wire();
            if (method == HttpMethod.HEAD) {
                // The answer to a HEAD is the head alone, with the length the body would have had.
                ByteBuf head = wire.retainedSlice(wire.readerIndex(), e.headLength());
                e.release();
                ctx.write(head, promise);
            } else {
                ctx.write(wire, promise); // the answer's one reference, handed on
            }
        }

        private void writeStreamHead(ChannelHandlerContext ctx, EncodedStream.Head h, ChannelPromise promise) {
            if (inAnswer) {
                h.release();
                throw new IllegalStateException("a stream head was written inside another answer");
            }
            method = methods.isEmpty() ? HttpMethod.GET : methods.poll();
            inAnswer = true;
            wireStream = true;
            headOnly = method == HttpMethod.HEAD;
            ctx.write(h.wire(), promise); // the head's one reference, handed on
        }

        /** A chunk or the end of a stream in wire form: its bytes, or none in the answer to a HEAD. */
        private void writeStreamPart(ChannelHandlerContext ctx, HttpContent part, ChannelPromise promise) {
            if (!wireStream) {
                part.release();
                throw new IllegalStateException("a chunk in wire form outside a stream in wire form");
            }
            if (part instanceof LastHttpContent) {
                inAnswer = false;
                wireStream = false;
                answered();
            }
            if (headOnly) {
                part.release();
                ctx.write(Unpooled.EMPTY_BUFFER, promise);
            } else {
                ctx.write(part.content(), promise); // the part's one reference, handed on
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                // An interim 1xx answer does not answer the request: its method stays queued.
                method = methods.isEmpty() ? HttpMethod.GET : methods.poll();
            }
            return method == HttpMethod.HEAD || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && method == HttpMethod.CONNECT && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                // RFC 9110 §9.3.6: a 2xx to CONNECT has no body framing of its own.
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}

package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.media.MediaStore;
import dev.junction.core.proxy.RequestContext;
import dev.junction.stream.GatewayError;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Serves a stored media file (SPEC §6.2): {@code Content-Type}, {@code Content-Length},
 * {@code ETag}, {@code Accept-Ranges: bytes}; one {@code Range: bytes=a-b | a- | -n} answers
 * {@code 206} with {@code Content-Range}, an unsatisfiable one {@code 416} with
 * {@code Content-Range: bytes *}{@code /size}; several ranges, or an {@code If-Range} that does not
 * match, get the whole file ({@code 200}, as RFC 9110 §14.2 permits); {@code If-None-Match} with
 * the ETag answers {@code 304}. The bytes go by zero-copy file transfer ({@link DefaultFileRegion},
 * sendfile) on a plain connection and as chunks read from the file on a TLS one, where the kernel
 * cannot encrypt. The file is opened on the media store's thread, never on the event loop.
 */
final class MediaResponder {

    /** A byte range [first, last], both inclusive. */
    record Span(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    /** The single range asked for; null for the whole file; {@link #UNSATISFIABLE} when none fits. */
    static final Span UNSATISFIABLE = new Span(-1, -2);

    private MediaResponder() {
    }

    static Span range(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
            return null; // another unit, or several ranges: the whole file
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new Span(Math.max(0, size - suffix), size - 1);
            }
            long first = Long.parseLong(a);
            Long last = b.isEmpty() ? null : Long.parseLong(b);
            if (first < 0 || (last != null && last < first)) {
                return null; // syntactically invalid: ignored (RFC 9110 §14.2)
            }
            if (first >= size) {
                return UNSATISFIABLE;
            }
            if (last == null) {
                last = size - 1;
            }
            return new Span(first, Math.min(last, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Looks {@code id} up and answers it; {@code notFound} is the error for an unknown id.
     * Completes through {@code done} like every other answer.
     */
    static void serve(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                      MediaStore store, String id, HttpHeaders request, boolean headOnly, GatewayError notFound) {
        store.executor().execute(() -> {
            MediaStore.Item item = store.find(id);
            FileChannel file = null;
            if (item != null) {
                try {
                    file = FileChannel.open(item.file(), StandardOpenOption.READ);
                } catch (IOException e) {
                    item = null;
                }
            }
            MediaStore.Item found = item;
            FileChannel fc = file;
            ctx.executor().execute(() -> {
                if (found == null) {
                    error(ctx, rc, keepAlive, done, notFound);
                    return;
                }
                answer(ctx, rc, keepAlive, done, found, fc, request, headOnly);
            });
        });
    }

    private static void answer(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                               MediaStore.Item item, FileChannel file, HttpHeaders request, boolean headOnly) {
        long size = item.size();
        String inm = request.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null && (inm.trim().equals("*") || inm.contains(item.etag()))) {
            close(file);
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
            r.headers().set(HttpHeaderNames.ETAG, item.etag());
            finish(ctx, rc, keepAlive, done, r, null, 0, 0);
            return;
        }
        String ifRange = request.get(HttpHeaderNames.IF_RANGE);
        Span span = ifRange != null && !ifRange.trim().equals(item.etag()) ? null
                : range(request.get(HttpHeaderNames.RANGE), size);
        HttpResponse r;
        if (span == UNSATISFIABLE) {
            close(file);
            FullHttpResponse e = HttpResponses.error(GatewayError.fatal(416, "invalid_request_error", "range_not_satisfiable",
                    "Range", "The range '" + request.get(HttpHeaderNames.RANGE) + "' is outside the file of " + size
                            + " bytes."), rc.requestId);
            e.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
            e.headers().set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
            rc.errorCode = "range_not_satisfiable";
            finishFull(ctx, rc, keepAlive, done, e);
            return;
        }
        long first = span == null ? 0 : span.first();
        long length = span == null ? size : span.length();
        r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, span == null ? HttpResponseStatus.OK : HttpResponseStatus.PARTIAL_CONTENT);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, item.mimeType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        h.set(HttpHeaderNames.ETAG, item.etag());
        long maxAge = Math.max(0, item.expiresAt() - System.currentTimeMillis() / 1000);
        h.set(HttpHeaderNames.CACHE_CONTROL, "private, max-age=" + maxAge);
        if (span != null) {
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + span.first() + "-" + span.last() + "/" + size);
        }
        if (headOnly) {
            close(file);
            finish(ctx, rc, keepAlive, done, r, null, 0, 0);
            return;
        }
        finish(ctx, rc, keepAlive, done, r, file, first, length);
    }

    private static void finish(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                               HttpResponse head, FileChannel file, long first, long length) {
        rc.status = head.status().code();
        head.headers().set(HttpResponses.X_REQUEST_ID, rc.requestId);
        HttpUtil.setKeepAlive(head, keepAlive);
        if (file == null) {
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, head.headers().get(HttpHeaderNames.CONTENT_LENGTH, "0"));
            ctx.write(head);
            end(ctx, rc, keepAlive, done, ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
            return;
        }
        ctx.write(head);
        ChannelFuture last;
        if (ctx.pipeline().get(SslHandler.class) == null) {
            ctx.write(new DefaultFileRegion(file, first, length));
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
                ctx.pipeline().addBefore(ctx.name(), "chunked-write", new ChunkedWriteHandler());
            }
            try {
                last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file, first, length, 64 * 1024)));
            } catch (IOException e) {
                close(file);
                ctx.close();
                return;
            }
        }
        end(ctx, rc, keepAlive, done, last);
    }

    private static void end(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                            ChannelFuture last) {
        last.addListener(f -> {
            done.done(ctx, rc);
            if (!keepAlive || !f.isSuccess()) {
                ctx.close();
            }
        });
    }

    private static void finishFull(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                                   FullHttpResponse r) {
        rc.status = r.status().code();
        r.headers().set(HttpResponses.X_REQUEST_ID, rc.requestId);
        HttpUtil.setKeepAlive(r, keepAlive);
        end(ctx, rc, keepAlive, done, ctx.writeAndFlush(r));
    }

    private static void error(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Endpoints.Done done,
                              GatewayError e) {
        rc.errorCode = e.code();
        finishFull(ctx, rc, keepAlive, done, HttpResponses.error(e, rc.requestId));
    }

    private static void close(FileChannel file) {
        try {
            if (file != null) {
                file.close();
            }
        } catch (IOException ignored) {
            // Nothing was read from it; the descriptor is gone either way.
        }
    }
}

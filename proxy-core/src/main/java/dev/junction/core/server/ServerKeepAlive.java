package dev.junction.core.server;

import dev.junction.core.http.EncodedResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * A client connection's keep-alive, kept as Netty's {@code HttpServerKeepAliveHandler} keeps it,
 * for {@link ServerHttpCodec} (which sees every request and answer itself, so no handler of its own
 * is crossed): the connection closes after the answer to a request that did not ask to be kept
 * alive ({@code Connection: close}, or HTTP/1.0 without {@code Connection: keep-alive}), or after
 * an answer that closes or has no length of its own; requests pipelined behind such a request are
 * not answered. One per connection, used on its event loop only.
 */
final class ServerKeepAlive {

    /** Every request so far asked to be kept alive. */
    private boolean persistent = true;
    /** Answers owed to requests read while the connection was persistent. */
    private int pendingResponses;
    /** An early answer is followed by a drain ({@link #linger}): keep-alive closes nothing. */
    private boolean lingering;

    /** From now on no answer closes the connection for keep-alive's sake (an early answer and a drain follow). */
    void linger() {
        lingering = true;
    }

    /** A request was read: one more answer owed while the connection is persistent. */
    void request(HttpRequest r) {
        if (persistent) {
            pendingResponses++;
            persistent = HttpUtil.isKeepAlive(r);
        }
    }

    /**
     * An answer's message {@code msg} is being written: whether the connection closes once it is
     * (the last part of the last answer owed on a connection that is not kept alive).
     */
    boolean closesAfter(Object msg) {
        if (lingering) {
            return false;
        }
        if (msg instanceof HttpResponse r) {
            answer(r);
        }
        return msg instanceof LastHttpContent && pendingResponses == 0 && !persistent;
    }

    /**
     * An answer that closes, or whose length only the close would tell, ends keep-alive; the last
     * answer owed on a connection that is not kept alive says {@code connection: close}.
     */
    private void answer(HttpResponse r) {
        boolean closes;
        if (r instanceof EncodedResponse e) {
            // A 200 with a content-length: whether it closes is known without a header lookup.
            pendingResponses--;
            closes = !e.keepAlive();
        } else {
            boolean informational = r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
            if (!informational) {
                pendingResponses--;
            }
            closes = !HttpUtil.isKeepAlive(r) || !selfDefinedLength(r, informational);
        }
        if (closes) {
            pendingResponses = 0;
            persistent = false;
        }
        if (pendingResponses == 0 && !persistent) {
            HttpUtil.setKeepAlive(r, false);
        }
    }

    /** Whether the client can tell where the answer ends without a close. */
    private static boolean selfDefinedLength(HttpResponse r, boolean informational) {
        if (informational || r.status().code() == HttpResponseStatus.NO_CONTENT.code()) {
            return true;
        }
        HttpHeaders h = r.headers();
        if (h.contains(HttpHeaderNames.CONTENT_LENGTH) || HttpUtil.isTransferEncodingChunked(r)) {
            return true;
        }
        String type = h.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "multipart", 0, "multipart".length());
    }
}

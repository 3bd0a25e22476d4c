package dev.junction.core.upstream;

import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one upstream exchange's events, always on the event loop of the client connection that
 * started it (the upstream channel is borrowed from that loop's pool), so implementations need no
 * locking. After {@link #onHead} and each {@link #onContent}, the listener calls
 * {@link UpstreamCall#requestMore()} when it can take more — at once while the client keeps up, or
 * later (when the client is writable again); a read that ends without that call pauses the upstream
 * until it comes. Reads are paced by the client (house rule 3).
 */
public interface UpstreamListener {

    /**
     * A pooled connection was obtained at {@code nanos} (timing: connect stage; {@link System#nanoTime}:
     * the call's own clock reading, so the listener needs none).
     */
    default void onConnected(boolean reused, long nanos) {
    }

    /** Status line and headers arrived at {@code nanos} (timing: first byte; the call's clock reading). */
    void onHead(HttpResponse head, long nanos);

    /** A piece of the body; the listener owns {@code content} and must release it. */
    void onContent(ByteBuf content, boolean last);

    /**
     * The exchange failed: connect error, timeout ({@code upstream_timeout}), or the connection
     * broke. Called at most once, and never after {@code onContent(.., true)}.
     */
    void onFailure(GatewayError error, boolean afterHead);
}

package dev.junction.core.upstream;

import dev.junction.stream.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The upstream tests' listener: whether the call's connection was reused, the answer's status, and
 * {@link #done} completed with the body's text once the answer ends, or with the call's failure.
 * It releases every piece it is given.
 */
class TextAnswer implements UpstreamListener {

    final CompletableFuture<Object> done = new CompletableFuture<>();
    final StringBuilder text = new StringBuilder();
    volatile Boolean reused;
    volatile int status;

    @Override
    public void onConnected(boolean reused, long nanos) {
        this.reused = reused;
    }

    @Override
    public void onHead(HttpResponse head, long nanos) {
        status = head.status().code();
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        text.append(content.toString(StandardCharsets.UTF_8));
        content.release();
        if (last) {
            done.complete(text.toString());
        }
    }

    @Override
    public void onFailure(GatewayError error, boolean afterHead) {
        done.complete(error);
    }
}

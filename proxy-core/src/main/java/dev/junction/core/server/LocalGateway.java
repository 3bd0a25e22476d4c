package dev.junction.core.server;

import dev.junction.core.tasks.HttpTaskHandler;
import dev.junction.core.tasks.Task;
import dev.junction.core.tasks.TaskRun;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs a task's request through the gateway's own request handling: an HTTP request over loopback
 * to this instance's own listener, from the same event loops — so a task gets exactly the
 * pipeline, limits, routing, translation, retries, metrics and access log of a synchronous
 * request. (Netty's in-VM local transport cannot share the epoll/NIO event loops the upstream
 * pools are bound to, hence a real socket.) The request is the one the client sent, without
 * {@code Prefer}; it is authenticated as the key that created the task by a per-process random
 * token that never leaves the process ({@link #TOKEN_HEADER}). Aborting the run closes the
 * connection, which cancels the upstream call as a client disconnect does.
 */
final class LocalGateway implements HttpTaskHandler.Gateway {

    /** The task's owner (a gateway key name); believed only with the right {@link #TOKEN_HEADER}. */
    static final String OWNER_HEADER = "x-junction-task-owner";
    static final String TASK_HEADER = "x-junction-task-id";
    static final String TOKEN_HEADER = "x-junction-task-token";
    /** Providers the run must keep away from (max-concurrent-tasks); honoured only on task requests. */
    static final String EXCLUDE_HEADER = "x-junction-task-exclude-providers";
    /** Largest answer a task keeps (base64 images are large; anything larger fails the task). */
    private static final int MAX_ANSWER_BYTES = 256 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channel;
    private final InetSocketAddress address;
    private final String token;

    LocalGateway(EventLoopGroup group, Class<? extends SocketChannel> channel, InetSocketAddress address, String token) {
        this.group = group;
        this.channel = channel;
        this.address = address;
        this.token = token;
    }

    @Override
    public CompletionStage<Task.TaskResponse> call(Task task, TaskRun run) {
        CompletableFuture<Task.TaskResponse> answer = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(channel).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec());
                ch.pipeline().addLast(new HttpObjectAggregator(MAX_ANSWER_BYTES));
                ch.pipeline().addLast(new Answer(answer));
            }
        });
        b.connect(address).addListener(cf -> {
            if (!cf.isSuccess()) {
                answer.completeExceptionally(cf.cause());
                return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) cf).channel();
            run.onAbort(ch::close);
            Task.TaskRequest r = task.request();
            DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(r.method()),
                    r.path(), Unpooled.wrappedBuffer(r.body()));
            r.headers().forEach((k, v) -> req.headers().set(k, v));
            req.headers().set(OWNER_HEADER, task.owner());
            req.headers().set(TASK_HEADER, task.id());
            req.headers().set(TOKEN_HEADER, token);
            if (!run.excludedProviders().isEmpty()) {
                req.headers().set(EXCLUDE_HEADER, String.join(",", run.excludedProviders()));
            } else {
                req.headers().remove(EXCLUDE_HEADER);
            }
            req.headers().set(HttpHeaderNames.HOST, address.getHostString() + ":" + address.getPort());
            req.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ch.writeAndFlush(req).addListener(wf -> {
                if (!wf.isSuccess()) {
                    answer.completeExceptionally(wf.cause());
                    ch.close();
                }
            });
        });
        return answer;
    }

    /** Collects the one answer; a channel closed before it fails the call. */
    private static final class Answer extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<Task.TaskResponse> answer;

        Answer(CompletableFuture<Task.TaskResponse> answer) {
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
            byte[] body = new byte[r.content().readableBytes()];
            r.content().getBytes(r.content().readerIndex(), body);
            Map<String, String> headers = new LinkedHashMap<>();
            for (Map.Entry<String, String> h : r.headers()) {
                String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
                if (!name.equals("connection") && !name.equals("content-length") && !name.equals("transfer-encoding")) {
                    headers.merge(name, h.getValue(), (a, c) -> a + ", " + c);
                }
            }
            answer.complete(new Task.TaskResponse(r.status().code(), headers, body));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.completeExceptionally(new IOException("the gateway closed the task's request without an answer"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            answer.completeExceptionally(cause);
            ctx.close();
        }
    }
}

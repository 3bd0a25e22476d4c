package dev.junction.simulator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fake OpenAI-, Anthropic- and Gemini-shaped upstream on 127.0.0.1 (Netty HTTP/1.1, keep-alive)
 * for integration tests, the load harness and the demo. Wire formats follow
 * {@code wire-formats.md} §1 (OpenAI), §2 (Anthropic), §3 (Gemini) and §5 (errors).
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>OpenAI: {@code POST /v1/chat/completions} (JSON, or SSE ending {@code data: [DONE]}),
 *       {@code POST /v1/embeddings} ({@code float}/{@code base64}, {@code dimensions}), {@code GET /v1/models};
 *       also under Azure's {@code /openai/deployments/{d}/…} and {@code /openai/v1/…} paths with an {@code api-key} header;
 *       under {@code /groq/v1/…} and {@code /mistral/v1/…} as those servers ({@link OpenAiDialect}: Groq's
 *       {@code x_groq.usage}, Mistral's nine-character tool-call ids and flat errors, wire-formats §6.1).</li>
 *   <li>Anthropic: {@code POST /v1/messages} (JSON {@code Message}, or the §2.4 event sequence),
 *       {@code GET /v1/models} when an {@code anthropic-version} header is present.</li>
 *   <li>Gemini: {@code POST /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent?alt=sse},
 *       {@code :embedContent}, {@code :batchEmbedContents}.</li>
 * </ul>
 *
 * <h2>How a request's behaviour is chosen</h2>
 * Options defaults, overridden by in-prompt directives, overridden by the next {@link #enqueue enqueued}
 * {@link Behavior} (one per request, FIFO). Requests with no scripted status then draw from the
 * {@link FaultProfile}.
 *
 * <h2>In-prompt directives</h2>
 * The text of the conversation's final message, when it is a user message, may contain one or more
 * blocks {@code [[sim key=value key=value ...]]} (OpenAI {@code messages[-1].content}, Anthropic
 * {@code messages[-1]} text blocks, Gemini {@code contents[-1]} text parts; for embeddings the first
 * input). A value is a bare word, a {@code "quoted string"}, or a JSON object/array. Keys:
 * <pre>
 *   status=429            answer with this status and the vendor's error body
 *   retry-after=2         add a retry-after header (seconds); retry-after-ms=N likewise
 *   error=CODE            error variant: insufficient_quota | credit_balance_exhausted | request_too_large |
 *                         context_length_exceeded (OpenAI); context_length_exceeded | spend_limit (Anthropic);
 *                         per_day | limit_zero (Gemini 429). Without status= the variant implies it
 *                         (quota, spend and per-day variants 429; overloaded 529; others 400)
 *   latency=300ms         delay before the first byte (300, 300ms, 1.5s)
 *   tps=50                stream pacing in tokens per second (0 = all at once)
 *   tokens=20             reply length in words
 *   text="Hello there"    reply text
 *   echo                  reply with this message's text, directives removed
 *   tool=NAME             emit a function call; repeat for parallel calls
 *   args={"city":"Paris"} arguments of the preceding tool= (default {} = no arguments)
 *   finish=length         stop | length | tool_calls | refusal | content_filter
 *   cut=3                 close the connection after 3 stream frames, without terminator
 *   stall=2               stop after 2 frames, keep the connection open
 *                         (non-stream requests: cut closes without answering, stall never answers)
 *   error-event=2         after 2 frames send the vendor's mid-stream error event and end
 *   block=SAFETY          Gemini: promptFeedback.blockReason, no candidates
 *   prompt-tokens=N cached=N reasoning=N   usage numbers (reasoning also emits thinking / thought text)
 *   azure                 OpenAI streams: lead with Azure's empty prompt-filter chunk
 * </pre>
 * An unknown key or malformed value is answered with a 400 in the vendor's error shape, so typos show.
 * Example: {@code "What is the weather? [[sim tool=get_weather args={"city":"Paris"} tps=50]]"}.
 *
 * <h2>Replies and usage</h2>
 * Without text the reply is {@link #defaultReply(int)}; tokens are whitespace-separated words.
 * Prompt tokens are estimated as request body bytes / 4; completion tokens are the emitted words,
 * plus (name + arguments length) / 4 per tool call, plus reasoning tokens.
 */
public final class VendorSimulator implements AutoCloseable {

    private final SimulatorOptions opts;
    private final EventLoopGroup group;
    private final Channel server;
    private final OpenAiVendor openAi;
    private final AnthropicVendor anthropic;
    private final GeminiVendor gemini;
    private final MediaVendor media;
    private final ConcurrentLinkedQueue<Behavior> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedDeque<RecordedRequest> recorded = new ConcurrentLinkedDeque<>();
    private final AtomicInteger recordedCount = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger totalConnections = new AtomicInteger();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final AtomicInteger cancelledStreams = new AtomicInteger();
    private final AtomicInteger completedStreams = new AtomicInteger();
    private final AtomicInteger cancelledRequests = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final SplittableRandom random;
    private final Engine engine = new Engine() {
        @Override
        public SimulatorOptions options() {
            return opts;
        }

        @Override
        public Effective effective(Behavior directives) {
            return VendorSimulator.this.effective(directives);
        }

        @Override
        public long nextId() {
            return ids.incrementAndGet();
        }
    };

    private VendorSimulator(SimulatorOptions opts) {
        this.opts = opts;
        this.random = new SplittableRandom(opts.faults().seed());
        this.openAi = new OpenAiVendor(engine);
        this.anthropic = new AnthropicVendor(engine);
        this.gemini = new GeminiVendor(engine);
        this.media = new MediaVendor(opts);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        this.group = new MultiThreadIoEventLoopGroup(opts.ioThreads(), io);
        try {
            this.server = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new HttpObjectAggregator(64 * 1024 * 1024))
                                    .addLast("sim", new SimHandler(VendorSimulator.this));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", opts.port()))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Starts a simulator bound to 127.0.0.1 ({@code port 0} = ephemeral). */
    public static VendorSimulator start(SimulatorOptions opts) {
        return new VendorSimulator(opts);
    }

    public static VendorSimulator start() {
        return start(SimulatorOptions.defaults());
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT}, without trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public SimulatorOptions options() {
        return opts;
    }

    /** Scripts the next request that reaches a generation or embedding endpoint (FIFO, one each). */
    public void enqueue(Behavior behavior) {
        queue.add(behavior);
    }

    /** Behaviours enqueued but not yet consumed. */
    public int pendingBehaviors() {
        return queue.size();
    }

    /** The most recent requests, oldest first (bounded by {@link SimulatorOptions#maxRecordedRequests()}). */
    public List<RecordedRequest> requests() {
        return new ArrayList<>(recorded);
    }

    public void clearRequests() {
        recorded.clear();
        recordedCount.set(0);
    }

    public int openConnections() {
        return openConnections.get();
    }

    public int totalConnections() {
        return totalConnections.get();
    }

    /**
     * Stream requests not yet ended, counted from the request's arrival (so including the latency
     * before the first byte); stalled streams stay active until the client leaves.
     */
    public int activeStreams() {
        return activeStreams.get();
    }

    /** Streams whose client closed the connection before the stream's end. */
    public int cancelledStreams() {
        return cancelledStreams.get();
    }

    /**
     * Requests of any kind (unary or stream) whose client closed the connection before the answer
     * was completely written, e.g. during the scripted latency.
     */
    public int cancelledRequests() {
        return cancelledRequests.get();
    }

    /** Streams that ended as scripted (terminator, error event, or cut by the simulator). */
    public int completedStreams() {
        return completedStreams.get();
    }

    /**
     * The bytes the simulator serves as the video of job {@code jobId} scripted with
     * {@code bytes=size} (deterministic; for tests comparing a copied file byte for byte).
     */
    public static byte[] videoBytes(String jobId, int size) {
        return MediaVendor.videoBytes(jobId, size);
    }

    /** The default reply of {@code tokens} words, as every vendor endpoint renders it. */
    public static String defaultReply(int tokens) {
        return String.join(" ", Script.defaultWords(tokens));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- called from SimHandler on event loops ----

    Answer route(Exchange ex) {
        if (MediaVendor.owns(ex)) {
            return media.handle(ex);
        }
        if (ex.path.equals("/v1/messages") || ex.path.equals("/v1/messages/count_tokens")
                || (ex.path.startsWith("/v1/models") && ex.headers.contains("anthropic-version"))) {
            return anthropic.handle(ex);
        }
        if (GeminiVendor.owns(ex.path)) {
            return gemini.handle(ex);
        }
        if (OpenAiVendor.owns(ex.path)) {
            return openAi.handle(ex, ex.path, OpenAiDialect.OPENAI);
        }
        OpenAiDialect dialect = OpenAiDialect.ofPrefix(ex.path);
        if (dialect != null && OpenAiVendor.owns(ex.path.substring(dialect.prefix().length()))) {
            return openAi.handle(ex, ex.path.substring(dialect.prefix().length()), dialect);
        }
        return notFound(ex);
    }

    private static Answer notFound(Exchange ex) {
        return Answer.Unary.json(404, Map.of(), OpenAiVendor.error("No simulated endpoint for " + ex.method + " "
                + ex.path, "invalid_request_error", null, "unknown_url"), 0);
    }

    void record(String method, String uri, HttpHeaders headers, String body) {
        if (opts.maxRecordedRequests() == 0) {
            return;
        }
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : headers) {
            map.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(e.getValue());
        }
        map.replaceAll((k, v) -> List.copyOf(v));
        recorded.addLast(new RecordedRequest(method, uri, map, body));
        if (recordedCount.incrementAndGet() > opts.maxRecordedRequests()) {
            if (recorded.pollFirst() != null) {
                recordedCount.decrementAndGet();
            }
        }
    }

    void connectionOpened() {
        openConnections.incrementAndGet();
        totalConnections.incrementAndGet();
    }

    void connectionClosed() {
        openConnections.decrementAndGet();
    }

    void requestCancelled() {
        cancelledRequests.incrementAndGet();
    }

    void streamStarted() {
        activeStreams.incrementAndGet();
    }

    void streamEnded(boolean cancelledByClient) {
        activeStreams.decrementAndGet();
        (cancelledByClient ? cancelledStreams : completedStreams).incrementAndGet();
    }

    private Effective effective(Behavior directives) {
        Behavior queued = queue.poll();
        Behavior b = directives.overlay(queued);
        if (b.status() == null && b.errorCode() != null) {
            b = b.overlay(Behavior.status(statusOf(b.errorCode())));
        }
        boolean plain = b.isEmpty();
        Duration latency = b.latency() != null ? b.latency() : opts.latency();
        double tps = b.tokensPerSecond() != null ? b.tokensPerSecond() : opts.tokensPerSecond();
        double multiplier = 1;
        FaultProfile faults = opts.faults();
        if (!faults.isNone() && b.status() == null) {
            boolean fail;
            boolean tail;
            synchronized (random) {
                fail = random.nextDouble() < faults.failureRate();
                tail = random.nextDouble() < faults.tailRate();
            }
            if (fail) {
                b = b.overlay(Behavior.status(faults.failureStatus()));
                plain = false;
            }
            if (tail) {
                multiplier = faults.tailMultiplier();
            }
        }
        long latencyNanos = (long) (latency.toNanos() * multiplier);
        long intervalNanos = tps > 0 ? (long) (1_000_000_000L / tps * multiplier) : 0;
        return new Effective(b, plain, latencyNanos, intervalNanos);
    }

    /** The status an {@code error=} variant implies when no status is scripted. */
    static int statusOf(String errorCode) {
        return switch (errorCode) {
            case "insufficient_quota", "credit_balance_exhausted", "organization_spend_limit_exceeded",
                 "project_spend_limit_exceeded", "organization_usage_limit_exceeded", "request_too_large",
                 "rate_limit_exceeded", "spend_limit", "enforced_spend_limit_reached", "per_day", "limit_zero",
                 "quota" -> 429;
            case "overloaded" -> 529;
            default -> 400;
        };
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

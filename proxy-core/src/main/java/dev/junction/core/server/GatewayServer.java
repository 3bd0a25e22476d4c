package dev.junction.core.server;

import dev.junction.core.cache.ResponseCache;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.ServerConfig;
import dev.junction.core.media.MediaFetcher;
import dev.junction.core.media.MediaStore;
import dev.junction.core.responses.ResponseStates;
import dev.junction.core.metrics.GatewayMetrics;
import dev.junction.core.proxy.AccessLog;
import dev.junction.core.proxy.ProtocolFactory;
import dev.junction.core.tracing.Tracing;
import dev.junction.core.upstream.UpstreamClient;
import io.netty.bootstrap.ServerBootstrap;
import dev.junction.core.config.TasksConfig;
import dev.junction.core.catalog.Capability;
import dev.junction.core.proxy.Route;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RequestProfile;
import dev.junction.core.routing.RouteResult;
import dev.junction.core.tasks.AsyncVendorHandler;
import dev.junction.core.tasks.EmbeddedTaskStore;
import dev.junction.core.tasks.VideoJobs;
import dev.junction.core.tasks.HttpTaskHandler;
import dev.junction.core.tasks.RedisTaskStore;
import dev.junction.core.tasks.TaskEngine;
import dev.junction.core.tasks.TaskStore;
import dev.junction.core.tasks.WebhookSender;
import dev.junction.core.time.RandomSource;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.junction.core.limits.KeyLimiter;
import dev.junction.core.limits.LimitsCollector;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running gateway: the listener, the event loops shared by client and upstream connections,
 * and the current {@link GatewaySnapshot}, which {@link #reload} swaps atomically — requests in
 * flight keep the snapshot they started with (SPEC §2).
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final AtomicReference<GatewaySnapshot> snapshot;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final UpstreamClient upstream;
    private final DnsAddressResolverGroup resolver;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final Channel listener;
    private final TaskEngine tasks;
    private final WebhookSender webhooks;
    private final String transport;
    private final KeyLimiter limiter;
    private final AccessLog accessLog;
    private final MediaStore media;
    private final ResponseStates responseStates;
    private final ResponseCache cache;

    private GatewayServer(GatewayConfig config, Clock clock) throws InterruptedException {
        this.snapshot = new AtomicReference<>(GatewaySnapshot.of(config, null));
        this.limiter = KeyLimiter.open(config.limits(), clock);
        this.metrics = new GatewayMetrics(() -> snapshot.get().table(), () -> snapshot.get().retry().noRetryCounts(),
                config.metrics().enabled());
        this.tracing = Tracing.of(config.tracing());
        metrics.register(new LimitsCollector(limiter, () -> snapshot.get().config().auth().keys()));
        ServerConfig sc = config.server();
        Transport t = Transport.best();
        this.transport = t.name();
        // One event loop per core, as a reverse proxy runs one worker per core: the loops never block,
        // so more loops than cores only add context switches (docs/performance.md).
        int threads = sc.ioThreads() > 0 ? sc.ioThreads() : Runtime.getRuntime().availableProcessors();
        this.boss = t.newGroup(1);
        this.workers = t.newGroup(threads);
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(t.datagram())
                .nameServerProvider(DnsServerAddressStreamProviders.platformDefault()));
        this.upstream = new UpstreamClient(t.channel(), resolver, threads);
        this.accessLog = new AccessLog();
        // Where cached answers live is read once at start-up, as the limits' store is.
        this.cache = ResponseCache.open(config.cache(), metrics);
        metrics.accessLogDropped(accessLog::dropped);
        // Where media live is read once at start-up: a reload cannot move stored files.
        this.media = MediaStore.open(config.tasks().mediaDir(), config.tasks().mediaRetention(), java.time.Clock.systemUTC());
        Endpoints endpoints = new Endpoints(snapshot::get, upstream,
                new ProtocolFactory(sc.maxJsonDepth(), sc.maxStringLength(),
                        new MediaFetcher(t.channel(), resolver, config.mediaFetch())), accessLog,
                new Operations(metrics, limiter), metrics, limiter, media, tracing, cache);
        // A random token marks the requests tasks send to this listener (LocalGateway).
        byte[] taskToken = new byte[32];
        new java.security.SecureRandom().nextBytes(taskToken);
        taskToken = java.util.HexFormat.of().formatHex(taskToken).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(t.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new GatewayInitializer(sc, endpoints, taskToken));
        this.listener = b.bind(sc.host(), sc.port()).sync().channel();
        this.webhooks = new WebhookSender(System::currentTimeMillis);
        dev.junction.core.tasks.TaskStore taskStore = openStore(config.tasks());
        this.tasks = new TaskEngine(() -> snapshot.get().config().tasks(), taskStore, webhooks,
                System::currentTimeMillis, RandomSource.threadLocal(), workerId());
        InetSocketAddress bound = (InetSocketAddress) listener.localAddress();
        InetSocketAddress self = bound.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), bound.getPort()) : bound;
        tasks.register(new HttpTaskHandler(new LocalGateway(workers, t.channel(), self,
                new String(taskToken, java.nio.charset.StandardCharsets.US_ASCII)), this::providersOf));
        endpoints.tasks(new TaskEndpoints(tasks));
        // Kept Responses (store: true) live where tasks do: the same SQLite file, or the same Redis.
        this.responseStates = ResponseStates.open(config.tasks(), taskStore);
        endpoints.responses(responseStates);
        VideoJobs videoJobs = new VideoJobs(new VideoJobs.Routes() {
            @Override
            public java.util.List<Route> candidates(String alias) {
                GatewaySnapshot snap = snapshot.get();
                RouteResult r = snap.router().select(snap.table(), alias,
                        new RequestProfile(java.util.EnumSet.of(Capability.VIDEO), 1, null), null);
                java.util.List<Route> out = new java.util.ArrayList<>();
                if (r.ok()) {
                    r.candidates().forEach(d -> out.add(snap.callables().get(d)));
                }
                return out;
            }

            @Override
            public Route route(String provider, String model) {
                GatewaySnapshot snap = snapshot.get();
                for (dev.junction.core.routing.Route r : snap.table().routes().values()) {
                    for (Deployment d : r.deployments()) {
                        if (d.provider().name().equals(provider) && d.model().equals(model)) {
                            return snap.callables().get(d);
                        }
                    }
                }
                return null;
            }
        }, upstream, workers, media, () -> snapshot.get().config().mediaFetch());
        tasks.register(new AsyncVendorHandler(videoJobs));
        // Deleting a finished video (DELETE /v1/videos/{id} or /v1/tasks/{id}) deletes its files too.
        tasks.onDelete(done -> VideoJobs.mediaIds(done).forEach(media::remove));
        tasks.onSucceeded(this::chargeVideo);
        endpoints.videos(new VideoEndpoints(tasks));
        tasks.start();
        watchTaskCounts();
    }

    /**
     * SPEC §7.1: a finished video's cost (seconds × the catalog's {@code per-second} price of the
     * deployment that made it) is charged like a request's: to its key's spend and budgets, to the
     * {@code junction_cost} metrics of its key, alias and deployment, and in one access-log line
     * (method {@code TASK}, the video's id as request id). Runs on the task engine's thread, once
     * per video (the instance that recorded the success charges it).
     */
    private void chargeVideo(dev.junction.core.tasks.Task t) {
        VideoJobs.Charge c = VideoJobs.charge(t);
        if (c == null) {
            return;
        }
        GatewaySnapshot snap = snapshot.get();
        dev.junction.core.config.KeyConfig key = snap.auth().byName(t.owner());
        String deployment = c.provider() + "/" + c.model();
        if (key != null) {
            limiter.charge(key, c.usd(), "task:" + t.id());
        } else {
            LOG.warn("video {}: its key '{}' is no longer configured; its cost {} USD is not charged to a budget",
                    t.id(), t.owner(), dev.junction.core.http.HttpResponses.usd(c.usd()));
        }
        metrics.charged(t.owner(), t.model(), deployment, c.usd());
        if (snap.config().accessLog().enabled()) {
            dev.junction.core.proxy.RequestContext rc = new dev.junction.core.proxy.RequestContext(t.id(), System.nanoTime(),
                    "TASK", "/v1/videos");
            rc.key = key;
            rc.alias = t.model();
            rc.deployment = deployment;
            rc.provider = c.provider();
            rc.upstreamModel = c.model();
            rc.status = 200;
            rc.costUsd = c.usd();
            accessLog.write(rc);
        }
    }

    /**
     * Tasks by state for {@code junction_tasks} and the dashboard: the store is read on the task
     * engine's thread every 2 s and the last answer is what a scrape sees (a scrape runs on an
     * event loop, which must not wait for the store).
     */
    private void watchTaskCounts() {
        java.util.concurrent.atomic.AtomicReference<java.util.Map<String, Long>> last =
                new java.util.concurrent.atomic.AtomicReference<>(java.util.Map.of());
        java.util.List<String> states = new java.util.ArrayList<>();
        for (dev.junction.core.tasks.TaskState s : dev.junction.core.tasks.TaskState.values()) {
            states.add(s.wire());
        }
        metrics.tasks(states, last::get);
        workers.next().scheduleAtFixedRate(() -> {
            try {
                tasks.counts().thenAccept(counts -> {
                    java.util.Map<String, Long> byWire = new java.util.LinkedHashMap<>();
                    for (dev.junction.core.tasks.TaskState s : dev.junction.core.tasks.TaskState.values()) {
                        byWire.put(s.wire(), counts.getOrDefault(s, 0L));
                    }
                    last.set(byWire);
                });
            } catch (RuntimeException e) {
                // An engine shutting down refuses work; the next tick (or none) follows. A thrown
                // exception would end the periodic task for good.
                LOG.debug("task counts not read", e);
            }
        }, 0, 2, TimeUnit.SECONDS);
    }

    /** Binds and starts serving {@code config}. */
    public static GatewayServer start(GatewayConfig config) throws InterruptedException {
        return start(config, Clock.systemUTC());
    }

    /** Binds and starts serving {@code config}; {@code clock} dates the budgets' UTC periods (tests inject one). */
    public static GatewayServer start(GatewayConfig config, Clock clock) throws InterruptedException {
        GatewayServer s = new GatewayServer(config, clock);
        LOG.info("Junction listening on http://{}:{} ({} transport, {} aliases)", config.server().host(), s.port(),
                s.transport, config.models().size());
        for (String w : config.warnings()) {
            LOG.warn(w);
        }
        return s;
    }

    private static TaskStore openStore(TasksConfig c) {
        if ("redis".equals(c.store())) {
            return RedisTaskStore.open(c.redisUri());
        }
        return new EmbeddedTaskStore(c.path());
    }

    /** This instance's name on the leases it takes: host, pid and a random part (unique per start). */
    private static String workerId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The provider every deployment of {@code alias} runs on, or null (per-provider task limits). */
    /** The providers of {@code alias}'s deployments, in config order, each once (max-concurrent-tasks). */
    private java.util.List<String> providersOf(String alias) {
        dev.junction.core.routing.Route r = snapshot.get().table().route(alias);
        if (r == null) {
            return java.util.List.of();
        }
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (dev.junction.core.routing.Deployment d : r.deployments()) {
            out.add(d.providerName());
        }
        return java.util.List.copyOf(out);
    }

    /** The task engine (SPEC §6); asynchronous vendors register their handlers here. */
    public TaskEngine tasks() {
        return tasks;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public GatewaySnapshot snapshot() {
        return snapshot.get();
    }

    /** The media store (image results, video files). */
    public MediaStore media() {
        return media;
    }

    /** The gateway keys' limits and spend (SPEC §7.1), e.g. for {@code /admin/stats}. */
    public KeyLimiter limiter() {
        return limiter;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Swaps in a new configuration; in-flight requests finish on the old one. */
    public void reload(GatewayConfig config) {
        TasksConfig was = snapshot.get().config().tasks();
        snapshot.set(GatewaySnapshot.of(config, snapshot.get()));
        java.util.List<String> restartOnly = restartOnlyChanges(was, config.tasks());
        if (!restartOnly.isEmpty()) {
            LOG.warn("junction.tasks {} changed: read at start-up only, they take effect at the next start "
                    + "(the other task settings apply from the next task step)", restartOnly);
        }
        LOG.info("configuration reloaded: {} aliases", config.models().size());
        for (String w : config.warnings()) {
            LOG.warn(w);
        }
    }

    /** The task settings a reload does not apply (the store and the media store are opened once). */
    static java.util.List<String> restartOnlyChanges(TasksConfig was, TasksConfig now) {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (!java.util.Objects.equals(was.store(), now.store())) {
            out.add("store");
        }
        if (!java.util.Objects.equals(was.path(), now.path())) {
            out.add("path");
        }
        if (!java.util.Objects.equals(was.redisUri(), now.redisUri())) {
            out.add("redis-uri");
        }
        if (!java.util.Objects.equals(was.mediaDir(), now.mediaDir())) {
            out.add("media-dir");
        }
        if (!java.util.Objects.equals(was.mediaRetention(), now.mediaRetention())) {
            out.add("media-retention");
        }
        return out;
    }

    public void awaitClose() throws InterruptedException {
        listener.closeFuture().sync();
    }

    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        responseStates.close();                 // its writes go through the task store's connection
        tasks.close();                          // hands running tasks back before the event loops stop
        webhooks.close();
        upstream.close();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
        boss.terminationFuture().awaitUninterruptibly();
        resolver.close();
        limiter.close();
        cache.close();
        accessLog.close();
        media.close();
        tracing.close();
    }
}

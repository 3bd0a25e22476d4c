package dev.junction.core.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.core.cache.CacheEntry;
import dev.junction.core.cache.CachePlan;
import dev.junction.core.cache.ReplayShape;
import dev.junction.core.cache.ReplayShapes;
import dev.junction.core.cache.ResponseCache;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.media.MediaStore;
import dev.junction.core.responses.ResponseStates;
import dev.junction.core.limits.Admission;
import dev.junction.core.limits.KeyLimiter;
import dev.junction.core.metrics.GatewayMetrics;
import dev.junction.core.proxy.AccessLog;
import dev.junction.core.proxy.ChatExchange;
import dev.junction.core.proxy.ProtocolFactory;
import dev.junction.core.proxy.RequestContext;
import dev.junction.core.proxy.Route;
import dev.junction.core.resilience.Deadline;
import dev.junction.core.resilience.InvalidHeaderException;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RouteResult;
import dev.junction.core.routing.Router;
import dev.junction.core.time.Ticker;
import dev.junction.core.tracing.GenAiNames;
import dev.junction.core.tracing.Tracing;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.stream.GatewayError;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.messages.MessagesErrors;
import dev.junction.translators.messages.MessagesResponseEncoder;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The HTTP API of SPEC §3, dispatched by path: operations endpoints answered here, model-serving
 * endpoints handed to a {@link ChatExchange}. Shared by every connection; per-request state lives
 * in the request's {@link RequestContext} and exchange.
 */
final class Endpoints {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String MEDIA_PATH = "/v1/media/";
    private static final String MESSAGES = "/v1/messages";
    private static final String COUNT_TOKENS = "/v1/messages/count_tokens";
    private static final String X_API_KEY = "x-api-key";

    /** Called when a request's answer has been written. */
    interface Done {
        void done(ChannelHandlerContext ctx, RequestContext rc);
    }

    private final Supplier<GatewaySnapshot> snapshot;
    private final UpstreamClient upstream;
    private final ProtocolFactory protocols;
    private final AccessLog accessLog;
    private final Operations operations;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final KeyLimiter limiter;
    private final ResponseCache cache;
    private volatile TaskEndpoints tasks;
    private volatile ResponseStates responseStates;

    private final MediaStore media;

    Endpoints(Supplier<GatewaySnapshot> snapshot, UpstreamClient upstream, ProtocolFactory protocols, AccessLog accessLog,
              Operations operations, GatewayMetrics metrics, KeyLimiter limiter, MediaStore media,
              Tracing tracing, ResponseCache cache) {
        this.media = media;
        this.cache = cache;
        this.metrics = metrics;
        this.limiter = limiter;
        this.tracing = tracing;
        this.snapshot = snapshot;
        this.upstream = upstream;
        this.protocols = protocols;
        this.accessLog = accessLog;
        this.operations = operations;
    }

    /** Enables the task API (SPEC §6) once the task engine runs. */
    private volatile VideoEndpoints videos;

    void videos(VideoEndpoints v) {
        this.videos = v;
    }

    void tasks(TaskEndpoints t) {
        this.tasks = t;
    }

    /** The store of the Responses door's kept responses (SPEC §3.1). */
    void responses(ResponseStates states) {
        this.responseStates = states;
    }

    /** Handles one request; returns the exchange when it continues asynchronously. Owns {@code req}. */
    ChatExchange handle(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive, Done done) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        HttpMethod m = req.method();
        GatewaySnapshot snap = snapshot.get();
        rc.trace = tracing.start(req.headers(), GenAiNames.operation(path), m == HttpMethod.POST && path.startsWith("/v1/"));
        ErrorShape shape = ErrorShape.OPENAI;
        try {
            switch (path) {
                case "/healthz" -> {
                    req.release();
                    return reply(ctx, rc, keepAlive, done, jsonOk("{\"status\":\"ok\"}"));
                }
                case "/readyz" -> {
                    req.release();
                    return reply(ctx, rc, keepAlive, done, readiness(snap));
                }
                default -> { }
            }
            if (path.startsWith(MEDIA_PATH)) {
                // A media URL is a capability (128 random bits), served without a gateway key so that
                // it works wherever the client puts it, e.g. an <img> tag (docs/media.md).
                io.netty.handler.codec.http.HttpHeaders headers = req.headers().copy();
                req.release();
                return media(ctx, m, headers, rc, keepAlive, done, path.substring(MEDIA_PATH.length()));
            }
            boolean admin = path.equals("/metrics") || path.startsWith("/admin");
            boolean messages = DoorErrors.isMessages(path);
            shape = messages ? MessagesErrors.SHAPE : ErrorShape.OPENAI;
            String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (messages && authorization == null && req.headers().contains(X_API_KEY)) {
                // SPEC §3.2: the Anthropic SDKs send the key in x-api-key.
                authorization = "Bearer " + req.headers().get(X_API_KEY);
            }
            // A task being run carries its owner's name on the in-process channel only (LocalGateway).
            KeyConfig key = rc.taskOwner != null ? snap.auth().byName(rc.taskOwner)
                    : snap.auth().authenticate(admin ? AdminAuth.asBearer(authorization) : authorization);
            rc.stage("auth", System.nanoTime());
            if (key == null) {
                req.release();
                FullHttpResponse r = HttpResponses.error(GatewayError.fatal(401, "authentication_error", "invalid_api_key", null,
                        messages ? "Missing or invalid gateway key. Send it in 'x-api-key' (or 'Authorization: Bearer <key>');"
                                + " keys are configured in junction.auth.keys."
                                : "Missing or invalid gateway key. Send 'Authorization: Bearer <key>' with a key configured in junction.auth.keys."),
                        rc.requestId, shape);
                if (admin) {
                    // A browser opening the dashboard asks for the admin key (any user name, the key as password).
                    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, AdminAuth.CHALLENGE);
                }
                rc.errorCode = "invalid_api_key";
                return reply(ctx, rc, keepAlive, done, r);
            }
            rc.key = key;
            TaskEndpoints t = tasks;
            if (t != null && rc.taskOwner == null && TaskEndpoints.wantsAsync(m, path, req.headers())) {
                CompletionStage<FullHttpResponse> accepted;
                try {
                    accepted = t.submit(req, path, key, snap, rc.requestId);
                } finally {
                    req.release();
                }
                return replyLater(ctx, rc, keepAlive, done, accepted);
            }
            if (t != null && (path.equals("/v1/tasks") || path.startsWith("/v1/tasks/"))) {
                req.release();
                CompletionStage<FullHttpResponse> answer = t.handle(m, uri, path, key, rc.requestId);
                if (answer != null) {
                    return replyLater(ctx, rc, keepAlive, done, answer);
                }
                return error(ctx, rc, keepAlive, done, GatewayError.fatal(404, "invalid_request_error", "unknown_endpoint",
                        null, "No endpoint " + m + " " + path + ". See the API list in the README."));
            }
            VideoEndpoints v = videos;
            if (v != null && rc.taskOwner == null && (path.equals("/v1/videos") || path.startsWith("/v1/videos/"))) {
                if (m == HttpMethod.POST && path.equals("/v1/videos")) {
                    // SPEC §7.1: creating a video is a request of its key: its budgets, rpm and
                    // max-concurrent are checked before a task exists (the slot is given back when
                    // this answer is written); the video's cost is charged when it is finished.
                    CompletionStage<FullHttpResponse> created = limiter.reserve(key, 0, rc.requestId).thenCompose(a -> {
                        rc.admission = a;
                        if (!a.admitted()) {
                            return java.util.concurrent.CompletableFuture.completedFuture(
                                    HttpResponses.error(a.error(), rc.requestId));
                        }
                        return v.create(req, key, snap, rc.requestId);
                    });
                    created.whenComplete((r, e) -> req.release());
                    return replyLater(ctx, rc, keepAlive, done, created);
                }
                io.netty.handler.codec.http.HttpHeaders headers = req.headers().copy();
                req.release();
                if (path.endsWith("/content") && path.indexOf('/', "/v1/videos/".length()) == path.length() - "/content".length()) {
                    return videoContent(ctx, rc, keepAlive, done, v, key, m, uri, path, headers);
                }
                CompletionStage<FullHttpResponse> answer = v.handle(m, uri, path, key, rc.requestId);
                if (answer != null) {
                    return replyLater(ctx, rc, keepAlive, done, answer);
                }
                return error(ctx, rc, keepAlive, done, GatewayError.fatal(404, "invalid_request_error", "unknown_endpoint",
                        null, "No endpoint " + m + " " + path + ". See the API list in the README."));
            }
            if (path.equals("/v1/responses") || path.startsWith("/v1/responses/")) {
                return responses(ctx, req, rc, keepAlive, done, snap, m, path, key);
            }
            if (path.equals("/v1/chat/completions") || path.equals("/v1/embeddings")) {
                if (m != HttpMethod.POST) {
                    req.release();
                    return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "POST"));
                }
                return proxy(ctx, req, rc, keepAlive, done, snap, path.equals("/v1/embeddings"));
            }
            if (messages) {
                if (m != HttpMethod.POST) {
                    req.release();
                    return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "POST"), shape);
                }
                return messages(ctx, req, rc, keepAlive, done, snap, path.equals(COUNT_TOKENS));
            }
            if (path.equals("/v1/images/generations")) {
                if (m != HttpMethod.POST) {
                    req.release();
                    return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "POST"));
                }
                return images(ctx, req, rc, keepAlive, done, snap);
            }
            req.release();
            if (path.equals("/v1/models")) {
                return m == HttpMethod.GET ? reply(ctx, rc, keepAlive, done, models(snap, key))
                        : error(ctx, rc, keepAlive, done, methodNotAllowed(path, "GET"));
            }
            if (path.startsWith("/v1/models/")) {
                if (m != HttpMethod.GET) {
                    return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "GET"));
                }
                String id = java.net.URLDecoder.decode(path.substring("/v1/models/".length()), StandardCharsets.UTF_8);
                if (!snap.hasAlias(id) || !key.allows(id)) {
                    return error(ctx, rc, keepAlive, done, modelNotFound(id));
                }
                return reply(ctx, rc, keepAlive, done, HttpResponses.json(HttpResponseStatus.OK, model(ctx, snap, id)));
            }
            if (admin) {
                if (snap.auth().enabled() && !key.admin()) {
                    return error(ctx, rc, keepAlive, done, GatewayError.fatal(403, "permission_error", "forbidden", null,
                            "This key may not use the admin endpoints. Use a key with admin = true."));
                }
                if (m != HttpMethod.GET) {
                    return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "GET"));
                }
                FullHttpResponse r = operations.handle(path, snap, req.headers().get(HttpHeaderNames.ACCEPT));
                if (r != null) {
                    return reply(ctx, rc, keepAlive, done, r);
                }
            }
            return error(ctx, rc, keepAlive, done, GatewayError.fatal(404, "invalid_request_error", "unknown_endpoint", null,
                    "No endpoint " + m + " " + path + ". See the API list in the README."));
        } catch (RuntimeException e) {
            LOG.error("request {} failed inside Junction", rc.requestId, e);
            if (req.refCnt() > 0) {
                req.release();
            }
            return error(ctx, rc, keepAlive, done, GatewayError.internal("Junction failed to handle the request (request id "
                    + rc.requestId + "); this is a bug, please report it."), shape);
        }
    }

    /**
     * {@code POST /v1/messages} and {@code /v1/messages/count_tokens} (SPEC §3.2), answered in
     * Anthropic's shapes. A token count is carried to the alias's Anthropic deployments (the
     * vendor's own count); when the alias has none, Junction answers its own estimate of the
     * prompt (the one its limits reserve, {@link dev.junction.core.routing.RequestProfile}) without
     * calling a vendor.
     */
    private ChatExchange messages(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive,
                                  Done done, GatewaySnapshot snap, boolean countTokens) {
        String version = req.headers().get("anthropic-version");
        String beta = req.headers().get("anthropic-beta");
        return proxy(ctx, req, rc, keepAlive, done, snap, (body, s) -> protocols.prepareMessages(body, countTokens, version,
                beta, rc.requestId, s.config().translation().unsupported(), s.config().mediaFetch(), ctx.alloc()),
                MessagesErrors.SHAPE, countTokens);
    }

    private ChatExchange media(ChannelHandlerContext ctx, HttpMethod m, io.netty.handler.codec.http.HttpHeaders headers,
                               RequestContext rc, boolean keepAlive, Done done, String id) {
        if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
            return error(ctx, rc, keepAlive, done, methodNotAllowed(MEDIA_PATH + "{id}", "GET"));
        }
        GatewayError notFound = GatewayError.fatal(404, "invalid_request_error", "media_not_found", null,
                "No media '" + (MediaStore.isId(id) ? id : "(malformed id)") + "': it never existed or has expired "
                        + "(junction.tasks.media-retention).");
        if (!MediaStore.isId(id)) {
            return error(ctx, rc, keepAlive, done, notFound);
        }
        MediaResponder.serve(ctx, rc, keepAlive, done, media, id, headers, m == HttpMethod.HEAD, notFound);
        return null;
    }

    /**
     * {@code GET /v1/videos/{id}/content?variant=video|thumbnail}: the stored file of a completed
     * video, with ranges (SPEC §6.2); {@code 409 video_not_ready} before it is completed.
     */
    private ChatExchange videoContent(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Done done,
                                      VideoEndpoints v, KeyConfig key, HttpMethod m, String uri, String path,
                                      io.netty.handler.codec.http.HttpHeaders headers) {
        if (m != HttpMethod.GET && m != HttpMethod.HEAD) {
            return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "GET"));
        }
        String id = path.substring("/v1/videos/".length(), path.length() - "/content".length());
        java.util.List<String> vs = new io.netty.handler.codec.http.QueryStringDecoder(uri).parameters().get("variant");
        String variant = vs == null || vs.isEmpty() ? "video" : vs.get(0);
        if (!variant.equals("video") && !variant.equals("thumbnail")) {
            return error(ctx, rc, keepAlive, done, GatewayError.invalidRequest("invalid_value", "variant",
                    "variant must be video or thumbnail; got '" + variant + "'."));
        }
        v.video(key, id).whenComplete((t, e) -> ctx.executor().execute(() -> {
            if (e != null) {
                error(ctx, rc, keepAlive, done, GatewayError.fatal(503, "server_error", "task_store_unavailable", null,
                        "The task store could not answer; try again shortly."));
                return;
            }
            if (t == null) {
                reply(ctx, rc, keepAlive, done, VideoEndpoints.notFound(id, rc.requestId));
                return;
            }
            if (t.status() != dev.junction.core.tasks.TaskState.SUCCEEDED) {
                error(ctx, rc, keepAlive, done, GatewayError.fatal(409, "invalid_request_error", "video_not_ready", null,
                        "Video '" + id + "' is " + VideoEndpoints.resource(t).path("status").asText()
                                + "; its content can be fetched once it is completed (GET /v1/videos/" + id + ")."));
                return;
            }
            String mediaId = dev.junction.core.tasks.VideoJobs.mediaId(t, variant);
            if (mediaId == null) {
                error(ctx, rc, keepAlive, done, GatewayError.invalidRequest("invalid_value", "variant",
                        "Video '" + id + "' has no " + variant + ": the vendor that made it offers none."));
                return;
            }
            MediaResponder.serve(ctx, rc, keepAlive, done, media, mediaId, headers, m == HttpMethod.HEAD,
                    GatewayError.fatal(404, "invalid_request_error", "video_not_found", null,
                            "The content of video '" + id + "' has expired (junction.tasks.media-retention)."));
        }));
        return null;
    }

    private ChatExchange images(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive,
                                Done done, GatewaySnapshot snap) {
        String base = snap.config().server().publicUrl();
        if (base == null) {
            String host = req.headers().get(HttpHeaderNames.HOST);
            base = "http://" + (host != null && !host.isBlank() ? host
                    : snap.config().server().host() + ":" + ((java.net.InetSocketAddress) ctx.channel().localAddress()).getPort());
        }
        String mediaBase = base;
        return proxy(ctx, req, rc, keepAlive, done, snap, (body, s) -> protocols.prepareImages(body,
                s.config().translation().unsupported(), media, s.config().mediaFetch(), mediaBase), ErrorShape.OPENAI,
                false);
    }

    /**
     * The Responses door (SPEC §3.1): {@code POST /v1/responses} runs like chat; {@code GET} and
     * {@code DELETE /v1/responses/{id}} read and remove what {@code store} kept, for the key that
     * created it only (another key gets {@code 404}, as for an unknown id).
     */
    private ChatExchange responses(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive,
                                   Done done, GatewaySnapshot snap, HttpMethod m, String path, KeyConfig key) {
        ResponseStates states = responseStates;
        if (path.equals("/v1/responses")) {
            if (m != HttpMethod.POST) {
                req.release();
                return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "POST"));
            }
            return proxy(ctx, req, rc, keepAlive, done, snap, (body, s) -> protocols.prepareResponses(body, key.name(),
                    states, s.config().translation().unsupported(), s.config().mediaFetch(), ctx.alloc()),
                    ErrorShape.OPENAI, false);
        }
        req.release();
        String id = java.net.URLDecoder.decode(path.substring("/v1/responses/".length()), StandardCharsets.UTF_8);
        if (id.isEmpty() || id.contains("/")) {
            return error(ctx, rc, keepAlive, done, GatewayError.fatal(404, "invalid_request_error", "unknown_endpoint",
                    null, "No endpoint " + m + " " + path + ". See the API list in the README."));
        }
        if (m != HttpMethod.GET && m != HttpMethod.DELETE) {
            return error(ctx, rc, keepAlive, done, methodNotAllowed(path, "GET and DELETE"));
        }
        GatewayError notFound = GatewayError.fatal(404, "invalid_request_error", "response_not_found", null,
                "No response with id '" + id + "'. Responses are kept only with store: true, for the key that created"
                        + " them, until they expire (junction.tasks.task-retention).");
        if (states == null) {
            return error(ctx, rc, keepAlive, done, notFound);
        }
        CompletionStage<FullHttpResponse> answer = m == HttpMethod.GET
                ? states.find(id, key.name()).thenApply(r -> r == null ? HttpResponses.error(notFound, rc.requestId)
                        : HttpResponses.json(HttpResponseStatus.OK, io.netty.buffer.Unpooled.wrappedBuffer(r.response())))
                : states.delete(id, key.name()).thenApply(deleted -> deleted
                        ? jsonOk("{\"id\":" + quoted(id) + ",\"object\":\"response\",\"deleted\":true}")
                        : HttpResponses.error(notFound, rc.requestId));
        return replyLater(ctx, rc, keepAlive, done, answer);
    }

    private static String quoted(String s) {
        return "\"" + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    /** Reads a client body into a prepared protocol; throws TranslationException. */
    private interface Preparer {
        ProtocolFactory.Prepared prepare(ByteBuf body, GatewaySnapshot snap);
    }

    private ChatExchange proxy(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive, Done done,
                               GatewaySnapshot snap, boolean embeddings) {
        return proxy(ctx, req, rc, keepAlive, done, snap, (body, s) -> protocols.prepare(body, embeddings, rc.requestId,
                s.config().translation().unsupported(), s.config().mediaFetch(), ctx.alloc()), ErrorShape.OPENAI, false);
    }

    /**
     * @param errors      how the door renders failures
     * @param countTokens a Messages token count: no tokens reserved, never cached
     */
    private ChatExchange proxy(ChannelHandlerContext ctx, FullHttpRequest req, RequestContext rc, boolean keepAlive, Done done,
                               GatewaySnapshot snap, Preparer preparer, ErrorShape errors, boolean countTokens) {
        ByteBuf body = req.content();
        ProtocolFactory.Prepared prepared;
        Deadline deadline;
        try {
            prepared = preparer.prepare(body, snap);
            deadline = Deadline.fromHeader(req.headers().get(Deadline.HEADER), null, null, Ticker.system());
        } catch (TranslationException e) {
            req.release();
            return error(ctx, rc, keepAlive, done, e.error(), errors);
        } catch (InvalidHeaderException e) {
            req.release();
            return error(ctx, rc, keepAlive, done, e.error(), errors);
        }
        String alias = prepared.alias();
        rc.alias = alias;
        if (!snap.hasAlias(alias)) {
            req.release();
            prepared.protocol().close();
            return error(ctx, rc, keepAlive, done, modelNotFound(alias), errors);
        }
        if (!rc.key.allows(alias)) {
            req.release();
            prepared.protocol().close();
            return error(ctx, rc, keepAlive, done, GatewayError.fatal(403, "permission_error", "model_not_allowed", "model",
                    "The key '" + rc.key.name() + "' may not use the model '" + alias + "'."), errors);
        }
        RouteResult routed = snap.router().select(snap.table(), alias, prepared.profile(),
                req.headers().get(Router.STRATEGY_HEADER));
        rc.stage("route", System.nanoTime());
        if (!routed.ok()) {
            req.release();
            prepared.protocol().close();
            return error(ctx, rc, keepAlive, done, routed.error(), errors);
        }
        List<Route> candidates = new ArrayList<>(routed.candidates().size());
        // A task's run keeps away from the providers at their max-concurrent-tasks whose slot it
        // does not hold (the task engine says which); only on the gateway's own task requests.
        String excluded = rc.taskOwner == null ? null : req.headers().get(LocalGateway.EXCLUDE_HEADER);
        java.util.Set<String> avoid = excluded == null ? java.util.Set.of()
                : java.util.Set.of(excluded.split(","));
        boolean avoided = false;
        for (Deployment d : routed.candidates()) {
            if (avoid.contains(d.providerName())) {
                avoided = true;
                continue;
            }
            Route r = snap.callables().get(d);
            // A body only its own vendor can read, and a token count, go only where the bytes are carried.
            if ((prepared.passThroughOnly() == null && !countTokens) || prepared.protocol().passesThrough(r)) {
                candidates.add(r);
            }
        }
        if (candidates.isEmpty()) {
            req.release();
            prepared.protocol().close();
            if (countTokens && prepared.passThroughOnly() == null) {
                // No deployment counts tokens itself: Junction's own estimate (SPEC §3.2).
                rc.status = 200;
                return reply(ctx, rc, keepAlive, done, HttpResponses.json(HttpResponseStatus.OK,
                        MessagesResponseEncoder.countTokens(prepared.profile().estimatedInputTokens(), ctx.alloc())));
            }
            if (avoided) {
                return error(ctx, rc, keepAlive, done, GatewayError.upstreamUnavailable("Every available provider of model '"
                        + alias + "' is running its max-concurrent-tasks; the task runs again shortly.")
                        .withRetryAfter(java.time.Duration.ofSeconds(1)), errors);
            }
            return error(ctx, rc, keepAlive, done, prepared.passThroughOnly(), errors);
        }
        rc.proxied = true;
        if (snap.config().accessLog().includePrompts()) {
            // SPEC §8: prompt text only when enabled; bounded so one line stays a line.
            rc.requestBody = body.toString(body.readerIndex(), Math.min(body.readableBytes(), 64 * 1024),
                    java.nio.charset.StandardCharsets.UTF_8);
        }
        metrics.requestStarted();
        ChatExchange x = new ChatExchange(ctx, rc, prepared.protocol(), candidates, upstream, body, keepAlive,
                snap.retry(), deadline, routed.route().hedge(), snap.config().streaming().keepaliveInterval(),
                r -> done.done(ctx, r));
        // SPEC §7.1: the key's limits are reserved before the first attempt and settled when the
        // request is recorded (log). With Redis the answer comes back on another thread.
        rc.estimatedPromptTokens = prepared.profile().estimatedInputTokens();
        // A token count produces no tokens: it counts as a request against rpm, not against tpm.
        long estimate = countTokens ? 0 : rc.estimatedPromptTokens + expectedOutput(prepared.profile().requestedMaxOutput(),
                candidates, snap.config().limits().defaultMaxOutput());
        rc.tokenEstimate = estimate;
        // A door is cached once the cache knows how to replay it (ReplayShapes); others pass by.
        ReplayShape shape = countTokens ? null : ReplayShapes.of(prepared.protocol().door());
        CachePlan plan = shape == null ? null : cache.plan(snap.config().models().get(alias), shape, rc.path, rc.key, body,
                req.headers().get(HttpHeaderNames.CACHE_CONTROL));
        if (plan == null || !plan.lookup()) {
            if (plan != null) {
                rc.cache = plan.headerBeforeLookup();
                x.record(cache.record(plan, shape));
            }
            reserve(ctx, x, rc, estimate, null, null, false);
            return x;
        }
        var found = cache.lookup(plan).toCompletableFuture();
        if (found.isDone() && ctx.executor().inEventLoop()) {
            lookedUp(ctx, x, rc, plan, shape, estimate, found.join());
        } else {
            found.whenComplete((e, t) -> ctx.executor().execute(() -> lookedUp(ctx, x, rc, plan, shape, estimate, e)));
        }
        return x;
    }

    /**
     * The cache answered (docs/cache.md): a hit is replayed once the key's limits admit it — it
     * counts as a request (rpm, max-concurrent) but reserves no tokens, since nothing is asked of a
     * vendor; a miss goes to the vendors and its answer is recorded for the cache.
     */
    private void lookedUp(ChannelHandlerContext ctx, ChatExchange x, RequestContext rc, CachePlan plan, ReplayShape shape,
                          long estimate, CacheEntry entry) {
        if (x.finished()) {
            return; // the client left while the shared store answered
        }
        if (entry != null) {
            rc.cache = "hit";
            rc.tokenEstimate = 0;
            reserve(ctx, x, rc, 0, entry, shape, plan.includeUsage());
            return;
        }
        rc.cache = "miss";
        x.record(cache.record(plan, shape));
        reserve(ctx, x, rc, estimate, null, null, false);
    }

    private void reserve(ChannelHandlerContext ctx, ChatExchange x, RequestContext rc, long tokens, CacheEntry hit,
                         ReplayShape shape, boolean includeUsage) {
        var admission = limiter.reserve(rc.key, tokens, rc.requestId).toCompletableFuture();
        if (admission.isDone() && ctx.executor().inEventLoop()) {
            admitted(x, rc, admission.join(), hit, shape, includeUsage);
        } else {
            admission.whenComplete((a, e) -> ctx.executor().execute(() -> {
                if (a != null) {
                    admitted(x, rc, a, hit, shape, includeUsage);
                } else {
                    LOG.error("request {}: the key limiter failed", rc.requestId, e);
                    x.reject(GatewayError.internal("Junction failed to check the key's limits (request id "
                            + rc.requestId + "); this is a bug, please report it."));
                }
            }));
        }
    }

    /**
     * Starts the exchange (or replays the cache's {@code hit}) once the key's limits admit it, or
     * answers the refusal (SPEC §4, §7.1).
     */
    private void admitted(ChatExchange x, RequestContext rc, Admission a, CacheEntry hit, ReplayShape shape,
                          boolean includeUsage) {
        if (x.finished()) {
            limiter.settle(a, 0, 0); // the client left while the shared store answered
            return;
        }
        rc.admission = a;
        if (!a.admitted()) {
            rc.cache = null; // x-junction-cache describes answers; a refusal is not one
            x.reject(a.error());
        } else if (hit != null) {
            x.replay(hit, shape, includeUsage);
        } else {
            x.start();
        }
    }

    /**
     * Output tokens a request may produce, for its tpm reservation: what it asked for, else the
     * largest max output among its candidates in the catalog, else {@code fallback}.
     */
    static long expectedOutput(Integer requested, List<Route> candidates, int fallback) {
        if (requested != null && requested > 0) {
            return requested;
        }
        long max = 0;
        for (Route r : candidates) {
            max = Math.max(max, r.deployment().info().maxOutput());
        }
        return max > 0 ? max : fallback;
    }

    private FullHttpResponse readiness(GatewaySnapshot snap) {
        for (dev.junction.core.routing.Route r : snap.table().routes().values()) {
            for (Deployment d : r.deployments()) {
                if (d.enabled()) {
                    // SPEC §7.1: a shared limit store that is unreachable degrades, it does not unready.
                    return jsonOk("{\"status\":\"ready\",\"limits\":\"" + (limiter.degraded() ? "degraded" : "ok")
                            + "\"}");
                }
            }
        }
        return HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                "{\"status\":\"not ready\",\"reason\":\"no alias has an enabled deployment\"}".getBytes(StandardCharsets.UTF_8));
    }

    private FullHttpResponse models(GatewaySnapshot snap, KeyConfig key) {
        ByteBuf buf = io.netty.buffer.Unpooled.buffer(256);
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (String alias : snap.aliases()) {
                if (key.allows(alias)) {
                    writeModel(g, snap, alias);
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return HttpResponses.json(HttpResponseStatus.OK, buf);
    }

    private ByteBuf model(ChannelHandlerContext ctx, GatewaySnapshot snap, String alias) {
        ByteBuf buf = ctx.alloc().heapBuffer(128);
        try (JsonGenerator g = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            writeModel(g, snap, alias);
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }

    private static void writeModel(JsonGenerator g, GatewaySnapshot snap, String alias) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", alias);
        g.writeStringField("object", "model");
        g.writeNumberField("created", snap.createdAtMillis() / 1000);
        g.writeStringField("owned_by", "junction");
        g.writeEndObject();
    }

    private static GatewayError modelNotFound(String alias) {
        return GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + alias + "' does not exist on this gateway. GET /v1/models lists the models you can use.");
    }

    private static GatewayError methodNotAllowed(String path, String allowed) {
        return GatewayError.fatal(405, "invalid_request_error", "method_not_allowed", null,
                path + " accepts " + allowed + " only.");
    }

    private static FullHttpResponse jsonOk(String json) {
        return HttpResponses.text(HttpResponseStatus.OK, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private ChatExchange error(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Done done, GatewayError e) {
        return error(ctx, rc, keepAlive, done, e, ErrorShape.OPENAI);
    }

    /** Answers {@code e} in the client door's error shape. */
    private ChatExchange error(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Done done, GatewayError e,
                               ErrorShape shape) {
        rc.errorCode = e.code();
        return reply(ctx, rc, keepAlive, done, HttpResponses.error(e, rc.requestId, shape));
    }

    /** Writes an answer computed off the event loop (the task store's thread) on the connection's loop. */
    private ChatExchange replyLater(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Done done,
                                    CompletionStage<FullHttpResponse> answer) {
        answer.whenComplete((r, e) -> ctx.executor().execute(() -> {
            if (e != null) {
                LOG.error("request {} failed inside Junction", rc.requestId, e);
                error(ctx, rc, keepAlive, done, GatewayError.internal("Junction failed to handle the request (request id "
                        + rc.requestId + "); this is a bug, please report it."));
            } else {
                reply(ctx, rc, keepAlive, done, r);
            }
        }));
        return null;
    }

    private ChatExchange reply(ChannelHandlerContext ctx, RequestContext rc, boolean keepAlive, Done done, FullHttpResponse r) {
        rc.status = r.status().code();
        r.headers().set(HttpResponses.X_REQUEST_ID, rc.requestId);
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.writeAndFlush(r).addListener(f -> {
            done.done(ctx, rc);
            if (!keepAlive || !f.isSuccess()) {
                ctx.close();
            }
        });
        return null;
    }

    void log(RequestContext rc) {
        if (rc.admission != null) {
            rc.limitRoundTrips = limiter.settle(rc.admission,
                    rc.promptTokens < 0 ? 0 : rc.promptTokens + rc.completionTokens, rc.costUsd);
        }
        if (rc.trace != null) {
            rc.trace.finish(rc);
        }
        if (rc.proxied) {
            metrics.requestFinished(rc);
        }
        if (snapshot.get().config().accessLog().enabled()) {
            accessLog.write(rc);
        }
    }

    void connectionError(Throwable cause) {
        LOG.debug("client connection error", cause);
    }
}

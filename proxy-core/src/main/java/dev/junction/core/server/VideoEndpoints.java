package dev.junction.core.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.core.catalog.Capability;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.TasksConfig;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.proxy.Route;
import dev.junction.core.routing.Deployment;
import dev.junction.core.routing.RequestProfile;
import dev.junction.core.routing.RouteResult;
import dev.junction.core.routing.Router;
import dev.junction.core.tasks.Task;
import dev.junction.core.tasks.TaskEngine;
import dev.junction.core.tasks.TaskState;
import dev.junction.core.tasks.VideoJobs;
import dev.junction.core.tasks.WebhookSender;
import dev.junction.stream.GatewayError;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VideoVendor;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * OpenAI's video API (SPEC §6.2; wire-formats §1.10) over the task engine: {@code POST /v1/videos}
 * (JSON or multipart with an {@code input_reference} file) accepts a task of kind
 * {@link VideoJobs#KIND} and answers the {@code VideoResource}; {@code GET /v1/videos/{id}},
 * {@code GET /v1/videos}, {@code DELETE /v1/videos/{id}} read the task; the content is served
 * from the media store by {@link Endpoints}. A video id is its task's id, so
 * {@code GET /v1/tasks/{id}} works with it as well. What the chosen vendor cannot honour
 * ({@code seconds}, {@code size}) is refused with a 400 at creation, before any task exists.
 */
final class VideoEndpoints {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskEngine engine;

    VideoEndpoints(TaskEngine engine) {
        this.engine = engine;
    }

    /** POST /v1/videos. Does not own {@code req}. */
    CompletionStage<FullHttpResponse> create(FullHttpRequest req, KeyConfig key, GatewaySnapshot snap, String requestId) {
        ObjectNode canonical;
        try {
            canonical = canonical(req);
        } catch (TranslationException e) {
            return done(HttpResponses.error(e.error(), requestId));
        }
        String alias = canonical.path("model").asText();
        if (!snap.hasAlias(alias)) {
            return done(HttpResponses.error(GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + alias + "' does not exist on this gateway. GET /v1/models lists the models you can use."),
                    requestId));
        }
        if (!key.allows(alias)) {
            return done(HttpResponses.error(GatewayError.fatal(403, "permission_error", "model_not_allowed", "model",
                    "The key '" + key.name() + "' may not use the model '" + alias + "'."), requestId));
        }
        RouteResult routed = snap.router().select(snap.table(), alias,
                new RequestProfile(EnumSet.of(Capability.VIDEO), 1, null), req.headers().get(Router.STRATEGY_HEADER));
        if (!routed.ok()) {
            return done(HttpResponses.error(routed.error(), requestId));
        }
        // Checked now, so the client gets the 400 naming what the vendor cannot honour (not a failed task).
        Route first = snap.callables().get(routed.candidates().get(0));
        VideoVendor v = VendorRegistry.videos(first.provider().type());
        if (v == null) {
            return done(HttpResponses.error(GatewayError.invalidRequest("unsupported_capability", "model",
                    "Provider '" + first.provider().name() + "' (type " + first.provider().type() + ") makes no videos."),
                    requestId));
        }
        VideoVendor.Shape expected;
        try {
            VideoRequest vr = request(canonical);
            UpstreamRequest built = v.create(vr, first.target(), ByteBufAllocator.DEFAULT);
            built.body().release();
            // What the video will be when the client left seconds or size out: the vendor's defaults,
            // answered until the vendor job (which records what it really makes) exists.
            expected = v.shape(vr, null);
        } catch (TranslationException e) {
            return done(HttpResponses.error(e.error(), requestId));
        }
        TasksConfig tc = snap.config().tasks();
        String idem = req.headers().get(TaskEndpoints.IDEMPOTENCY_HEADER);
        String hook = req.headers().get(TaskEndpoints.WEBHOOK_HEADER);
        TasksConfig.KeyWebhook kw = tc.keyWebhooks().get(key.name());
        if (hook == null && kw != null) {
            hook = kw.url();
        }
        if (hook != null) {
            String why = WebhookSender.checkSyntax(hook, tc.webhooks());
            if (why != null) {
                return done(HttpResponses.error(GatewayError.invalidRequest("invalid_value", null,
                        "The webhook URL " + hook + " cannot be used: " + why + "."), requestId));
            }
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(canonical);
        } catch (IOException e) {
            return done(HttpResponses.error(GatewayError.internal("Could not store the video request."), requestId));
        }
        // The expected shape is kept beside the body, not in it: the body is what Idempotency-Key
        // compares, and a reload that changes the alias's first deployment must not make a retry a 409.
        Task.TaskRequest tr = new Task.TaskRequest("POST", "/v1/videos", Map.of("content-type", "application/json",
                VideoJobs.EXPECTED_SECONDS, expected.seconds(), VideoJobs.EXPECTED_SIZE, expected.size()), body);
        return engine.submit(new TaskEngine.NewTask(key.name(), VideoJobs.KIND, tr, alias, idem, hook)).thenApply(s -> {
            if (s.conflict()) {
                return HttpResponses.error(GatewayError.fatal(409, "invalid_request_error", "idempotency_key_reused", null,
                        "This Idempotency-Key was used with a different request (video " + s.task().id()
                                + "); use a new key for a new request."), requestId);
            }
            return ok(resource(s.task()));
        }).exceptionally(e -> failure(e, requestId));
    }

    /** GET /v1/videos, GET /v1/videos/{id}, DELETE /v1/videos/{id}; null when not one of them. */
    CompletionStage<FullHttpResponse> handle(HttpMethod m, String uri, String path, KeyConfig key, String requestId) {
        if (path.equals("/v1/videos")) {
            if (m != HttpMethod.GET) {
                return done(HttpResponses.error(GatewayError.fatal(405, "invalid_request_error", "method_not_allowed", null,
                        "/v1/videos accepts GET and POST only."), requestId));
            }
            QueryStringDecoder q = new QueryStringDecoder(uri);
            int limit = 20;
            String l = first(q, "limit");
            if (l != null) {
                try {
                    limit = Integer.parseInt(l);
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > 100) {
                    return done(HttpResponses.error(GatewayError.invalidRequest("invalid_value", "limit",
                            "limit must be an integer from 1 to 100."), requestId));
                }
            }
            int want = limit;
            return engine.list(key.name(), null, first(q, "after"), 100).thenApply(p -> {
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                ArrayNode data = list.putArray("data");
                boolean more = false;
                for (Task t : p.tasks()) {
                    if (!VideoJobs.KIND.equals(t.kind())) {
                        continue;
                    }
                    if (data.size() == want) {
                        more = true;
                        break;
                    }
                    data.add(resource(t));
                }
                list.put("first_id", data.isEmpty() ? null : data.get(0).path("id").asText());
                list.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).path("id").asText());
                list.put("has_more", more || p.hasMore());
                return ok(list);
            }).exceptionally(e -> failure(e, requestId));
        }
        String id = path.substring("/v1/videos/".length());
        if (id.isEmpty() || id.contains("/")) {
            return null;
        }
        if (m == HttpMethod.GET) {
            return video(key, id).thenApply(t -> t == null ? notFound(id, requestId) : ok(resource(t)))
                    .exceptionally(e -> failure(e, requestId));
        }
        if (m == HttpMethod.DELETE) {
            return video(key, id).thenCompose(t -> t == null ? CompletableFuture.completedFuture(notFound(id, requestId))
                    : engine.cancel(key.name(), id).thenApply(c -> c == null ? notFound(id, requestId)
                    : ok(JSON.createObjectNode().put("id", id).put("object", "video.deleted").put("deleted", true))))
                    .exceptionally(e -> failure(e, requestId));
        }
        return done(HttpResponses.error(GatewayError.fatal(405, "invalid_request_error", "method_not_allowed", null,
                path + " accepts GET and DELETE only."), requestId));
    }

    /** The caller's video task, or null. */
    CompletableFuture<Task> video(KeyConfig key, String id) {
        return engine.get(key.name(), id).thenApply(t -> t != null && VideoJobs.KIND.equals(t.kind()) ? t : null);
    }

    static FullHttpResponse notFound(String id, String requestId) {
        return HttpResponses.error(GatewayError.fatal(404, "invalid_request_error", "video_not_found", null,
                "No video '" + id + "' for this key. Videos are visible only to the key that created them."), requestId);
    }

    /** OpenAI's {@code VideoResource} for a video task (wire-formats §1.10, states as §7). */
    static ObjectNode resource(Task t) {
        return VideoJobs.resource(t);
    }

    /** The client's request as the canonical JSON a video task stores. */
    private static ObjectNode canonical(FullHttpRequest req) {
        String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        ObjectNode out = JSON.createObjectNode();
        String prompt;
        String model;
        String seconds;
        String size;
        String refMime = null;
        String refData = null;
        if (ct.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            HttpPostRequestDecoder d = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req);
            try {
                Map<String, String> fields = new java.util.HashMap<>();
                for (InterfaceHttpData data : d.getBodyHttpDatas()) {
                    if (data instanceof FileUpload f && f.getName().equals("input_reference")) {
                        refMime = f.getContentType();
                        refData = Base64.getEncoder().encodeToString(f.get());
                    } else if (data instanceof Attribute a) {
                        fields.put(a.getName(), a.getValue());
                    }
                }
                prompt = fields.get("prompt");
                model = fields.get("model");
                seconds = fields.get("seconds");
                size = fields.get("size");
            } catch (IOException | HttpPostRequestDecoder.ErrorDataDecoderException e) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", null,
                        "The multipart body could not be read: " + e.getMessage()));
            } finally {
                d.destroy();
            }
        } else {
            JsonNode n;
            try {
                n = JSON.readTree(new ByteBufInputStream(req.content().duplicate()));
            } catch (IOException e) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_json", null,
                        "The request body is not valid JSON: " + e.getMessage()));
            }
            if (n == null || !n.isObject()) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_json", null,
                        "The request body must be a JSON object (or multipart/form-data)."));
            }
            prompt = text(n, "prompt");
            model = text(n, "model");
            seconds = text(n, "seconds");
            size = text(n, "size");
            JsonNode ref = n.get("input_reference");
            if (ref != null && !ref.isNull()) {
                String url = ref.path("image_url").asText(null);
                if (url == null || !url.startsWith("data:") || url.indexOf(";base64,") < 0) {
                    throw new TranslationException(GatewayError.invalidRequest("invalid_value", "input_reference",
                            "input_reference must be {\"image_url\": \"data:<type>;base64,...\"} in JSON, or a file in a "
                                    + "multipart body; file ids and remote URLs are not supported."));
                }
                refMime = url.substring(5, url.indexOf(";base64,"));
                refData = url.substring(url.indexOf(";base64,") + 8);
            }
        }
        if (prompt == null || prompt.isBlank()) {
            throw new TranslationException(GatewayError.invalidRequest("missing_field", "prompt", "'prompt' is required."));
        }
        if (model == null || model.isBlank()) {
            throw new TranslationException(GatewayError.invalidRequest("missing_field", "model",
                    "'model' is required: the alias to use (GET /v1/models lists them)."));
        }
        if (refMime != null && !refMime.startsWith("image/")) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "input_reference",
                    "input_reference must be an image (png, jpeg or webp); got " + refMime + "."));
        }
        out.put("model", model).put("prompt", prompt);
        if (seconds != null) {
            out.put("seconds", seconds);
        }
        if (size != null) {
            out.put("size", size);
        }
        if (refData != null) {
            out.putObject("input_reference").put("mime_type", refMime).put("data", refData);
        }
        return out;
    }

    private static VideoRequest request(ObjectNode c) {
        JsonNode ref = c.path("input_reference");
        return new VideoRequest(c.path("model").asText(), c.path("prompt").asText(), text(c, "seconds"), text(c, "size"),
                ref.isObject() ? ref.path("mime_type").asText() : null, ref.isObject() ? ref.path("data").asText() : null);
    }

    private static String text(JsonNode n, String f) {
        JsonNode v = n.get(f);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static FullHttpResponse ok(JsonNode json) {
        try {
            return HttpResponses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(JSON.writeValueAsBytes(json)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FullHttpResponse failure(Throwable e, String requestId) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        org.slf4j.LoggerFactory.getLogger(VideoEndpoints.class).error("video request {} failed", requestId, c);
        return HttpResponses.error(GatewayError.fatal(503, "server_error", "task_store_unavailable", null,
                "The task store could not answer (" + c.getMessage() + "); try again shortly."), requestId);
    }

    private static CompletionStage<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

}

package dev.junction.core.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.TasksConfig;
import dev.junction.core.http.HttpResponses;
import dev.junction.core.tasks.HttpTaskHandler;
import dev.junction.core.tasks.Task;
import dev.junction.core.tasks.TaskEngine;
import dev.junction.core.tasks.TaskJson;
import dev.junction.core.tasks.TaskState;
import dev.junction.core.tasks.TaskStoreException;
import dev.junction.core.tasks.WebhookSender;
import dev.junction.stream.GatewayError;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The task API (SPEC §6.1): {@code Prefer: respond-async} on a POST endpoint → {@code 202} with the
 * task; {@code GET /v1/tasks/{id}}, {@code GET /v1/tasks}, {@code DELETE /v1/tasks/{id}}. Answers
 * are futures completed off the event loop (the store has its own thread); {@link Endpoints}
 * writes them on the connection's loop.
 */
final class TaskEndpoints {

    static final String WEBHOOK_HEADER = "x-junction-webhook-url";
    static final String IDEMPOTENCY_HEADER = "idempotency-key";
    /**
     * The POST endpoints a task can run (any endpoint whose request is one JSON body with a
     * {@code model}); a new such endpoint adds its path here and gets {@code respond-async} for free.
     */
    static final Set<String> ASYNC_PATHS = Set.of("/v1/chat/completions", "/v1/embeddings",
            "/v1/images/generations", "/v1/responses", "/v1/messages");
    /** Request headers that change how a request is served, kept on the task to replay it. */
    private static final List<String> KEPT_HEADERS = List.of("content-type", "accept", "x-junction-strategy",
            "x-junction-deadline-ms", "traceparent", "tracestate", "anthropic-version", "anthropic-beta",
            "cache-control", "openai-beta");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskEngine engine;

    TaskEndpoints(TaskEngine engine) {
        this.engine = engine;
    }

    /** True when the request asks to be answered asynchronously (RFC 7240) and its endpoint can be. */
    static boolean wantsAsync(HttpMethod m, String path, HttpHeaders h) {
        // Almost no request says Prefer: asking first costs a look at the header block, no list.
        if (m != HttpMethod.POST || !h.contains("prefer") || !ASYNC_PATHS.contains(path)) {
            return false;
        }
        for (String v : h.getAll("prefer")) {
            for (String pref : v.split(",")) {
                String p = pref.trim().toLowerCase(Locale.ROOT);
                int semi = p.indexOf(';');
                if ((semi >= 0 ? p.substring(0, semi).trim() : p).equals("respond-async")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Accepts the request as a task; the answer is 202 once the task is committed. Owns {@code req}. */
    CompletionStage<FullHttpResponse> submit(FullHttpRequest req, String path, KeyConfig key, GatewaySnapshot snap,
                                             String requestId) {
        byte[] body;
        String model;
        try {
            JsonNode root;
            try {
                root = JSON.readTree(new io.netty.buffer.ByteBufInputStream(req.content().duplicate()));
            } catch (JsonProcessingException e) {
                return done(error(GatewayError.invalidRequest("invalid_json", null,
                        "The request body is not valid JSON: " + e.getOriginalMessage()), requestId));
            }
            if (root == null || !root.isObject()) {
                return done(error(GatewayError.invalidRequest("invalid_json", null,
                        "The request body must be a JSON object."), requestId));
            }
            JsonNode m = root.get("model");
            if (m == null || !m.isTextual()) {
                return done(error(GatewayError.invalidRequest("missing_field", "model",
                        "'model' is required: the alias to use (GET /v1/models lists them)."), requestId));
            }
            model = m.asText();
            if (!snap.hasAlias(model)) {
                return done(error(GatewayError.fatal(404, "invalid_request_error", "model_not_found", "model",
                        "The model '" + model + "' does not exist on this gateway. GET /v1/models lists the models you can use."),
                        requestId));
            }
            if (!key.allows(model)) {
                return done(error(GatewayError.fatal(403, "permission_error", "model_not_allowed", "model",
                        "The key '" + key.name() + "' may not use the model '" + model + "'."), requestId));
            }
            if (root.path("stream").asBoolean(false)) {
                // SPEC §6.1: a streamed request run as a task runs unstreamed; the task keeps the whole answer.
                ((ObjectNode) root).put("stream", false);
                ((ObjectNode) root).remove("stream_options");
                body = JSON.writeValueAsBytes(root);
            } else {
                body = new byte[req.content().readableBytes()];
                req.content().getBytes(req.content().readerIndex(), body);
            }
        } catch (IOException e) {
            return done(error(GatewayError.invalidRequest("invalid_json", null, "The request body could not be read."),
                    requestId));
        }
        TasksConfig tc = snap.config().tasks();
        String idem = req.headers().get(IDEMPOTENCY_HEADER);
        if (idem != null && (idem.isBlank() || idem.length() > 255)) {
            return done(error(GatewayError.invalidRequest("invalid_value", null,
                    "Idempotency-Key must be 1 to 255 characters."), requestId));
        }
        String hook = req.headers().get(WEBHOOK_HEADER);
        TasksConfig.KeyWebhook kw = tc.keyWebhooks().get(key.name());
        if (hook == null && kw != null) {
            hook = kw.url();
        }
        if (hook != null) {
            String why = WebhookSender.checkSyntax(hook, tc.webhooks());
            if (why != null) {
                return done(error(GatewayError.invalidRequest("invalid_value", null,
                        "The webhook URL " + hook + " cannot be used: " + why + "."), requestId));
            }
            if ((kw == null || kw.secret() == null) && tc.webhooks().secret() == null) {
                return done(error(GatewayError.invalidRequest("invalid_value", null,
                        "A webhook was asked for, but no signing secret is configured: set junction.tasks.webhooks.secret"
                                + " or the key's webhook-secret."), requestId));
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h : KEPT_HEADERS) {
            String v = req.headers().get(h);
            if (v != null) {
                headers.put(h, v);
            }
        }
        Task.TaskRequest tr = new Task.TaskRequest("POST", path, headers, body);
        return engine.submit(new TaskEngine.NewTask(key.name(), HttpTaskHandler.KIND, tr, model, idem, hook))
                .thenApply(s -> {
                    if (s.conflict()) {
                        return error(GatewayError.fatal(409, "invalid_request_error", "idempotency_key_reused", null,
                                "This Idempotency-Key was used with a different request (task " + s.task().id()
                                        + "); use a new key for a new request."), requestId);
                    }
                    return accepted(s.task());
                })
                .exceptionally(e -> storeFailure(e, requestId));
    }

    /** GET/DELETE on {@code /v1/tasks[/{id}]}; null when the path is not the task API. */
    CompletionStage<FullHttpResponse> handle(HttpMethod m, String uri, String path, KeyConfig key, String requestId) {
        if (path.equals("/v1/tasks")) {
            if (m != HttpMethod.GET) {
                return done(error(methodNotAllowed(path, "GET"), requestId));
            }
            QueryStringDecoder q = new QueryStringDecoder(uri);
            String status = first(q, "status");
            TaskState st = status == null ? null : TaskState.fromWire(status);
            if (status != null && st == null) {
                return done(error(GatewayError.invalidRequest("invalid_value", "status",
                        "status must be one of queued, running, succeeded, failed, cancelled, expired."), requestId));
            }
            int limit = 20;
            String l = first(q, "limit");
            if (l != null) {
                try {
                    limit = Integer.parseInt(l);
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > 100) {
                    return done(error(GatewayError.invalidRequest("invalid_value", "limit",
                            "limit must be an integer from 1 to 100."), requestId));
                }
            }
            return engine.list(key.name(), st, first(q, "after"), limit)
                    .thenApply(p -> ok(TaskJson.list(p.tasks(), p.hasMore())))
                    .exceptionally(e -> storeFailure(e, requestId));
        }
        String id = path.substring("/v1/tasks/".length());
        if (id.isEmpty() || id.contains("/")) {
            return null;
        }
        if (m == HttpMethod.GET) {
            return engine.get(key.name(), id)
                    .thenApply(t -> t == null ? notFound(id, requestId) : ok(TaskJson.resource(t)))
                    .exceptionally(e -> storeFailure(e, requestId));
        }
        if (m == HttpMethod.DELETE) {
            return engine.cancel(key.name(), id)
                    .thenApply(c -> c == null ? notFound(id, requestId)
                            : ok(c.deleted() ? TaskJson.deleted(id) : TaskJson.resource(c.task())))
                    .exceptionally(e -> storeFailure(e, requestId));
        }
        return done(error(methodNotAllowed(path, "GET, DELETE"), requestId));
    }

    static FullHttpResponse accepted(Task t) {
        FullHttpResponse r = HttpResponses.json(HttpResponseStatus.ACCEPTED, Unpooled.wrappedBuffer(TaskJson.resource(t)));
        r.headers().set(HttpHeaderNames.LOCATION, "/v1/tasks/" + t.id());
        r.headers().set("preference-applied", "respond-async");
        return r;
    }

    private static FullHttpResponse ok(byte[] json) {
        return HttpResponses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(json));
    }

    private static FullHttpResponse notFound(String id, String requestId) {
        return error(GatewayError.fatal(404, "invalid_request_error", "task_not_found", null,
                "No task '" + id + "' for this key. Tasks are visible only to the key that created them."), requestId);
    }

    private static FullHttpResponse storeFailure(Throwable e, String requestId) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (c instanceof TaskStoreException) {
            return error(GatewayError.fatal(503, "server_error", "task_store_unavailable", null,
                    "The task store is not available right now (" + c.getMessage() + "); try again shortly.")
                    .withRetryAfter(java.time.Duration.ofSeconds(1)), requestId);
        }
        org.slf4j.LoggerFactory.getLogger(TaskEndpoints.class).error("task request {} failed", requestId, c);
        return error(GatewayError.internal("Junction failed to handle the task request (request id " + requestId
                + "); this is a bug, please report it."), requestId);
    }

    private static GatewayError methodNotAllowed(String path, String allowed) {
        return GatewayError.fatal(405, "invalid_request_error", "method_not_allowed", null,
                path + " accepts " + allowed + " only.");
    }

    private static FullHttpResponse error(GatewayError e, String requestId) {
        return HttpResponses.error(e, requestId);
    }

    private static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() || v.get(0).isEmpty() ? null : v.get(0);
    }

    private static CompletionStage<FullHttpResponse> done(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}

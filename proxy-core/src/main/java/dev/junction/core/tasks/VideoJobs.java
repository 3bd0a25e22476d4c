package dev.junction.core.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.core.media.AddressClassifier;
import dev.junction.core.media.FetchPolicy;
import dev.junction.core.media.MediaStore;
import dev.junction.core.proxy.Route;
import dev.junction.core.upstream.Origin;
import dev.junction.core.upstream.UpstreamCall;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.core.upstream.UpstreamListener;
import dev.junction.stream.GatewayError;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VideoStatus;
import dev.junction.translators.spi.VideoVendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Videos as tasks (SPEC §6.2): the {@link AsyncVendor} behind {@code /v1/videos}, whatever vendor
 * makes the video — Veo operations, an OpenAI-videos-shaped server, Runway tasks — through that
 * vendor's {@link VideoVendor} translation. Submission goes to the first candidate the router
 * picks for the alias (a retryable failure is submitted again, possibly elsewhere); polls, the
 * download and cancellation go to the provider the job was submitted to, read from the current
 * configuration. The finished file is streamed into the media store as it arrives (the upstream
 * is read one chunk at a time, the next read after the chunk is on disk); the task's answer names
 * the stored files.
 */
public final class VideoJobs implements AsyncVendor {

    public static final String KIND = "video";
    private static final Logger LOG = LoggerFactory.getLogger(VideoJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String COST_HEADER = "x-junction-cost-usd";
    /** Kept with a video task's request: the seconds and size its first deployment makes by default. */
    public static final String EXPECTED_SECONDS = "x-junction-expected-seconds";
    public static final String EXPECTED_SIZE = "x-junction-expected-size";
    static final String PROVIDER_HEADER = "x-junction-provider";
    static final String MODEL_HEADER = "x-junction-model";
    /** Largest answer read whole (create, poll, cancel): they are small JSON objects. */
    private static final int MAX_ANSWER = 1 << 20;

    /** How the current configuration is read; implemented by the server over its snapshot. */
    public interface Routes {
        /** The deployments that may make {@code alias}'s video, best first; empty when none. */
        List<Route> candidates(String alias);

        /** The route of {@code provider} / {@code model} now, or null when it is no longer configured. */
        Route route(String provider, String model);
    }

    private final Routes routes;
    private final UpstreamClient upstream;
    private final EventLoopGroup loops;
    private final MediaStore media;
    private final java.util.function.Supplier<FetchPolicy> fetchPolicy;

    /** @param fetchPolicy the current {@code junction.media-fetch} (its allow-list applies to vendor file hosts) */
    public VideoJobs(Routes routes, UpstreamClient upstream, EventLoopGroup loops, MediaStore media,
                     java.util.function.Supplier<FetchPolicy> fetchPolicy) {
        this.fetchPolicy = fetchPolicy;
        this.routes = routes;
        this.upstream = upstream;
        this.loops = loops;
        this.media = media;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The canonical request a video task stores (written by the {@code /v1/videos} endpoint). */
    public static VideoRequest request(Task task) {
        try {
            JsonNode n = JSON.readTree(task.request().body());
            JsonNode ref = n.path("input_reference");
            return new VideoRequest(n.path("model").asText(), n.path("prompt").asText(), text(n, "seconds"), text(n, "size"),
                    ref.isObject() ? ref.path("mime_type").asText() : null, ref.isObject() ? ref.path("data").asText() : null);
        } catch (IOException e) {
            throw new IllegalStateException("video task " + task.id() + " holds an unreadable request", e);
        }
    }

    private static String text(JsonNode n, String f) {
        return n.hasNonNull(f) ? n.get(f).asText() : null;
    }

    /** Before submission, the providers routing would submit to, in its order; then the job's. */
    @Override
    public List<String> providers(Task task) {
        if (task.vendorJob() != null) {
            return List.of(task.vendorJob().provider());
        }
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (Route r : routes.candidates(task.model())) {
            out.add(r.provider().name());
        }
        return List.copyOf(out);
    }

    @Override
    public CompletionStage<Task.VendorJob> submit(Task task, String submissionKey) {
        return submit(task, submissionKey, java.util.Set.of());
    }

    /** Submits to the first candidate routing picks whose provider is not excluded (max-concurrent-tasks). */
    @Override
    public CompletionStage<Task.VendorJob> submit(Task task, String submissionKey, java.util.Set<String> excludedProviders) {
        VideoRequest r = request(task);
        List<Route> candidates = new ArrayList<>(routes.candidates(task.model()));
        candidates.removeIf(c -> excludedProviders.contains(c.provider().name()));
        if (candidates.isEmpty()) {
            return failed(new VendorJobException(new Task.TaskError("No deployment of '" + task.model()
                    + "' can make videos now.", "upstream_error", null, "upstream_unavailable"), true, null));
        }
        Route route = candidates.get(0);
        VideoVendor v = VendorRegistry.videos(route.provider().type());
        if (v == null) {
            return failed(new VendorJobException(new Task.TaskError("Provider '" + route.provider().name()
                    + "' makes no videos.", "invalid_request_error", "model", "unsupported_capability"), false, null));
        }
        UpstreamRequest req;
        try {
            req = v.create(r, route.target(), ByteBufAllocator.DEFAULT);
        } catch (TranslationException e) {
            return failed(jobError(e.error()));
        }
        return call(route, route.origin(), req).thenApply(a -> {
            try {
                if (a.status < 200 || a.status >= 300) {
                    throw jobError(v.error(a.status, a.headers, a.body));
                }
                String id = v.jobId(a.body);
                VideoVendor.Shape shape = v.shape(r, a.body);
                ObjectNode state = JSON.createObjectNode().put("model", route.model())
                        .put("seconds", shape.wholeSeconds()).put("size", shape.size());
                return new Task.VendorJob(route.provider().name(), id, state.toString(), 0);
            } catch (TranslationException e) {
                throw jobError(e.error());
            } finally {
                a.body.release();
            }
        });
    }

    @Override
    public CompletionStage<JobStatus> poll(Task task, Task.VendorJob job) {
        Route route = route(job);
        VideoVendor v = VendorRegistry.videos(route.provider().type());
        return call(route, route.origin(), v.poll(job.id(), route.target(), ByteBufAllocator.DEFAULT)).thenApply(a -> {
            try {
                if (a.status < 200 || a.status >= 300) {
                    throw jobError(v.error(a.status, a.headers, a.body));
                }
                VideoStatus s = v.status(a.body);
                if (s instanceof VideoStatus.Pending p) {
                    return (JobStatus) new JobStatus.Pending(p.started() ? p.progress() : Integer.valueOf(0), null);
                }
                if (s instanceof VideoStatus.Failed f) {
                    boolean filtered = "content_filter".equals(f.code());
                    return new JobStatus.Failed(new Task.TaskError(f.message(),
                            filtered ? "invalid_request_error" : "upstream_error", null, f.code()), f.retryable());
                }
                VideoStatus.Done d = (VideoStatus.Done) s;
                return new JobStatus.Done(JSON.valueToTree(d.outputs()).toString());
            } catch (TranslationException e) {
                throw jobError(e.error());
            } finally {
                a.body.release();
            }
        });
    }

    @Override
    public CompletionStage<Task.TaskResponse> fetch(Task task, Task.VendorJob job, JobStatus.Done done) {
        Route route = route(job);
        VideoVendor v = VendorRegistry.videos(route.provider().type());
        List<String> outputs = new ArrayList<>();
        try {
            JSON.readTree(done.result()).forEach(n -> outputs.add(n.asText()));
        } catch (IOException e) {
            return failed(new IllegalStateException("unreadable job result", e));
        }
        VideoStatus.Done d = new VideoStatus.Done(outputs);
        VideoVendor.Download video = v.download(job.id(), d, "video", route.target());
        VideoVendor.Download thumb = v.download(job.id(), d, "thumbnail", route.target());
        return download(route, video).thenCompose(vi -> {
            CompletableFuture<MediaStore.Item> th = thumb == null ? CompletableFuture.completedFuture(null)
                    : download(route, thumb).exceptionally(e -> {
                        LOG.warn("video task {}: the thumbnail could not be copied: {}", task.id(), e.toString());
                        return null;
                    });
            return th.thenApply(ti -> {
                int seconds = stateSeconds(job);
                ObjectNode body = JSON.createObjectNode().put("object", "video.content");
                body.set("video", item(vi));
                body.set("thumbnail", ti == null ? null : item(ti));
                body.put("seconds", seconds);
                // SPEC §7.1: the video's cost is the catalog's per-second price of the deployment that
                // made it; the task keeps it (and the deployment) where a synchronous answer has them.
                double cost = seconds * route.deployment().price().perSecond();
                java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put("content-type", "application/json");
                headers.put(COST_HEADER, dev.junction.core.http.HttpResponses.usd(cost));
                headers.put(PROVIDER_HEADER, route.provider().name());
                headers.put(MODEL_HEADER, route.model());
                return new Task.TaskResponse(200, headers,
                        body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            });
        });
    }

    /** What a finished video cost and which deployment made it, read from the task's answer; null when not a video. */
    public record Charge(String provider, String model, int seconds, double usd) {
    }

    /** The charge of a video task that succeeded (its answer names the deployment and the cost), or null. */
    public static Charge charge(Task task) {
        if (!KIND.equals(task.kind()) || task.response() == null) {
            return null;
        }
        java.util.Map<String, String> h = task.response().headers();
        String usd = h.get(COST_HEADER);
        if (usd == null) {
            return null;
        }
        int seconds = 0;
        try {
            seconds = JSON.readTree(task.response().body()).path("seconds").asInt(0);
        } catch (IOException e) {
            LOG.warn("video task {} holds an unreadable answer", task.id());
        }
        try {
            return new Charge(h.get(PROVIDER_HEADER), h.get(MODEL_HEADER), seconds, Double.parseDouble(usd));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The seconds and size the vendor job makes (recorded at submission), or null before it is submitted. */
    public static VideoVendor.Shape shape(Task task) {
        Task.VendorJob job = task.vendorJob();
        if (job == null || job.state() == null) {
            return null;
        }
        try {
            JsonNode st = JSON.readTree(job.state());
            if (!st.has("size")) {
                return null;                            // a job submitted by an older version
            }
            return new VideoVendor.Shape(st.path("seconds").asText(), st.path("size").asText());
        } catch (IOException e) {
            return null;
        }
    }

    private static int stateSeconds(Task.VendorJob job) {
        try {
            return JSON.readTree(job.state()).path("seconds").asInt(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private static ObjectNode item(MediaStore.Item i) {
        return JSON.createObjectNode().put("media_id", i.id()).put("content_type", i.mimeType()).put("bytes", i.size());
    }

    /** OpenAI's {@code VideoResource} for a video task (wire-formats §1.10, states as §7). */
    public static ObjectNode resource(Task t) {
        VideoRequest r = request(t);
        String status = switch (t.status()) {
            case QUEUED -> "queued";
            case RUNNING -> t.vendorJob() == null ? "queued" : "in_progress";
            case SUCCEEDED -> "completed";
            case FAILED, CANCELLED, EXPIRED -> "failed";
        };
        int progress = switch (status) {
            case "completed" -> 100;
            case "queued" -> 0;
            default -> t.progress() == null ? 0 : t.progress();
        };
        ObjectNode v = JSON.createObjectNode();
        v.put("id", t.id()).put("object", "video").put("model", t.model()).put("status", status).put("progress", progress)
                .put("created_at", t.createdAt());
        if (t.completedAt() != null) {
            v.put("completed_at", t.completedAt());
        } else {
            v.putNull("completed_at");
        }
        v.put("expires_at", t.expiresAt()).put("prompt", r.prompt());
        // The vendor job's record first (the defaults the vendor really used), then what was asked,
        // then what the vendor was expected to make when the video was created.
        VideoVendor.Shape made = shape(t);
        java.util.Map<String, String> expected = t.request().headers();
        v.put("size", made != null ? made.size() : r.size() != null ? r.size() : expected.get(EXPECTED_SIZE));
        v.put("seconds", made != null ? made.seconds() : r.seconds() != null ? r.seconds() : expected.get(EXPECTED_SECONDS));
        v.putNull("remixed_from_video_id");
        if (status.equals("failed")) {
            String code = t.status() == TaskState.CANCELLED ? "cancelled" : t.status() == TaskState.EXPIRED ? "expired"
                    : t.error() != null && t.error().code() != null ? t.error().code() : "video_generation_failed";
            String message = t.error() != null ? t.error().message()
                    : t.status() == TaskState.CANCELLED ? "The video was cancelled." : "The video did not finish in time.";
            v.putObject("error").put("code", code).put("message", message);
        } else {
            v.putNull("error");
        }
        return v;
    }


    /** The media id of a finished video task's {@code variant} ({@code video} or {@code thumbnail}), or null. */
    public static String mediaId(Task task, String variant) {
        if (task.response() == null) {
            return null;
        }
        try {
            return JSON.readTree(task.response().body()).path(variant).path("media_id").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** The media ids a finished video task's answer names (video first, then the thumbnail). */
    public static List<String> mediaIds(Task task) {
        List<String> ids = new ArrayList<>(2);
        if (task.response() == null) {
            return ids;
        }
        try {
            JsonNode b = JSON.readTree(task.response().body());
            for (String f : new String[] {"video", "thumbnail"}) {
                String id = b.path(f).path("media_id").asText(null);
                if (id != null) {
                    ids.add(id);
                }
            }
        } catch (IOException e) {
            LOG.warn("video task {} holds an unreadable answer", task.id());
        }
        return ids;
    }

    @Override
    public CompletionStage<Void> cancel(Task task, Task.VendorJob job) {
        Route route;
        try {
            route = route(job);
        } catch (VendorJobException e) {
            return CompletableFuture.completedFuture(null);
        }
        VideoVendor v = VendorRegistry.videos(route.provider().type());
        UpstreamRequest req = v.cancel(job.id(), route.target(), ByteBufAllocator.DEFAULT);
        if (req == null) {
            return CompletableFuture.completedFuture(null);
        }
        return call(route, route.origin(), req).handle((a, e) -> {
            if (a != null) {
                a.body.release();
            }
            return null;
        });
    }

    private Route route(Task.VendorJob job) {
        String model;
        try {
            model = JSON.readTree(job.state()).path("model").asText();
        } catch (IOException e) {
            model = null;
        }
        Route r = routes.route(job.provider(), model);
        if (r == null || VendorRegistry.videos(r.provider().type()) == null) {
            throw new VendorJobException(new Task.TaskError("Provider '" + job.provider() + "' with model '" + model
                    + "', which runs this video, is no longer configured.", "upstream_error", null, "upstream_unavailable"),
                    false, null);
        }
        return r;
    }

    /**
     * Streams a file into the media store. The provider's own origin gets the vendor's headers
     * (its key); any other host gets none, must be https, and is checked like a fetched image.
     */
    private CompletableFuture<MediaStore.Item> download(Route route, VideoVendor.Download d) {
        Origin origin;
        String path;
        List<java.util.Map.Entry<String, String>> headers = d.headers();
        if (d.relative()) {
            origin = route.origin();
            path = d.url();
        } else {
            URI u = URI.create(d.url());
            int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
            boolean same = u.getHost() != null && u.getHost().equalsIgnoreCase(route.origin().host())
                    && port == route.origin().port();
            if (!same) {
                FetchPolicy policy = fetchPolicy.get();
                if (!"https".equals(u.getScheme()) && !policy.hostAllowed(u.getHost())) {
                    return failed(refused(u.getHost(), "it is not https"));
                }
                headers = List.of();
                Origin o = Origin.parse(u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : ""));
                String p = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
                // SPEC §6.2 / §9: a file on another host is fetched only when the host resolves to
                // public addresses (or is allow-listed in junction.media-fetch.allow). The lookup runs
                // on the media store's thread, never on an event loop.
                return CompletableFuture.supplyAsync(() -> checkAddresses(u.getHost(), policy), media.executor())
                        .thenCompose(ok -> fetchTo(route, o, p, List.of(), d.mimeType()));
            }
            origin = Origin.parse(u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : ""));
            path = (u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath())
                    + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        }
        return fetchTo(route, origin, path, headers, d.mimeType());
    }

    private static VendorJobException refused(String host, String why) {
        return new VendorJobException(new Task.TaskError("The provider's file URL on host " + host
                + " was refused: " + why + ".", "upstream_error", null, "upstream_invalid_response"), false, null);
    }

    private static Void checkAddresses(String host, FetchPolicy policy) {
        if (policy.hostAllowed(host)) {
            return null;
        }
        java.net.InetAddress[] all;
        try {
            all = java.net.InetAddress.getAllByName(host);
        } catch (java.net.UnknownHostException e) {
            throw refused(host, "it does not resolve");
        }
        for (java.net.InetAddress a : all) {
            if (!AddressClassifier.isPublic(a) && !policy.networkAllowed(a)) {
                throw refused(host, "it resolves to a non-public address");
            }
        }
        return null;
    }

    private CompletableFuture<MediaStore.Item> fetchTo(Route route, Origin origin, String path,
                                                      List<java.util.Map.Entry<String, String>> headers, String mime) {
        UpstreamRequest req = new UpstreamRequest("GET", path, headers, Unpooled.EMPTY_BUFFER, false);
        FileDownload f = new FileDownload(media.writer(mime), loops.next());
        Origin o = origin;
        f.loop.execute(() -> {
            try {
                f.call = upstream.start(f.loop, route.provider().name(), o, route.provider().maxConnections(),
                        route.timeouts(), req, null, f);
            } catch (RuntimeException e) {
                f.writer.abort();
                f.result.completeExceptionally(e);
            }
        });
        return f.result;
    }

    /** One download into the media store; events on {@code loop}, file writes on the store's thread. */
    private static final class FileDownload implements UpstreamListener {
        final MediaStore.Writer writer;
        final EventLoop loop;
        final CompletableFuture<MediaStore.Item> result = new CompletableFuture<>();
        UpstreamCall call;
        int status;
        CompositeByteBuf error;

        FileDownload(MediaStore.Writer writer, EventLoop loop) {
            this.writer = writer;
            this.loop = loop;
        }

        @Override
        public void onHead(HttpResponse head, long nanos) {
            status = head.status().code();
            if (status < 200 || status >= 300) {
                error = ByteBufAllocator.DEFAULT.compositeBuffer();
            }
        }

        @Override
        public void onContent(ByteBuf content, boolean last) {
            if (error != null) {
                if (error.readableBytes() < MAX_ANSWER) {
                    error.addComponent(true, content);
                } else {
                    content.release();
                }
                if (!last) {
                    call.requestMore();
                    return;
                }
                writer.abort();
                String text = error.toString(java.nio.charset.StandardCharsets.UTF_8);
                error.release();
                error = null;
                result.completeExceptionally(new VendorJobException(new Task.TaskError("The provider answered "
                        + status + " to the download of the video: " + text.substring(0, Math.min(200, text.length())),
                        "upstream_error", null, "upstream_unavailable"), status >= 500 || status == 429, null));
                return;
            }
            CompletableFuture<Void> written = writer.write(content);
            if (last) {
                written.thenCompose(x -> writer.commit()).whenComplete((item, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(item);
                    }
                });
                return;
            }
            // Backpressure: the next chunk is read once this one is on disk.
            written.whenComplete((x, e) -> loop.execute(() -> {
                if (e != null) {
                    call.cancel();
                    writer.abort();
                    result.completeExceptionally(e);
                } else {
                    call.requestMore();
                }
            }));
        }

        @Override
        public void onFailure(GatewayError e, boolean afterHead) {
            if (error != null) {
                error.release();
                error = null;
            }
            writer.abort();
            result.completeExceptionally(jobError(e));
        }
    }

    /** An answer read whole: status, headers and body (the receiver releases the body). */
    private record Answer(int status, HttpHeaders headers, ByteBuf body) {
    }

    /** Makes one call and reads its (small) answer whole. */
    private CompletableFuture<Answer> call(Route route, Origin origin, UpstreamRequest req) {
        Reader r = new Reader(loops.next());
        r.loop.execute(() -> {
            try {
                r.call = upstream.start(r.loop, route.provider().name(), origin, route.provider().maxConnections(),
                        route.timeouts(), req, null, r);
            } catch (RuntimeException e) {
                r.fail(e);
            }
        });
        return r.result;
    }

    /** Reads one small answer whole, on {@code loop}. */
    private static final class Reader implements UpstreamListener {
        final EventLoop loop;
        final CompletableFuture<Answer> result = new CompletableFuture<>();
        UpstreamCall call;
        int status;
        HttpHeaders headers;
        CompositeByteBuf acc = ByteBufAllocator.DEFAULT.compositeBuffer();

        Reader(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void onHead(HttpResponse head, long nanos) {
            status = head.status().code();
            headers = head.headers();
        }

        @Override
        public void onContent(ByteBuf content, boolean last) {
            if (acc == null) {
                content.release();
                return;
            }
            if (acc.readableBytes() + content.readableBytes() > MAX_ANSWER) {
                content.release();
                call.cancel();
                fail(new VendorJobException(new Task.TaskError("The provider's answer is larger than " + MAX_ANSWER
                        + " bytes.", "upstream_error", null, "upstream_invalid_response"), true, null));
                return;
            }
            acc.addComponent(true, content);
            if (last) {
                ByteBuf body = acc;
                acc = null;
                result.complete(new Answer(status, headers, body));
            } else {
                call.requestMore();
            }
        }

        @Override
        public void onFailure(GatewayError e, boolean afterHead) {
            fail(jobError(e));
        }

        void fail(Throwable t) {
            if (acc != null) {
                acc.release();
                acc = null;
            }
            result.completeExceptionally(t);
        }
    }

    static VendorJobException jobError(GatewayError e) {
        return new VendorJobException(new Task.TaskError(e.message(), e.type(), e.param(), e.code()),
                e.retryable() || e.failover(), e.retryAfter());
    }

    private static <T> CompletableFuture<T> failed(Throwable t) {
        return CompletableFuture.failedFuture(t);
    }
}

package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VideoShapes;
import dev.junction.translators.spi.VideoStatus;
import dev.junction.translators.spi.VideoVendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Google Veo on the Gemini API (wire-formats §7.2): {@code :predictLongRunning} returns an
 * operation {@code name}, polled with {@code GET /v1beta/{name}} until {@code done}; the video is a
 * Gemini Files URI that needs the API key. {@code seconds} becomes {@code durationSeconds} (4 to 8);
 * {@code size} becomes {@code aspectRatio} and {@code resolution}: 1280x720 (16:9, 720p),
 * 720x1280 (9:16, 720p), 1920x1080 (16:9, 1080p), 1080x1920 (9:16, 1080p); any other size is a
 * 400 naming it. {@code input_reference} becomes {@code instances[0].image}
 * ({@code bytesBase64Encoded}, Vertex style, not {@code inlineData}). A finished operation with no
 * sample and {@code raiMediaFilteredCount > 0} is {@code content_filter}. Veo offers no
 * thumbnail and the Gemini API no cancellation.
 */
public final class VeoVideos implements VideoVendor {

    static final List<Integer> SECONDS = List.of(4, 5, 6, 7, 8);
    static final int DEFAULT_SECONDS = 8;
    static final String DEFAULT_SIZE = "1280x720";
    private static final Map<String, String[]> SIZES = Map.of(
            "1280x720", new String[] {"16:9", "720p"},
            "720x1280", new String[] {"9:16", "720p"},
            "1920x1080", new String[] {"16:9", "1080p"},
            "1080x1920", new String[] {"9:16", "1080p"});

    private final GeminiAdapter adapter;

    public VeoVideos(GeminiAdapter adapter) {
        this.adapter = adapter;
    }

    @Override
    public UpstreamRequest create(VideoRequest r, Target target, ByteBufAllocator alloc) {
        int seconds = VideoShapes.seconds(r.seconds(), DEFAULT_SECONDS, SECONDS, "Veo");
        // Sent even when the client gave no size (Veo's own default is the same, 16:9 at 720p), so
        // the size Junction reports for the video is the one that was made.
        String[] shape = SIZES.get(r.size() == null ? DEFAULT_SIZE : r.size());
        if (shape == null) {
            throw VideoShapes.invalid("size", "Veo cannot make size " + r.size() + "; it offers "
                    + new java.util.TreeSet<>(SIZES.keySet()) + ".");
        }
        ObjectNode body = GeminiEvents.JSON.createObjectNode();
        ObjectNode inst = body.putArray("instances").addObject();
        inst.put("prompt", r.prompt());
        if (r.hasReference()) {
            inst.putObject("image").put("bytesBase64Encoded", r.referenceBase64()).put("mimeType", r.referenceMime());
        }
        ObjectNode params = body.putObject("parameters");
        params.put("durationSeconds", seconds);
        params.put("aspectRatio", shape[0]).put("resolution", shape[1]);
        params.put("sampleCount", 1);
        String path = "/v1beta/models/" + GeminiAdapter.modelPath(target.model()) + ":predictLongRunning";
        return new UpstreamRequest("POST", path, GeminiAdapter.headers(target), write(body, alloc), false);
    }

    @Override
    public String jobId(ByteBuf answer) {
        String name = read(answer).path("name").asText(null);
        if (name == null || name.isEmpty() || name.contains("..")) {
            throw bad("the operation has no usable 'name'");
        }
        return name;
    }

    @Override
    public UpstreamRequest poll(String jobId, Target target, ByteBufAllocator alloc) {
        return new UpstreamRequest("GET", "/v1beta/" + jobId, GeminiAdapter.headers(target), Unpooled.EMPTY_BUFFER, false);
    }

    @Override
    public VideoStatus status(ByteBuf answer) {
        JsonNode op = read(answer);
        if (!op.path("done").asBoolean(false)) {
            return new VideoStatus.Pending(null, true);
        }
        JsonNode err = op.path("error");
        if (err.isObject()) {
            String status = err.path("status").asText("");
            boolean retryable = status.equals("UNAVAILABLE") || status.equals("INTERNAL") || status.equals("DEADLINE_EXCEEDED");
            return new VideoStatus.Failed(retryable ? "upstream_unavailable" : "video_generation_failed",
                    "Veo: " + err.path("message").asText("the operation failed") + (status.isEmpty() ? "" : " (" + status + ")"),
                    retryable);
        }
        JsonNode gvr = op.path("response").path("generateVideoResponse");
        List<String> uris = new ArrayList<>();
        for (JsonNode s : gvr.path("generatedSamples")) {
            String uri = s.path("video").path("uri").asText(null);
            if (uri != null) {
                uris.add(uri);
            }
        }
        if (!uris.isEmpty()) {
            return new VideoStatus.Done(uris);
        }
        if (gvr.path("raiMediaFilteredCount").asInt(0) > 0) {
            return new VideoStatus.Failed("content_filter", "Veo filtered the video: "
                    + gvr.path("raiMediaFilteredReasons").path(0).asText("safety filter") + ".", false);
        }
        throw bad("the finished operation holds no video");
    }

    @Override
    public UpstreamRequest cancel(String jobId, Target target, ByteBufAllocator alloc) {
        return null;
    }

    @Override
    public Download download(String jobId, VideoStatus.Done done, String variant, Target target) {
        if (!"video".equals(variant)) {
            return null;
        }
        List<Map.Entry<String, String>> h = new ArrayList<>(2);
        if (target.apiKey() != null && !target.apiKey().isEmpty()) {
            h.add(Map.entry("x-goog-api-key", target.apiKey()));
        }
        return new Download(done.outputs().get(0), h, "video/mp4");
    }

    /** Junction always sends {@code durationSeconds} and the aspect ratio and resolution, so the defaults are its own. */
    @Override
    public Shape shape(VideoRequest request, ByteBuf createAnswer) {
        return new Shape(request.seconds() == null ? Integer.toString(DEFAULT_SECONDS) : request.seconds().trim(),
                request.size() == null ? DEFAULT_SIZE : request.size());
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return adapter.error(status, headers, body);
    }

    private static ByteBuf write(JsonNode body, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(256);
        try (OutputStream out = new ByteBufOutputStream(buf)) {
            GeminiEvents.JSON.writeValue(out, body);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new TranslationException(GatewayError.internal("Could not write the Veo request: " + e.getMessage()));
        }
        return buf;
    }

    private static JsonNode read(ByteBuf answer) {
        try (InputStream in = new ByteBufInputStream(answer.duplicate(), false)) {
            JsonNode n = GeminiEvents.JSON.readTree(in);
            if (n == null || !n.isObject()) {
                throw bad("the answer is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw bad("the answer is not valid JSON");
        }
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse("Veo's answer could not be read: " + what + "."));
    }
}

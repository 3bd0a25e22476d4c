package dev.junction.translators.passthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI-videos-shaped upstream ({@code type = openai} or {@code openai-compatible};
 * wire-formats §1.10, §7.1): the gateways and resellers that kept OpenAI's video API. The request
 * is OpenAI's own (JSON, {@code input_reference} as {@code {image_url: data URL}}); {@code seconds}
 * and {@code size} pass as they are, since such servers offer their own models' values and say
 * so in their 400. Statuses are OpenAI's; cancel is {@code DELETE /videos/{id}}; the file and the
 * thumbnail come from {@code /videos/{id}/content?variant=}.
 */
public final class OpenAiVideos implements VideoVendor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FILTER_CODES = Set.of("moderation_blocked", "content_policy_violation",
            "content_filter", "content_filtered");

    private final OpenAiPassThrough vendor;

    public OpenAiVideos(OpenAiPassThrough vendor) {
        this.vendor = vendor;
    }

    @Override
    public UpstreamRequest create(VideoRequest r, Target target, ByteBufAllocator alloc) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", target.model());
        body.put("prompt", r.prompt());
        if (r.seconds() != null) {
            body.put("seconds", r.seconds());
        }
        if (r.size() != null) {
            body.put("size", r.size());
        }
        if (r.hasReference()) {
            body.putObject("input_reference").put("image_url", "data:" + r.referenceMime() + ";base64," + r.referenceBase64());
        }
        return new UpstreamRequest("POST", vendor.path(target, "/videos"), headers(target, true), write(body, alloc), false);
    }

    @Override
    public String jobId(ByteBuf answer) {
        String id = read(answer).path("id").asText(null);
        if (id == null || id.isEmpty()) {
            throw bad("the create answer has no 'id'");
        }
        return id;
    }

    @Override
    public UpstreamRequest poll(String jobId, Target target, ByteBufAllocator alloc) {
        return new UpstreamRequest("GET", vendor.path(target, "/videos/" + enc(jobId)), headers(target, false),
                Unpooled.EMPTY_BUFFER, false);
    }

    @Override
    public VideoStatus status(ByteBuf answer) {
        JsonNode v = read(answer);
        String status = v.path("status").asText("");
        Integer progress = v.path("progress").isNumber() ? Math.max(0, Math.min(100, v.path("progress").asInt())) : null;
        return switch (status) {
            case "queued" -> new VideoStatus.Pending(progress == null ? 0 : progress, false);
            case "in_progress" -> new VideoStatus.Pending(progress, true);
            case "completed" -> new VideoStatus.Done(List.of(v.path("id").asText()));
            case "failed" -> {
                String code = v.path("error").path("code").asText("video_generation_failed");
                String message = v.path("error").path("message").asText("The vendor reports the video failed.");
                yield new VideoStatus.Failed(FILTER_CODES.contains(code) ? "content_filter" : code, message, false);
            }
            default -> throw bad("unknown status '" + status + "'");
        };
    }

    @Override
    public UpstreamRequest cancel(String jobId, Target target, ByteBufAllocator alloc) {
        return new UpstreamRequest("DELETE", vendor.path(target, "/videos/" + enc(jobId)), headers(target, false),
                Unpooled.EMPTY_BUFFER, false);
    }

    @Override
    public Download download(String jobId, VideoStatus.Done done, String variant, Target target) {
        String v = "thumbnail".equals(variant) ? "thumbnail" : "video";
        String path = vendor.path(target, "/videos/" + enc(jobId) + "/content");
        path += (path.contains("?") ? "&" : "?") + "variant=" + v;
        return new Download(path, headers(target, false), v.equals("video") ? "video/mp4" : "image/webp");
    }

    /**
     * What the client asked for, else what the server's video resource says it makes (its
     * {@code seconds} and {@code size}), else OpenAI's documented defaults ({@code "4"},
     * {@code 720x1280}).
     */
    @Override
    public Shape shape(VideoRequest request, ByteBuf createAnswer) {
        JsonNode v = null;
        if (createAnswer != null && (request.seconds() == null || request.size() == null)) {
            try {
                v = read(createAnswer);
            } catch (TranslationException e) {
                v = null;
            }
        }
        String seconds = request.seconds() != null ? request.seconds()
                : v != null && v.hasNonNull("seconds") ? v.get("seconds").asText() : "4";
        String size = request.size() != null ? request.size()
                : v != null && v.hasNonNull("size") ? v.get("size").asText() : "720x1280";
        return new Shape(seconds, size);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return OpenAiErrorMapper.map(status, headers, body);
    }

    private List<Map.Entry<String, String>> headers(Target target, boolean json) {
        List<Map.Entry<String, String>> h = new ArrayList<>(vendor.headers(target));
        if (json) {
            h.add(Map.entry("content-type", "application/json"));
        }
        return h;
    }

    private static String enc(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    public static ByteBuf write(JsonNode body, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(256);
        try (OutputStream out = new ByteBufOutputStream(buf)) {
            JSON.writeValue(out, body);
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw new TranslationException(GatewayError.internal("Could not write the video request: " + e.getMessage()));
        }
        return buf;
    }

    public static JsonNode read(ByteBuf answer) {
        try (InputStream in = new ByteBufInputStream(answer.duplicate(), false)) {
            JsonNode n = JSON.readTree(in);
            if (n == null || !n.isObject()) {
                throw bad("the answer is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw bad("the answer is not valid JSON");
        }
    }

    static TranslationException bad(String what) {
        return new TranslationException(
                GatewayError.upstreamInvalidResponse("The provider's video answer could not be read: " + what + "."));
    }
}

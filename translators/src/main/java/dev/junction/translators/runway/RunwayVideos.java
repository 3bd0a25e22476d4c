package dev.junction.translators.runway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.passthrough.OpenAiErrorMapper;
import dev.junction.translators.passthrough.OpenAiVideos;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VideoShapes;
import dev.junction.translators.spi.VideoStatus;
import dev.junction.translators.spi.VideoVendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runway ({@code type = runway}; wire-formats §7.4), the native asynchronous vendor: a task is
 * created with {@code POST /v1/text_to_video} (or {@code /v1/image_to_video} when the request has
 * an {@code input_reference}, sent as a data URI in {@code promptImage}), polled with
 * {@code GET /v1/tasks/{id}} and cancelled with {@code DELETE /v1/tasks/{id}}; every call carries
 * {@code X-Runway-Version} (option {@code runway-version}, default {@code 2024-11-06}).
 *
 * <p>Translation: {@code seconds} must be {@code "5"} or {@code "10"} (Runway's durations; OpenAI's
 * 4/8/12 have no Runway equivalent and are refused, never rounded); {@code size} {@code WxH}
 * becomes {@code ratio} {@code "W:H"}, one of Runway's six. {@code PENDING}/{@code THROTTLED} map to
 * queued, {@code RUNNING} to in progress with {@code progress} × 100, {@code SUCCEEDED} to completed
 * ({@code output[0]} is the file, a URL that expires in a day or two), {@code FAILED} to failed
 * ({@code failureCode} {@code SAFETY.*} is {@code content_filter}), {@code CANCELLED} to failed.
 * Runway has no thumbnail.
 */
public final class RunwayVideos implements VideoVendor {

    public static final String TYPE = "runway";
    static final List<Integer> SECONDS = List.of(5, 10);
    static final int DEFAULT_SECONDS = 5;
    static final String DEFAULT_RATIO = "1280:720";
    static final Set<String> RATIOS = Set.of("1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public UpstreamRequest create(VideoRequest r, Target target, ByteBufAllocator alloc) {
        int seconds = VideoShapes.seconds(r.seconds(), DEFAULT_SECONDS, SECONDS, "Runway");
        // Runway's gen4 models require a ratio: without a size Junction asks for 1280:720 (landscape 720p).
        String ratio = DEFAULT_RATIO;
        if (r.size() != null) {
            ratio = r.size().replace('x', ':');
            if (!RATIOS.contains(ratio)) {
                List<String> sizes = new ArrayList<>();
                for (String s : new TreeSet<>(RATIOS)) {
                    sizes.add(s.replace(':', 'x'));
                }
                throw VideoShapes.invalid("size", "Runway cannot make size " + r.size() + "; it offers " + sizes + ".");
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("model", target.model());
        body.put("promptText", r.prompt());
        if (r.hasReference()) {
            body.put("promptImage", "data:" + r.referenceMime() + ";base64," + r.referenceBase64());
        }
        body.put("ratio", ratio);
        body.put("duration", seconds);
        String path = r.hasReference() ? "/v1/image_to_video" : "/v1/text_to_video";
        return new UpstreamRequest("POST", path, headers(target, true), OpenAiVideos.write(body, alloc), false);
    }

    @Override
    public String jobId(ByteBuf answer) {
        String id = OpenAiVideos.read(answer).path("id").asText(null);
        if (id == null || id.isEmpty()) {
            throw bad("the create answer has no 'id'");
        }
        return id;
    }

    @Override
    public UpstreamRequest poll(String jobId, Target target, ByteBufAllocator alloc) {
        return new UpstreamRequest("GET", "/v1/tasks/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8),
                headers(target, false), Unpooled.EMPTY_BUFFER, false);
    }

    @Override
    public VideoStatus status(ByteBuf answer) {
        JsonNode t = OpenAiVideos.read(answer);
        String status = t.path("status").asText("");
        return switch (status) {
            case "PENDING", "THROTTLED" -> new VideoStatus.Pending(0, false);
            case "RUNNING" -> new VideoStatus.Pending(t.path("progress").isNumber()
                    ? (int) Math.round(Math.max(0, Math.min(1, t.path("progress").asDouble())) * 100) : null, true);
            case "SUCCEEDED" -> {
                List<String> out = new ArrayList<>();
                for (JsonNode o : t.path("output")) {
                    out.add(o.asText());
                }
                if (out.isEmpty()) {
                    throw bad("a SUCCEEDED task has no output");
                }
                yield new VideoStatus.Done(out);
            }
            case "FAILED" -> {
                String code = t.path("failureCode").asText("");
                String message = "Runway: " + t.path("failure").asText("the task failed")
                        + (code.isEmpty() ? "" : " (" + code + ")");
                yield code.startsWith("SAFETY") ? new VideoStatus.Failed("content_filter", message, false)
                        : new VideoStatus.Failed("video_generation_failed", message, code.startsWith("INTERNAL"));
            }
            case "CANCELLED" -> new VideoStatus.Failed("cancelled", "Runway: the task was cancelled.", false);
            default -> throw bad("unknown status '" + status + "'");
        };
    }

    @Override
    public UpstreamRequest cancel(String jobId, Target target, ByteBufAllocator alloc) {
        return new UpstreamRequest("DELETE", "/v1/tasks/" + URLEncoder.encode(jobId, StandardCharsets.UTF_8),
                headers(target, false), Unpooled.EMPTY_BUFFER, false);
    }

    @Override
    public Download download(String jobId, VideoStatus.Done done, String variant, Target target) {
        return "video".equals(variant) ? new Download(done.outputs().get(0), List.of(), "video/mp4") : null;
    }

    /** Junction always sends {@code duration} and {@code ratio}, so the defaults are its own. */
    @Override
    public Shape shape(VideoRequest request, ByteBuf createAnswer) {
        return new Shape(request.seconds() == null ? Integer.toString(DEFAULT_SECONDS) : request.seconds().trim(),
                request.size() == null ? DEFAULT_RATIO.replace(':', 'x') : request.size());
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        // Runway's error body is {"error": "..."}: the status decides the SPEC §4 situation.
        return OpenAiErrorMapper.map(status, headers, body);
    }

    private static List<Map.Entry<String, String>> headers(Target target, boolean json) {
        List<Map.Entry<String, String>> h = new ArrayList<>(3 + target.headers().size());
        if (target.apiKey() != null && !target.apiKey().isEmpty()) {
            h.add(Map.entry("authorization", "Bearer " + target.apiKey()));
        }
        String version = target.option("runway-version");
        h.add(Map.entry("x-runway-version", version != null ? version : "2024-11-06"));
        if (json) {
            h.add(Map.entry("content-type", "application/json"));
        }
        h.addAll(target.headers().entrySet());
        return h;
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse("Runway's answer could not be read: " + what + "."));
    }
}

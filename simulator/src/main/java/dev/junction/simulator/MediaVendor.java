package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The simulator's media endpoints (wire-formats §1.9, §1.10, §3, §7): image generation in three
 * shapes (OpenAI {@code /v1/images/generations}, Gemini image models through
 * {@code :generateContent} with {@code responseModalities IMAGE}, Imagen {@code :predict}), and
 * three asynchronous video vendors (OpenAI-videos-shaped {@code /v1/videos}, Veo
 * {@code :predictLongRunning} with operation polling and a key-protected file download, and
 * Runway {@code /runway/v1/...} tasks). Images are real PNGs of the requested size, one colour per
 * prompt; videos are deterministic bytes of a scripted length that start with an MP4 {@code ftyp}
 * box (not playable: they exist to be copied and compared byte for byte).
 *
 * <p>A video job's state follows the clock: queued for the first 10% of its duration, then in
 * progress with a progress proportional to the elapsed time, then completed, failed or
 * content-filtered as scripted. Directives in the prompt ({@code [[sim ...]]}):
 * <pre>
 *   status=503 error=CODE retry-after=2   answer the create call with this error (vendor's shape)
 *   latency=300ms                          delay before the answer
 *   duration=2s                            how long a video job runs (default 1s)
 *   bytes=300000                           size of the video file (default 200000)
 *   fail=CODE                              the job ends failed with this vendor code
 *   filter                                 the result is content-filtered (images: prompt blocked)
 * </pre>
 */
final class MediaVendor {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String GEMINI = "/v1beta/";
    private static final String RUNWAY = "/runway/v1/";

    private final SimulatorOptions opts;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    MediaVendor(SimulatorOptions opts) {
        this.opts = opts;
    }

    /** Whether this class answers {@code ex}. */
    static boolean owns(Exchange ex) {
        String p = ex.path;
        if (p.equals("/v1/images/generations") || p.startsWith("/v1/videos") || p.startsWith("/sim-files/")
                || p.startsWith(RUNWAY)) {
            return true;
        }
        if (p.startsWith(GEMINI)) {
            return p.endsWith(":predict") || p.endsWith(":predictLongRunning") || p.contains("/operations/")
                    || p.startsWith(GEMINI + "files/")
                    || (p.endsWith(":generateContent") && ex.body.contains("responseModalities") && ex.body.contains("IMAGE"));
        }
        return false;
    }

    Answer handle(Exchange ex) {
        try {
            String p = ex.path;
            if (p.equals("/v1/images/generations")) {
                return openAiImages(ex);
            }
            if (p.startsWith("/sim-files/")) {
                byte[] f = files.get(p.substring("/sim-files/".length()));
                return f == null ? openAiError(404, "not_found", "No such file.")
                        : new Answer.Unary(200, p.endsWith(".png") ? "image/png" : "video/mp4", Map.of(), f, 0);
            }
            if (p.startsWith("/v1/videos")) {
                return openAiVideos(ex);
            }
            if (p.startsWith(RUNWAY)) {
                return runway(ex);
            }
            return gemini(ex);
        } catch (IllegalArgumentException e) {
            return ex.path.startsWith(GEMINI)
                    ? Answer.Unary.json(400, Map.of(), GeminiVendor.status(400, "INVALID_ARGUMENT", e.getMessage(), null), 0)
                    : openAiError(400, "invalid_value", e.getMessage());
        }
    }

    // ---- scripting -------------------------------------------------------------------------------

    /** What the prompt's directives ask of one request. */
    private record Script(Integer status, String error, String retryAfter, long latencyNanos, long durationMillis,
                          int bytes, String fail, boolean filter) {

        static Script of(String prompt) {
            Integer status = null;
            String error = null;
            String retryAfter = null;
            long latency = 0;
            long duration = 1000;
            int bytes = 200_000;
            String fail = null;
            boolean filter = false;
            for (String[] kv : Directives.pairs(prompt == null ? "" : prompt)) {
                String v = kv[1];
                switch (kv[0]) {
                    case "status" -> status = Integer.parseInt(v);
                    case "error" -> error = v;
                    case "retry-after" -> retryAfter = v;
                    case "latency" -> latency = Directives.duration(v).toNanos();
                    case "duration" -> duration = Directives.duration(v).toMillis();
                    case "bytes" -> bytes = Integer.parseInt(v);
                    case "fail" -> fail = v == null ? "internal_error" : v;
                    case "filter" -> filter = v == null || Boolean.parseBoolean(v);
                    default -> throw new IllegalArgumentException("unknown [[sim directive key for media: " + kv[0]);
                }
            }
            if (status == null && error != null) {
                status = VendorSimulator.statusOf(error);
            }
            return new Script(status, error, retryAfter, latency, duration, bytes, fail, filter);
        }

        Map<String, String> headers() {
            return retryAfter == null ? Map.of() : Map.of("retry-after", retryAfter);
        }
    }

    // ---- images ------------------------------------------------------------------------------------

    private Answer openAiImages(Exchange ex) {
        JsonNode req = ex.json();
        String prompt = req.path("prompt").asText("");
        Script s = Script.of(prompt);
        String model = req.path("model").asText("dall-e-2");
        if (s.status != null) {
            return Answer.Unary.json(s.status, s.headers(), OpenAiVendor.errorFor(s.status, s.error, model), s.latencyNanos);
        }
        if (s.filter) {
            return Answer.Unary.json(400, Map.of(), OpenAiVendor.error("Your request was rejected as a result of our"
                    + " safety system.", "image_generation_user_error", null, "moderation_blocked"), s.latencyNanos);
        }
        boolean gptImage = model.startsWith("gpt-image");
        if (gptImage && req.has("response_format")) {
            return openAiError(400, "unknown_parameter", "Unknown parameter: 'response_format'.");
        }
        int n = req.path("n").asInt(1);
        int[] wh = size(req.path("size").asText("1024x1024"));
        boolean url = !gptImage && !"b64_json".equals(req.path("response_format").asText(null));
        ObjectNode root = F.objectNode();
        root.put("created", Instant.now().getEpochSecond());
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < n; i++) {
            byte[] png = png(wh[0], wh[1], prompt + "#" + i);
            ObjectNode item = data.addObject();
            if (url) {
                String name = "img_" + ids.incrementAndGet() + ".png";
                files.put(name, png);
                item.put("url", base(ex) + "/sim-files/" + name);
            } else {
                item.put("b64_json", Base64.getEncoder().encodeToString(png));
            }
            if (model.equals("dall-e-3")) {
                item.put("revised_prompt", "A detailed rendering of: " + Directives.strip(prompt));
            }
        }
        if (gptImage) {
            root.put("output_format", "png");
            ObjectNode u = root.putObject("usage");
            u.put("input_tokens", Math.max(1, prompt.length() / 4)).put("output_tokens", 1056L * n)
                    .put("total_tokens", Math.max(1, prompt.length() / 4) + 1056L * n);
            u.putObject("input_tokens_details").put("text_tokens", Math.max(1, prompt.length() / 4)).put("image_tokens", 0);
        }
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(root), s.latencyNanos);
    }

    private Answer gemini(Exchange ex) {
        String rest = ex.path.substring(GEMINI.length());
        String key = ex.headers.get("x-goog-api-key") != null ? ex.headers.get("x-goog-api-key") : ex.queryParam("key");
        if (opts.geminiKey() != null && !opts.geminiKey().equals(key)) {
            return Answer.Unary.json(400, Map.of(), GeminiVendor.apiKeyInvalid(), 0);
        }
        if (rest.startsWith("files/")) {
            // Veo's result is a Gemini Files URI: downloading it needs the API key (wire-formats §7.2).
            if (key == null || key.isEmpty()) {
                return Answer.Unary.json(403, Map.of(), GeminiVendor.status(403, "PERMISSION_DENIED",
                        "Method doesn't allow unregistered callers (callers without established identity). Please use"
                                + " API Key or other form of API consumer identity to call this API.", null), 0);
            }
            String id = rest.substring("files/".length());
            int colon = id.indexOf(':');
            byte[] f = files.get(colon > 0 ? id.substring(0, colon) : id);
            return f == null ? Answer.Unary.json(404, Map.of(), GeminiVendor.status(404, "NOT_FOUND", "File not found.", null), 0)
                    : new Answer.Unary(200, "video/mp4", Map.of(), f, 0);
        }
        if (rest.contains("/operations/") && ex.method.equals("GET")) {
            return veoOperation(ex, rest);
        }
        int colon = rest.lastIndexOf(':');
        String model = rest.substring("models/".length(), colon);
        String method = rest.substring(colon + 1);
        JsonNode req = ex.json();
        return switch (method) {
            case "predict" -> imagen(ex, req, model);
            case "predictLongRunning" -> veoCreate(ex, req, model);
            default -> geminiImage(req, model);
        };
    }

    private Answer geminiImage(JsonNode req, String model) {
        String prompt = req.path("contents").path(0).path("parts").path(0).path("text").asText("");
        Script s = Script.of(prompt);
        if (s.status != null) {
            return Answer.Unary.json(s.status, s.headers(), GeminiVendor.errorFor(s.status, s.error, model, s.retryAfter),
                    s.latencyNanos);
        }
        ObjectNode root = F.objectNode();
        if (s.filter) {
            root.putObject("promptFeedback").put("blockReason", "SAFETY");
        } else {
            int[] wh = ratioSize(req.path("generationConfig").path("imageConfig").path("aspectRatio").asText("1:1"), 1024);
            ObjectNode c = root.putArray("candidates").addObject();
            ArrayNode parts = c.putObject("content").put("role", "model").putArray("parts");
            parts.addObject().put("text", "Here is your image.");
            parts.addObject().putObject("inlineData").put("mimeType", "image/png")
                    .put("data", Base64.getEncoder().encodeToString(png(wh[0], wh[1], prompt)));
            c.put("finishReason", "STOP").put("index", 0);
        }
        root.putObject("usageMetadata").put("promptTokenCount", Math.max(1, prompt.length() / 4))
                .put("candidatesTokenCount", s.filter ? 0 : 1290).put("totalTokenCount", Math.max(1, prompt.length() / 4) + 1290);
        root.put("modelVersion", model);
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(root), s.latencyNanos);
    }

    private Answer imagen(Exchange ex, JsonNode req, String model) {
        String prompt = req.path("instances").path(0).path("prompt").asText("");
        Script s = Script.of(prompt);
        if (s.status != null) {
            return Answer.Unary.json(s.status, s.headers(), GeminiVendor.errorFor(s.status, s.error, model, s.retryAfter),
                    s.latencyNanos);
        }
        JsonNode params = req.path("parameters");
        int n = params.path("sampleCount").asInt(4);
        if (n < 1 || n > 4) {
            throw new IllegalArgumentException("sampleCount must be between 1 and 4.");
        }
        String mime = params.path("outputOptions").path("mimeType").asText("image/png");
        int[] wh = ratioSize(params.path("aspectRatio").asText("1:1"), 1024);
        ObjectNode root = F.objectNode();
        ArrayNode preds = root.putArray("predictions");
        if (!s.filter) {
            for (int i = 0; i < n; i++) {
                // The simulator writes PNG bytes whatever mimeType says: it labels them as asked.
                preds.addObject().put("mimeType", mime)
                        .put("bytesBase64Encoded", Base64.getEncoder().encodeToString(png(wh[0], wh[1], prompt + "#" + i)));
            }
        } else {
            preds.addObject().put("raiFilteredReason", "Your current safety filter threshold filtered out the generated"
                    + " images. You will not be charged for blocked images.");
        }
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(root), s.latencyNanos);
    }

    // ---- video jobs ----------------------------------------------------------------------------------

    /** One asynchronous video job of any of the three vendors. */
    private static final class Job {
        final String id;
        final String vendor;
        final String model;
        final String prompt;
        final String seconds;
        final String size;
        final long createdNanos = System.nanoTime();
        final long createdAt = Instant.now().getEpochSecond();
        final Script script;
        volatile boolean cancelled;

        Job(String id, String vendor, String model, String prompt, String seconds, String size, Script script) {
            this.id = id;
            this.vendor = vendor;
            this.model = model;
            this.prompt = prompt;
            this.seconds = seconds;
            this.size = size;
            this.script = script;
        }

        /** queued | in_progress | completed | failed | cancelled. */
        String state() {
            if (cancelled) {
                return "cancelled";
            }
            long elapsed = (System.nanoTime() - createdNanos) / 1_000_000;
            if (elapsed < script.durationMillis / 10) {
                return "queued";
            }
            if (elapsed < script.durationMillis) {
                return "in_progress";
            }
            return script.fail != null || script.filter ? "failed" : "completed";
        }

        int progress() {
            long elapsed = (System.nanoTime() - createdNanos) / 1_000_000;
            return (int) Math.min(100, elapsed * 100 / Math.max(1, script.durationMillis));
        }

        byte[] video() {
            return videoBytes(id, script.bytes);
        }
    }

    /** Deterministic bytes of {@code size} for job {@code id}, starting with an MP4 ftyp box. */
    static byte[] videoBytes(String id, int size) {
        byte[] out = new byte[Math.max(32, size)];
        new SplittableRandom(id.hashCode()).nextBytes(out);
        byte[] ftyp = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'm', 'p', '4', '1'};
        System.arraycopy(ftyp, 0, out, 0, ftyp.length);
        return out;
    }

    private Job newJob(String vendor, String model, String prompt, String seconds, String size) {
        Job j = new Job(vendor + "_" + ids.incrementAndGet() + "_" + Long.toHexString(System.nanoTime()), vendor, model,
                prompt, seconds, size, Script.of(prompt));
        jobs.put(j.id, j);
        return j;
    }

    private Answer openAiVideos(Exchange ex) {
        String rest = ex.path.substring("/v1/videos".length());
        if (rest.isEmpty() || rest.equals("/")) {
            if (ex.method.equals("POST")) {
                Map<String, String> form = ex.headers.get("content-type", "").startsWith("multipart/form-data")
                        ? multipart(ex) : null;
                JsonNode j = form == null ? ex.json() : null;
                String prompt = form != null ? form.get("prompt") : j.path("prompt").asText(null);
                if (prompt == null) {
                    return openAiError(400, "missing_required_parameter", "Missing required parameter: 'prompt'.");
                }
                String model = form != null ? form.getOrDefault("model", "sora-2") : j.path("model").asText("sora-2");
                String seconds = form != null ? form.getOrDefault("seconds", "4") : j.path("seconds").asText("4");
                String size = form != null ? form.getOrDefault("size", "720x1280") : j.path("size").asText("720x1280");
                if (!List.of("4", "8", "12").contains(seconds)) {
                    return openAiError(400, "invalid_value", "Invalid value: '" + seconds + "'. Supported values are:"
                            + " '4', '8', and '12'.");
                }
                Script s = Script.of(prompt);
                if (s.status != null) {
                    return Answer.Unary.json(s.status, s.headers(), OpenAiVendor.errorFor(s.status, s.error, model), s.latencyNanos);
                }
                Job job = newJob("video", model, prompt, seconds, size);
                return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(videoResource(job)), s.latencyNanos);
            }
            ObjectNode list = F.objectNode().put("object", "list");
            ArrayNode data = list.putArray("data");
            jobs.values().stream().filter(j -> j.vendor.equals("video")).forEach(j -> data.add(videoResource(j)));
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(list), 0);
        }
        String[] parts = rest.substring(1).split("/");
        Job job = jobs.get(parts[0]);
        if (job == null || !job.vendor.equals("video")) {
            return openAiError(404, "video_not_found", "Video with id '" + parts[0] + "' not found.");
        }
        if (parts.length == 2 && parts[1].equals("content")) {
            if (!job.state().equals("completed")) {
                return openAiError(400, "video_not_ready", "Video is not ready yet, use GET /v1/videos/{video_id} to"
                        + " check status.");
            }
            String variant = ex.queryParam("variant");
            if (variant != null && !variant.equals("video")) {
                return new Answer.Unary(200, "image/webp", Map.of(), webp(job.id), 0);
            }
            return new Answer.Unary(200, "video/mp4", Map.of(), job.video(), 0);
        }
        if (ex.method.equals("DELETE")) {
            job.cancelled = true;
            jobs.remove(job.id);
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(F.objectNode().put("id", job.id)
                    .put("object", "video.deleted").put("deleted", true)), 0);
        }
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(videoResource(job)), 0);
    }

    private static ObjectNode videoResource(Job j) {
        String state = j.state();
        ObjectNode v = F.objectNode();
        v.put("id", j.id).put("object", "video").put("model", j.model)
                .put("status", state.equals("cancelled") ? "failed" : state)
                .put("progress", state.equals("completed") ? 100 : state.equals("queued") ? 0 : j.progress())
                .put("created_at", j.createdAt);
        if (state.equals("completed") || state.equals("failed")) {
            v.put("completed_at", j.createdAt + j.script.durationMillis / 1000);
        } else {
            v.putNull("completed_at");
        }
        v.put("expires_at", j.createdAt + 3600).put("prompt", Directives.strip(j.prompt)).put("size", j.size)
                .put("seconds", j.seconds).putNull("remixed_from_video_id");
        if (state.equals("failed")) {
            v.putObject("error").put("code", j.script.filter ? "moderation_blocked" : j.script.fail)
                    .put("message", j.script.filter ? "The video was blocked by the moderation system." : "Video generation failed.");
        } else {
            v.putNull("error");
        }
        return v;
    }

    private Answer veoCreate(Exchange ex, JsonNode req, String model) {
        JsonNode inst = req.path("instances").path(0);
        String prompt = inst.path("prompt").asText("");
        Script s = Script.of(prompt);
        if (s.status != null) {
            return Answer.Unary.json(s.status, s.headers(), GeminiVendor.errorFor(s.status, s.error, model, s.retryAfter),
                    s.latencyNanos);
        }
        JsonNode p = req.path("parameters");
        int seconds = p.path("durationSeconds").asInt(8);
        if (seconds < 4 || seconds > 8) {
            throw new IllegalArgumentException("durationSeconds must be between 4 and 8, inclusive.");
        }
        Job job = newJob("veo", model, prompt, Integer.toString(seconds), p.path("aspectRatio").asText("16:9"));
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(F.objectNode()
                .put("name", "models/" + model + "/operations/" + job.id)), s.latencyNanos);
    }

    private Answer veoOperation(Exchange ex, String rest) {
        String id = rest.substring(rest.indexOf("/operations/") + "/operations/".length());
        Job job = jobs.get(id);
        if (job == null) {
            return Answer.Unary.json(404, Map.of(), GeminiVendor.status(404, "NOT_FOUND", "Operation not found.", null), 0);
        }
        String state = job.state();
        ObjectNode op = F.objectNode().put("name", "models/" + job.model + "/operations/" + job.id);
        if (state.equals("queued") || state.equals("in_progress")) {
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(op), 0);
        }
        op.put("done", true);
        if (job.script.fail != null) {
            op.putObject("error").put("code", 13).put("message", "Video generation failed: " + job.script.fail)
                    .put("status", "INTERNAL");
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(op), 0);
        }
        ObjectNode resp = op.putObject("response").put("@type",
                "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse");
        ObjectNode gvr = resp.putObject("generateVideoResponse");
        ArrayNode samples = gvr.putArray("generatedSamples");
        if (job.script.filter) {
            gvr.put("raiMediaFilteredCount", 1);
            gvr.putArray("raiMediaFilteredReasons").add("The video was filtered by the safety system.");
        } else {
            files.put(job.id, job.video());
            samples.addObject().putObject("video").put("uri", base(ex) + GEMINI + "files/" + job.id + ":download?alt=media");
        }
        return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(op), 0);
    }

    private Answer runway(Exchange ex) {
        if (ex.headers.get("x-runway-version") == null) {
            return Answer.Unary.json(400, Map.of(), utf8("{\"error\":\"You must provide an X-Runway-Version header.\"}"), 0);
        }
        String rest = ex.path.substring(RUNWAY.length());
        if (ex.method.equals("POST") && (rest.equals("text_to_video") || rest.equals("image_to_video"))) {
            JsonNode req = ex.json();
            String prompt = req.path("promptText").asText("");
            Script s = Script.of(prompt);
            if (s.status != null) {
                return Answer.Unary.json(s.status, s.headers(), utf8("{\"error\":\"Simulated error " + s.status + "\"}"),
                        s.latencyNanos);
            }
            int duration = req.path("duration").asInt(5);
            if (duration != 5 && duration != 10) {
                return Answer.Unary.json(400, Map.of(), utf8("{\"error\":\"duration must be 5 or 10\"}"), 0);
            }
            if (rest.equals("image_to_video") && !req.hasNonNull("promptImage")) {
                return Answer.Unary.json(400, Map.of(), utf8("{\"error\":\"promptImage is required\"}"), 0);
            }
            Job job = newJob("runway", req.path("model").asText("gen4_turbo"), prompt, Integer.toString(duration),
                    req.path("ratio").asText("1280:720"));
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(F.objectNode().put("id", job.id)), s.latencyNanos);
        }
        if (rest.startsWith("tasks/")) {
            Job job = jobs.get(rest.substring("tasks/".length()));
            if (job == null || !job.vendor.equals("runway")) {
                return Answer.Unary.json(404, Map.of(), utf8("{\"error\":\"Task not found.\"}"), 0);
            }
            if (ex.method.equals("DELETE")) {
                job.cancelled = true;
                return new Answer.Unary(204, "application/json", Map.of(), new byte[0], 0);
            }
            String state = job.state();
            ObjectNode t = F.objectNode().put("id", job.id).put("createdAt", Instant.ofEpochSecond(job.createdAt).toString());
            switch (state) {
                case "queued" -> t.put("status", "PENDING");
                case "in_progress" -> t.put("status", "RUNNING").put("progress", job.progress() / 100.0);
                case "cancelled" -> t.put("status", "CANCELLED");
                case "failed" -> {
                    t.put("status", "FAILED");
                    t.put("failure", job.script.filter ? "The input did not pass our content moderation."
                            : "An unexpected error occurred.");
                    t.put("failureCode", job.script.filter ? "SAFETY.INPUT.TEXT" : "INTERNAL." + job.script.fail);
                }
                default -> {
                    String name = "runway_" + job.id + ".mp4";
                    files.put(name, job.video());
                    t.put("status", "SUCCEEDED");
                    t.putArray("output").add(base(ex) + "/sim-files/" + name);
                }
            }
            return Answer.Unary.json(200, Map.of(), OpenAiVendor.bytes(t), 0);
        }
        return Answer.Unary.json(404, Map.of(), utf8("{\"error\":\"Not found.\"}"), 0);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static Answer openAiError(int status, String code, String message) {
        return Answer.Unary.json(status, Map.of(), OpenAiVendor.error(message, "invalid_request_error", null, code), 0);
    }

    private static String base(Exchange ex) {
        String host = ex.headers.get("host");
        return "http://" + (host == null ? "127.0.0.1" : host);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The text fields of a multipart form (files are recorded by name with their size). */
    private static Map<String, String> multipart(Exchange ex) {
        String ct = ex.headers.get("content-type");
        int b = ct.indexOf("boundary=");
        if (b < 0) {
            throw new IllegalArgumentException("multipart body without boundary");
        }
        String boundary = "--" + ct.substring(b + 9).replace("\"", "").trim();
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : ex.body.split(java.util.regex.Pattern.quote(boundary))) {
            int headerEnd = part.indexOf("\r\n\r\n");
            if (headerEnd < 0) {
                continue;
            }
            String headers = part.substring(0, headerEnd);
            int nameAt = headers.indexOf("name=\"");
            if (nameAt < 0) {
                continue;
            }
            String name = headers.substring(nameAt + 6, headers.indexOf('"', nameAt + 6));
            String value = part.substring(headerEnd + 4);
            if (value.endsWith("\r\n")) {
                value = value.substring(0, value.length() - 2);
            }
            out.put(name, headers.contains("filename=") ? "(file, " + value.length() + " chars)" : value);
        }
        return out;
    }

    static int[] size(String size) {
        if (size.equals("auto")) {
            return new int[] {1024, 1024};
        }
        int x = size.indexOf('x');
        if (x <= 0) {
            throw new IllegalArgumentException("Invalid size '" + size + "'.");
        }
        int w = Integer.parseInt(size.substring(0, x));
        int h = Integer.parseInt(size.substring(x + 1));
        if (w < 1 || h < 1 || w > 4096 || h > 4096) {
            throw new IllegalArgumentException("Invalid size '" + size + "'.");
        }
        return new int[] {w, h};
    }

    static int[] ratioSize(String ratio, int longSide) {
        int c = ratio.indexOf(':');
        int a = Integer.parseInt(ratio.substring(0, c));
        int b = Integer.parseInt(ratio.substring(c + 1));
        return a >= b ? new int[] {longSide, longSide * b / a} : new int[] {longSide * a / b, longSide};
    }

    /** A real PNG: {@code w}×{@code h}, one colour chosen by {@code seed}. */
    static byte[] png(int w, int h, String seed) {
        int rgb = seed.hashCode() & 0xFFFFFF;
        byte[] row = new byte[1 + 3 * w];
        for (int x = 0; x < w; x++) {
            row[1 + 3 * x] = (byte) (rgb >> 16);
            row[2 + 3 * x] = (byte) (rgb >> 8);
            row[3 + 3 * x] = (byte) rgb;
        }
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int y = 0; y < h; y++) {
            d.setInput(row);
            while (!d.needsInput()) {
                int n = d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH);
                idat.write(buf, 0, n);
            }
        }
        d.finish();
        while (!d.finished()) {
            int n = d.deflate(buf);
            idat.write(buf, 0, n);
        }
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Placeholder thumbnail bytes with a WebP RIFF header. */
    static byte[] webp(String id) {
        byte[] out = new byte[2048];
        new SplittableRandom(id.hashCode() * 31L).nextBytes(out);
        byte[] head = {'R', 'I', 'F', 'F', (byte) 0xF8, 7, 0, 0, 'W', 'E', 'B', 'P'};
        System.arraycopy(head, 0, out, 0, head.length);
        return out;
    }
}

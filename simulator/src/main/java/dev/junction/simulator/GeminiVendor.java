package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gemini-shaped endpoints (wire-formats §3): {@code POST /v1beta/models/{model}:generateContent},
 * {@code :streamGenerateContent} ({@code ?alt=sse}: SSE without terminator; otherwise a JSON array),
 * {@code :embedContent}, {@code :batchEmbedContents}, and {@code GET /v1beta/models}.
 */
final class GeminiVendor {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String PREFIX = "/v1beta/models";
    private static final int DEFAULT_DIMENSIONS = 768;

    private final Engine engine;
    private final SimulatorOptions opts;

    GeminiVendor(Engine engine) {
        this.engine = engine;
        this.opts = engine.options();
    }

    static boolean owns(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    Answer handle(Exchange ex) {
        String expected = opts.geminiKey();
        if (expected != null) {
            String given = ex.headers.get("x-goog-api-key");
            if (given == null) {
                given = ex.queryParam("key");
            }
            if (!expected.equals(given)) {
                return unary(400, Map.of(), apiKeyInvalid());
            }
        }
        try {
            if (ex.path.equals(PREFIX) && ex.method.equals("GET")) {
                return models();
            }
            String rest = ex.path.substring(PREFIX.length() + 1);
            int colon = rest.lastIndexOf(':');
            if (colon <= 0 || !ex.method.equals("POST")) {
                return unary(404, Map.of(), status(404, "NOT_FOUND", "Method not found.", null));
            }
            String model = rest.substring(0, colon);
            String method = rest.substring(colon + 1);
            return switch (method) {
                case "generateContent" -> generate(ex, model, false);
                case "streamGenerateContent" -> generate(ex, model, true);
                case "embedContent" -> embed(ex, model);
                case "batchEmbedContents" -> batchEmbed(ex, model);
                default -> unary(404, Map.of(), status(404, "NOT_FOUND", "Method not found: " + method, null));
            };
        } catch (IllegalArgumentException e) {
            return unary(400, Map.of(), status(400, "INVALID_ARGUMENT", e.getMessage(), null));
        }
    }

    private Answer generate(Exchange ex, String model, boolean stream) {
        JsonNode req = ex.json();
        JsonNode contents = req.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw new IllegalArgumentException("* GenerateContentRequest.contents: contents is not specified");
        }
        String userText = lastUserText(contents);
        Effective eff = engine.effective(Directives.parse(userText));
        Behavior b = eff.behavior();
        long id = engine.nextId();
        Map<String, String> headers = new LinkedHashMap<>(b.headers());
        if (b.status() != null && b.status() >= 300) {
            byte[] body = b.errorBody() != null ? VendorSimulator.utf8(b.errorBody())
                    : errorFor(b.status(), b.errorCode(), model, headers.get("retry-after"));
            return new Answer.Unary(b.status(), "application/json; charset=UTF-8", headers, body, eff.latencyNanos());
        }
        Integer maxTokens = Exchange.intOrNull(req.path("generationConfig").get("maxOutputTokens"));
        Script s = Script.resolve(b, opts, Directives.strip(userText), ex.bodyBytes, maxTokens);
        String responseId = "sim" + id;
        if (!stream) {
            Answer.Silence silence = Answer.Silence.of(b, eff.latencyNanos());
            if (silence != null) {
                return silence;
            }
            ObjectNode body = b.blockReason() != null ? blocked(s, b.blockReason(), model, responseId)
                    : response(s, model, responseId, id);
            return new Answer.Unary(200, "application/json; charset=UTF-8", headers, OpenAiVendor.bytes(body),
                    eff.latencyNanos());
        }
        List<ObjectNode> chunks = b.blockReason() != null ? List.of(blocked(s, b.blockReason(), model, responseId))
                : chunks(s, model, responseId, id);
        if (!"sse".equals(ex.queryParam("alt"))) {
            // Without alt=sse the stream is one JSON array of the same responses (§3.1).
            ArrayNode array = F.arrayNode();
            chunks.forEach(array::add);
            return new Answer.Unary(200, "application/json; charset=UTF-8", headers, OpenAiVendor.bytes(array),
                    eff.latencyNanos());
        }
        headers.put("content-type", "text/event-stream");
        List<Answer.Frame> frames = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            frames.add(Answer.Frame.data(chunks.get(i).toString(), i > 0));
        }
        byte[] errorFrame = Answer.Frame.data(new String(status(503, "UNAVAILABLE",
                "The model is overloaded. Please try again later.", null), StandardCharsets.UTF_8), false).bytes();
        // No terminator: a Gemini stream just ends (§0.2, §3.4).
        return new Answer.Streamed(headers, frames, null, errorFrame, OpenAiVendor.orMinus(b.cutAfterChunks()),
                OpenAiVendor.orMinus(b.stallAfterChunks()), OpenAiVendor.orMinus(b.errorEventAfterChunks()),
                eff.intervalNanos(), eff.latencyNanos());
    }

    private static ObjectNode response(Script s, String model, String responseId, long id) {
        ObjectNode root = F.objectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        if (refused(s)) {
            safety(candidate);
        } else {
            ObjectNode content = candidate.putObject("content");
            ArrayNode parts = content.putArray("parts");
            if (s.reasoningTokens > 0) {
                parts.addObject().put("text", String.join(" ", s.reasoningWords)).put("thought", true);
            }
            if (!s.words.isEmpty()) {
                parts.addObject().put("text", s.text);
            }
            addCalls(parts, s, id);
            content.put("role", "model");
            candidate.put("finishReason", finishReason(s.finish));
        }
        candidate.put("index", 0);
        root.set("usageMetadata", usage(s, s.outputTokens, s.reasoningTokens));
        return root.put("modelVersion", model).put("responseId", responseId);
    }

    /** Each chunk a full response with only the new parts, cumulative usage, finish on the last (§3.4). */
    private static List<ObjectNode> chunks(Script s, String model, String responseId, long id) {
        List<ObjectNode> out = new ArrayList<>();
        if (refused(s)) {
            ObjectNode root = F.objectNode();
            ObjectNode candidate = root.putArray("candidates").addObject();
            safety(candidate);
            candidate.put("index", 0);
            root.set("usageMetadata", usage(s, 0, 0));
            out.add(root.put("modelVersion", model).put("responseId", responseId));
            return out;
        }
        int thoughts = 0;
        for (String piece : s.reasoningPieces()) {
            thoughts++;
            ArrayNode parts = F.arrayNode();
            parts.addObject().put("text", piece).put("thought", true);
            out.add(chunk(parts, null, usage(s, 0, thoughts), model, responseId));
        }
        int emitted = 0;
        for (String piece : s.pieces()) {
            emitted++;
            ArrayNode parts = F.arrayNode();
            parts.addObject().put("text", piece);
            out.add(chunk(parts, null, usage(s, emitted, thoughts), model, responseId));
        }
        if (!s.tools.isEmpty()) {
            // Function calls arrive whole, all parallel calls in one chunk, without ids (§3.4).
            ArrayNode parts = F.arrayNode();
            addCalls(parts, s, id);
            out.add(chunk(parts, null, usage(s, s.outputTokens, thoughts), model, responseId));
        }
        ArrayNode last = F.arrayNode();
        last.addObject().put("text", "").put("thoughtSignature", signature(id, "final"));
        out.add(chunk(last, finishReason(s.finish), usage(s, s.outputTokens, s.reasoningTokens), model, responseId));
        return out;
    }

    private static ObjectNode chunk(ArrayNode parts, String finishReason, ObjectNode usage, String model,
                                    String responseId) {
        ObjectNode root = F.objectNode();
        ObjectNode candidate = root.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.set("parts", parts);
        content.put("role", "model");
        if (finishReason != null) {
            candidate.put("finishReason", finishReason);
        }
        candidate.put("index", 0);
        root.set("usageMetadata", usage);
        return root.put("modelVersion", model).put("responseId", responseId);
    }

    private static void addCalls(ArrayNode parts, Script s, long id) {
        for (int t = 0; t < s.tools.size(); t++) {
            ToolCall call = s.tools.get(t);
            ObjectNode part = parts.addObject();
            ObjectNode fc = part.putObject("functionCall").put("name", call.name());
            if (call.hasArguments()) {
                // A call without arguments has no args key at all (§3.4).
                fc.set("args", call.arguments());
            }
            if (t == 0) {
                // Only the first of parallel calls carries the thought signature (§3.7).
                part.put("thoughtSignature", signature(id, call.name()));
            }
        }
    }

    private static ObjectNode blocked(Script s, String reason, String model, String responseId) {
        ObjectNode root = F.objectNode();
        root.putObject("promptFeedback").put("blockReason", reason);
        root.putObject("usageMetadata").put("promptTokenCount", s.promptTokens).put("totalTokenCount", s.promptTokens);
        return root.put("modelVersion", model).put("responseId", responseId);
    }

    private static void safety(ObjectNode candidate) {
        candidate.put("finishReason", "SAFETY");
        candidate.putArray("safetyRatings").addObject().put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
                .put("probability", "HIGH").put("blocked", true);
    }

    private static boolean refused(Script s) {
        return s.finish == Finish.REFUSAL || s.finish == Finish.CONTENT_FILTER;
    }

    /** promptTokenCount includes cached tokens; candidatesTokenCount excludes thoughts (§3.3). */
    private static ObjectNode usage(Script s, int candidates, int thoughts) {
        ObjectNode u = F.objectNode().put("promptTokenCount", s.promptTokens);
        if (candidates > 0) {
            u.put("candidatesTokenCount", candidates);
        }
        if (thoughts > 0) {
            u.put("thoughtsTokenCount", thoughts);
        }
        if (s.cachedTokens > 0) {
            u.put("cachedContentTokenCount", s.cachedTokens);
        }
        u.put("totalTokenCount", s.promptTokens + candidates + thoughts);
        u.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", s.promptTokens);
        return u;
    }

    static String finishReason(Finish f) {
        return switch (f) {
            case STOP, TOOL_CALLS -> "STOP";
            case LENGTH -> "MAX_TOKENS";
            case REFUSAL, CONTENT_FILTER -> "SAFETY";
        };
    }

    private static String signature(long id, String salt) {
        return Base64.getEncoder().encodeToString(("sim-thought-" + id + "-" + salt).getBytes(StandardCharsets.UTF_8));
    }

    /** Text parts (thoughts excluded) of the final content when it is a user turn. */
    static String lastUserText(JsonNode contents) {
        JsonNode last = contents.get(contents.size() - 1);
        String role = last.path("role").asText("user");
        if (!role.equals("user")) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode part : last.path("parts")) {
            if (part.has("text") && !part.path("thought").asBoolean(false)) {
                if (out.length() > 0) {
                    out.append('\n');
                }
                out.append(part.get("text").asText());
            }
        }
        return out.toString();
    }

    // ---- embeddings (§3.6) ----

    private Answer embed(Exchange ex, String model) {
        JsonNode req = ex.json();
        String text = contentText(req.get("content"), "content");
        Effective eff = engine.effective(Directives.parse(text));
        Answer failure = failure(eff, model);
        if (failure != null) {
            return failure;
        }
        ObjectNode root = F.objectNode();
        root.putObject("embedding").set("values", values(text, dims(req)));
        return new Answer.Unary(200, "application/json; charset=UTF-8", eff.behavior().headers(),
                OpenAiVendor.bytes(root), eff.latencyNanos());
    }

    private Answer batchEmbed(Exchange ex, String model) {
        JsonNode requests = ex.json().get("requests");
        if (requests == null || !requests.isArray() || requests.isEmpty()) {
            throw new IllegalArgumentException("* BatchEmbedContentsRequest.requests: requests is not specified");
        }
        for (int i = 0; i < requests.size(); i++) {
            String inner = requests.get(i).path("model").asText("");
            if (!inner.equals("models/" + model)) {
                // The model is repeated in every request, with the models/ prefix (§3.6).
                throw new IllegalArgumentException("* BatchEmbedContentsRequest.requests[" + i + "].model: model"
                        + " must be \"models/" + model + "\" (got \"" + inner + "\")");
            }
        }
        Effective eff = engine.effective(Directives.parse(contentText(requests.get(0).get("content"), "content")));
        Answer failure = failure(eff, model);
        if (failure != null) {
            return failure;
        }
        ObjectNode root = F.objectNode();
        ArrayNode embeddings = root.putArray("embeddings");
        for (JsonNode r : requests) {
            embeddings.addObject().set("values", values(contentText(r.get("content"), "content"), dims(r)));
        }
        return new Answer.Unary(200, "application/json; charset=UTF-8", eff.behavior().headers(),
                OpenAiVendor.bytes(root), eff.latencyNanos());
    }

    private Answer failure(Effective eff, String model) {
        Behavior b = eff.behavior();
        if (b.status() == null || b.status() < 300) {
            return null;
        }
        byte[] body = b.errorBody() != null ? VendorSimulator.utf8(b.errorBody())
                : errorFor(b.status(), b.errorCode(), model, b.headers().get("retry-after"));
        return new Answer.Unary(b.status(), "application/json; charset=UTF-8", b.headers(), body, eff.latencyNanos());
    }

    private static int dims(JsonNode req) {
        int dims = req.has("outputDimensionality") ? req.get("outputDimensionality").asInt() : DEFAULT_DIMENSIONS;
        if (dims < 1 || dims > 3072) {
            throw new IllegalArgumentException("* outputDimensionality must be between 1 and 3072");
        }
        return dims;
    }

    private static ArrayNode values(String text, int dims) {
        ArrayNode values = F.arrayNode();
        for (float f : OpenAiVendor.vector(text, dims)) {
            values.add(f);
        }
        return values;
    }

    private static String contentText(JsonNode content, String field) {
        if (content == null || !content.has("parts")) {
            throw new IllegalArgumentException("* " + field + ".parts: parts is not specified");
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode part : content.get("parts")) {
            out.append(part.path("text").asText(""));
        }
        return out.toString();
    }

    private Answer models() {
        ObjectNode root = F.objectNode();
        ArrayNode models = root.putArray("models");
        for (String id : List.of("gemini-2.5-flash", "gemini-2.5-pro", "gemini-embedding-001")) {
            ObjectNode m = models.addObject().put("name", "models/" + id).put("displayName", id)
                    .put("inputTokenLimit", 1_048_576).put("outputTokenLimit", 65_536);
            ArrayNode methods = m.putArray("supportedGenerationMethods");
            if (id.contains("embedding")) {
                methods.add("embedContent").add("batchEmbedContents");
            } else {
                methods.add("generateContent").add("streamGenerateContent").add("countTokens");
            }
        }
        return unary(200, Map.of(), OpenAiVendor.bytes(root));
    }

    // ---- errors (§3.5, §5.2) ----

    static byte[] apiKeyInvalid() {
        String message = "API key not valid. Please pass a valid API key.";
        ArrayNode details = F.arrayNode();
        ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
                .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com");
        info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
        details.addObject().put("@type", "type.googleapis.com/google.rpc.LocalizedMessage").put("locale", "en-US")
                .put("message", message);
        return status(400, "INVALID_ARGUMENT", message, details);
    }

    static byte[] errorFor(int code, String variant, String model, String retryAfter) {
        String v = variant == null ? "" : variant;
        return switch (code) {
            case 400 -> switch (v) {
                case "context_length_exceeded" -> status(400, "INVALID_ARGUMENT", "The input token count (1200000)"
                        + " exceeds the maximum number of tokens allowed (1048576).", null);
                case "api_key_invalid" -> apiKeyInvalid();
                case "failed_precondition" -> status(400, "FAILED_PRECONDITION", "User location is not supported for"
                        + " the API use without a billing account linked.", null);
                default -> status(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", null);
            };
            case 402 -> status(402, "RESOURCE_EXHAUSTED", "Your prepayment credits are depleted. Please go to AI"
                    + " Studio at https://ai.studio/projects to manage your project and billing.", null);
            case 403 -> status(403, "PERMISSION_DENIED", "The caller does not have permission", null);
            case 404 -> status(404, "NOT_FOUND", "models/" + model + " is not found for API version v1beta, or is"
                    + " not supported for generateContent.", null);
            case 429 -> quota(v, model, retryAfter);
            case 500 -> status(500, "INTERNAL", "An internal error has occurred. Please retry or report in"
                    + " https://developers.generativeai.google/guide/troubleshooting", null);
            case 503 -> status(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null);
            case 504 -> status(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", null);
            default -> code >= 500 ? status(code, "INTERNAL", "Simulated error " + code, null)
                    : status(code, "INVALID_ARGUMENT", "Simulated error " + code, null);
        };
    }

    /** 429 RESOURCE_EXHAUSTED: PerMinute quota ids are rate limits with RetryInfo, PerDay ids are quota (§5.2). */
    private static byte[] quota(String variant, String model, String retryAfter) {
        boolean perDay = variant.equals("per_day") || variant.equals("quota");
        boolean limitZero = variant.equals("limit_zero");
        String delay = (retryAfter != null ? retryAfter : "34") + "s";
        String metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests";
        String quotaId = perDay || limitZero ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
        String message = "You exceeded your current quota, please check your plan and billing details. For more"
                + " information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n"
                + "* Quota exceeded for metric: " + metric + ", limit: " + (limitZero ? 0 : perDay ? 250 : 10)
                + ", model: " + model + (perDay || limitZero ? "" : "\nPlease retry in " + delay + ".");
        ArrayNode details = F.arrayNode();
        ObjectNode failure = details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        ObjectNode violation = failure.putArray("violations").addObject().put("quotaMetric", metric)
                .put("quotaId", quotaId);
        violation.putObject("quotaDimensions").put("location", "global").put("model", model);
        violation.put("quotaValue", limitZero ? "0" : perDay ? "250" : "10");
        details.addObject().put("@type", "type.googleapis.com/google.rpc.Help").putArray("links").addObject()
                .put("description", "Learn more about Gemini API quotas")
                .put("url", "https://ai.google.dev/gemini-api/docs/rate-limits");
        if (!perDay && !limitZero) {
            details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", delay);
        }
        return status(429, "RESOURCE_EXHAUSTED", message, details);
    }

    static byte[] status(int code, String status, String message, ArrayNode details) {
        ObjectNode root = F.objectNode();
        ObjectNode error = root.putObject("error").put("code", code).put("message", message).put("status", status);
        if (details != null) {
            error.set("details", details);
        }
        return OpenAiVendor.bytes(root);
    }

    private static Answer unary(int status, Map<String, String> headers, byte[] body) {
        return new Answer.Unary(status, "application/json; charset=UTF-8", headers, body, 0);
    }
}

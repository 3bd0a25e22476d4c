package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * OpenAI-shaped endpoints (wire-formats §1): {@code POST /v1/chat/completions} (JSON and SSE),
 * {@code POST /v1/responses} ({@link OpenAiResponses}), {@code POST /v1/embeddings}, {@code GET /v1/models}.
 */
final class OpenAiVendor {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String FINGERPRINT = "fp_sim";
    /** Arguments are streamed in fragments of this many characters, like OpenAI's token-sized pieces (§1.5). */
    private static final int ARGUMENT_FRAGMENT = 8;

    private final Engine engine;
    private final SimulatorOptions opts;
    private final OpenAiResponses responses;
    /** Pre-rendered tail of the default non-stream answer, from {@code "choices"} up to the prompt token count. */
    private final byte[] fastChoices;
    private final byte[] fastUsageRest;
    private final int fastCompletion;
    private static final byte[] FAST_SUFFIX = (",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"" + FINGERPRINT + "\"}").getBytes(StandardCharsets.US_ASCII);

    OpenAiVendor(Engine engine) {
        this.engine = engine;
        this.opts = engine.options();
        this.responses = new OpenAiResponses(engine);
        List<String> words = Script.defaultWords(opts.replyTokens());
        this.fastCompletion = words.size();
        ObjectNode message = F.objectNode().put("role", "assistant").put("content", String.join(" ", words));
        message.putNull("refusal");
        message.putArray("annotations");
        ObjectNode choice = F.objectNode().put("index", 0);
        choice.set("message", message);
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        this.fastChoices = (",\"choices\":[" + choice + "],\"usage\":{\"prompt_tokens\":")
                .getBytes(StandardCharsets.UTF_8);
        this.fastUsageRest = (",\"completion_tokens\":" + fastCompletion + ",\"total_tokens\":")
                .getBytes(StandardCharsets.UTF_8);
    }

    static boolean owns(String path) {
        return path.equals("/v1/chat/completions") || path.equals("/v1/embeddings") || path.equals("/v1/models")
                || path.equals("/v1/responses")
                || path.startsWith("/v1/models/") || path.startsWith(AZURE_DEPLOYMENTS) || path.startsWith(AZURE_V1);
    }

    private static final String AZURE_DEPLOYMENTS = "/openai/deployments/";
    private static final String AZURE_V1 = "/openai/v1/";

    /**
     * The OpenAI route of a path, accepting Azure's URL styles too (§6.2): the legacy
     * {@code /openai/deployments/{deployment}/chat/completions?api-version=…} (the deployment
     * stands in for a missing {@code model}) and {@code /openai/v1/…}.
     */
    private record Route(String path, String deployment) {
        static Route of(String path) {
            if (path.startsWith(AZURE_DEPLOYMENTS)) {
                String rest = path.substring(AZURE_DEPLOYMENTS.length());
                int slash = rest.indexOf('/');
                if (slash > 0) {
                    return new Route("/v1" + rest.substring(slash), rest.substring(0, slash));
                }
            } else if (path.startsWith(AZURE_V1)) {
                return new Route(path.substring("/openai".length()), null);
            }
            return new Route(path, null);
        }
    }

    /** The key the client presented: {@code Authorization: Bearer}, or Azure's {@code api-key} header. */
    private static String presentedKey(Exchange ex) {
        String bearer = ex.bearer();
        return bearer != null ? bearer : ex.headers.get("api-key");
    }

    Answer handle(Exchange ex, String path, OpenAiDialect dialect) {
        String key = opts.openAiKey();
        if (key != null && !key.equals(presentedKey(ex))) {
            String given = presentedKey(ex);
            String message = given == null
                    ? "You didn't provide an API key. You need to provide your API key in an Authorization header"
                    + " using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
                    : "Incorrect API key provided: " + redact(given)
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.";
            return Answer.Unary.json(401, Map.of(), error(message, "invalid_request_error", null, "invalid_api_key"), 0);
        }
        Route route = Route.of(path);
        try {
            if (route.path().equals("/v1/chat/completions") && ex.method.equals("POST")) {
                return chat(ex, route.deployment(), dialect);
            }
            if (route.path().equals("/v1/responses") && ex.method.equals("POST") && dialect == OpenAiDialect.OPENAI) {
                // Groq and Mistral stand for chat-only OpenAI-compatible servers here.
                return responses.create(ex, route.deployment(), Map.of());
            }
            if (route.path().equals("/v1/embeddings") && ex.method.equals("POST")) {
                return embeddings(ex, route.deployment());
            }
            if (route.path().startsWith("/v1/models") && ex.method.equals("GET")) {
                return models(route.path());
            }
            return Answer.Unary.json(404, Map.of(), error("Invalid URL (" + ex.method + " " + ex.path + ")",
                    "invalid_request_error", null, null), 0);
        } catch (IllegalArgumentException e) {
            return Answer.Unary.json(400, Map.of(), error(e.getMessage(), "invalid_request_error", null, null), 0);
        }
    }

    private Answer chat(Exchange ex, String deployment, OpenAiDialect dialect) {
        JsonNode req = ex.json();
        String model = req.path("model").asText(deployment == null ? "" : deployment);
        if (model.isEmpty()) {
            throw new IllegalArgumentException("you must provide a model parameter");
        }
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("'messages' must be a non-empty array");
        }
        if (dialect == OpenAiDialect.MISTRAL) {
            String bad = badMistralToolCallId(messages);
            if (bad != null) {
                return Answer.Unary.json(400, Map.of(), mistralError("Tool call id was " + bad
                        + " but must be a-z, A-Z, 0-9, with a length of 9."), 0);
            }
        }
        String userText = lastUserText(messages);
        Effective eff = engine.effective(Directives.parse(userText));
        Behavior b = eff.behavior();
        long id = engine.nextId();
        Map<String, String> headers = headers(b, id);
        if (b.status() != null && b.status() >= 300) {
            return errorAnswer(b, model, headers, eff.latencyNanos());
        }
        boolean stream = req.path("stream").asBoolean(false);
        int n = req.path("n").asInt(1);
        if (n < 1 || n > 128) {
            throw new IllegalArgumentException(n + " is not a valid value for 'n': it must be between 1 and 128");
        }
        Integer maxTokens = Exchange.intOrNull(req.get("max_completion_tokens"));
        if (maxTokens == null) {
            maxTokens = Exchange.intOrNull(req.get("max_tokens"));
        }
        long created = System.currentTimeMillis() / 1000;
        String chatId = "chatcmpl-sim" + id;
        if (eff.plain() && !stream && n == 1 && (maxTokens == null || maxTokens >= opts.replyTokens())) {
            return Answer.Unary.json(200, headers, fastBody(chatId, created, model, Math.max(1, ex.bodyBytes / 4)),
                    eff.latencyNanos());
        }
        Script s = Script.resolve(b, opts, Directives.strip(userText), ex.bodyBytes, maxTokens);
        Answer.Silence silence = stream ? null : Answer.Silence.of(b, eff.latencyNanos());
        if (silence != null) {
            return silence;
        }
        if (!stream) {
            return Answer.Unary.json(200, headers, bytes(completion(s, chatId, created, model, n, id, dialect)),
                    eff.latencyNanos());
        }
        // Groq ignores include_usage: its usage rides on the last chunk's x_groq (§6.1).
        boolean includeUsage = dialect != OpenAiDialect.GROQ
                && req.path("stream_options").path("include_usage").asBoolean(false);
        headers.put("content-type", "text/event-stream; charset=utf-8");
        return new Answer.Streamed(headers, chunks(s, chatId, created, model, n, includeUsage, id, b, dialect),
                "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII),
                Answer.Frame.data(new String(error("The server had an error while processing your request."
                        + " Sorry about that!", "server_error", null, null), StandardCharsets.UTF_8), false).bytes(),
                orMinus(b.cutAfterChunks()), orMinus(b.stallAfterChunks()), orMinus(b.errorEventAfterChunks()),
                eff.intervalNanos(), eff.latencyNanos());
    }

    private byte[] fastBody(String chatId, long created, String model, int promptTokens) {
        byte[] head = ("{\"id\":\"" + chatId + "\",\"object\":\"chat.completion\",\"created\":" + created
                + ",\"model\":" + F.textNode(model)).getBytes(StandardCharsets.UTF_8);
        byte[] prompt = Integer.toString(promptTokens).getBytes(StandardCharsets.US_ASCII);
        byte[] total = Integer.toString(promptTokens + fastCompletion).getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(head.length + fastChoices.length + prompt.length + fastUsageRest.length
                + total.length + FAST_SUFFIX.length);
        out.put(head).put(fastChoices).put(prompt).put(fastUsageRest).put(total).put(FAST_SUFFIX);
        return out.array();
    }

    private static ObjectNode completion(Script s, String chatId, long created, String model, int n, long id,
                                         OpenAiDialect dialect) {
        ObjectNode root = F.objectNode().put("id", chatId).put("object", "chat.completion").put("created", created)
                .put("model", model);
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < n; i++) {
            ObjectNode message = F.objectNode().put("role", "assistant");
            if (s.finish == Finish.REFUSAL) {
                message.putNull("content");
                message.put("refusal", s.text);
            } else {
                if (s.words.isEmpty() && !s.tools.isEmpty()) {
                    message.putNull("content");
                } else {
                    message.put("content", s.text);
                }
                message.putNull("refusal");
            }
            message.putArray("annotations");
            if (!s.tools.isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (int t = 0; t < s.tools.size(); t++) {
                    ToolCall call = s.tools.get(t);
                    ObjectNode c = calls.addObject().put("id", callId(id, i, t, dialect)).put("type", "function");
                    c.putObject("function").put("name", call.name()).put("arguments", call.argumentsJson());
                }
            }
            ObjectNode choice = choices.addObject().put("index", i);
            choice.set("message", message);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(s.finish));
        }
        root.set("usage", usage(s, n));
        root.put("service_tier", "default").put("system_fingerprint", FINGERPRINT);
        return root;
    }

    /** The chunk sequence of §1.5: role chunk, one chunk per token or argument fragment, finish, usage. */
    private static List<Answer.Frame> chunks(Script s, String chatId, long created, String model, int n,
                                             boolean includeUsage, long id, Behavior b, OpenAiDialect dialect) {
        List<Answer.Frame> frames = new ArrayList<>();
        if (Boolean.TRUE.equals(b.azureEmptyFirstChunk())) {
            // Azure's leading prompt-filter chunk (§6.2): empty choices, empty id/model/object, created 0.
            ObjectNode azure = F.objectNode().put("id", "").put("object", "").put("created", 0).put("model", "");
            azure.putArray("choices");
            ObjectNode filter = azure.putArray("prompt_filter_results").addObject().put("prompt_index", 0);
            filter.putObject("content_filter_results").putObject("hate").put("filtered", false).put("severity", "safe");
            frames.add(Answer.Frame.data(azure.toString(), false));
        }
        List<List<ObjectNode>> perChoice = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            perChoice.add(deltas(s, id, i, dialect));
        }
        int longest = perChoice.stream().mapToInt(List::size).max().orElse(0);
        for (int k = 0; k < longest; k++) {
            for (int i = 0; i < n; i++) {
                List<ObjectNode> deltas = perChoice.get(i);
                if (k < deltas.size()) {
                    ObjectNode chunk = chunk(chatId, created, model, includeUsage);
                    ObjectNode choice = chunk.withArray("choices").addObject().put("index", i);
                    choice.set("delta", deltas.get(k));
                    choice.putNull("logprobs");
                    choice.putNull("finish_reason");
                    frames.add(Answer.Frame.data(chunk.toString(), k > 0));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            ObjectNode chunk = chunk(chatId, created, model, includeUsage);
            ObjectNode choice = chunk.withArray("choices").addObject().put("index", i);
            choice.putObject("delta");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(s.finish));
            if (dialect == OpenAiDialect.GROQ && i == n - 1) {
                chunk.putObject("x_groq").put("id", "req_sim" + id).set("usage", usage(s, n));
            }
            frames.add(Answer.Frame.data(chunk.toString(), false));
        }
        if (includeUsage) {
            ObjectNode chunk = chunk(chatId, created, model, false);
            chunk.putArray("choices");
            chunk.set("usage", usage(s, n));
            frames.add(Answer.Frame.data(chunk.toString(), false));
        }
        return frames;
    }

    private static List<ObjectNode> deltas(Script s, long id, int choice, OpenAiDialect dialect) {
        List<ObjectNode> out = new ArrayList<>();
        boolean refusal = s.finish == Finish.REFUSAL;
        boolean hasText = !s.words.isEmpty() || s.tools.isEmpty();
        if (hasText) {
            ObjectNode first = F.objectNode().put("role", "assistant");
            if (refusal) {
                first.putNull("content");
                first.put("refusal", "");
            } else {
                first.put("content", "");
                first.putNull("refusal");
            }
            out.add(first);
            for (String piece : s.pieces()) {
                out.add(F.objectNode().put(refusal ? "refusal" : "content", piece));
            }
        }
        for (int t = 0; t < s.tools.size(); t++) {
            ToolCall call = s.tools.get(t);
            ObjectNode head = F.objectNode();
            if (out.isEmpty()) {
                // Tool-only streams open with role and content:null on the first call fragment (§1.5).
                head.put("role", "assistant");
                head.putNull("content");
            }
            ObjectNode frag = head.putArray("tool_calls").addObject().put("index", t).put("id", callId(id, choice, t, dialect))
                    .put("type", "function");
            frag.putObject("function").put("name", call.name()).put("arguments", "");
            out.add(head);
            String args = call.argumentsJson();
            for (int at = 0; at < args.length(); at += ARGUMENT_FRAGMENT) {
                ObjectNode d = F.objectNode();
                d.putArray("tool_calls").addObject().put("index", t).putObject("function")
                        .put("arguments", args.substring(at, Math.min(args.length(), at + ARGUMENT_FRAGMENT)));
                out.add(d);
            }
        }
        return out;
    }

    private static ObjectNode chunk(String chatId, long created, String model, boolean nullUsage) {
        ObjectNode chunk = F.objectNode().put("id", chatId).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model).put("service_tier", "default")
                .put("system_fingerprint", FINGERPRINT);
        chunk.putArray("choices");
        if (nullUsage) {
            // With include_usage every chunk but the last carries "usage": null (§1.5).
            chunk.putNull("usage");
        }
        return chunk;
    }

    private static ObjectNode usage(Script s, int n) {
        int completion = s.completionTokens() * n;
        ObjectNode usage = F.objectNode().put("prompt_tokens", s.promptTokens).put("completion_tokens", completion)
                .put("total_tokens", s.promptTokens + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", s.cachedTokens).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", s.reasoningTokens * n)
                .put("audio_tokens", 0).put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return usage;
    }

    static String finishReason(Finish f) {
        return switch (f) {
            case STOP, REFUSAL -> "stop";
            case LENGTH -> "length";
            case TOOL_CALLS -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
        };
    }

    private static String callId(long id, int choice, int index, OpenAiDialect dialect) {
        if (dialect == OpenAiDialect.MISTRAL) {
            // Nine letters/digits, unique per request, choice and call (§6.1).
            String digits = Long.toString(id * 10_000 + choice * 100L + index, 36);
            return "m" + "00000000".substring(Math.min(8, digits.length())) + digits.substring(Math.max(0, digits.length() - 8));
        }
        return "call_sim" + id + "_" + choice + "_" + index;
    }

    /** The first tool-call id in the history that Mistral refuses ({@code [a-zA-Z0-9]{9}}), or null. */
    private static String badMistralToolCallId(JsonNode messages) {
        for (JsonNode m : messages) {
            JsonNode toolCallId = m.get("tool_call_id");
            if (toolCallId != null && !MISTRAL_ID.matcher(toolCallId.asText()).matches()) {
                return toolCallId.asText();
            }
            for (JsonNode call : m.path("tool_calls")) {
                String callId = call.path("id").asText();
                if (!MISTRAL_ID.matcher(callId).matches()) {
                    return callId;
                }
            }
        }
        return null;
    }

    private static final java.util.regex.Pattern MISTRAL_ID = java.util.regex.Pattern.compile("[a-zA-Z0-9]{9}");

    /** Mistral's flat error body (wire-formats §6.1). */
    static byte[] mistralError(String message) {
        ObjectNode root = F.objectNode().put("object", "error").put("message", message)
                .put("type", "invalid_request_error");
        root.putNull("param");
        root.putNull("code");
        return bytes(root);
    }

    // ---- embeddings (§1.7) ----

    private Answer embeddings(Exchange ex, String deployment) {
        JsonNode req = ex.json();
        String model = req.path("model").asText(deployment == null ? "" : deployment);
        if (model.isEmpty()) {
            throw new IllegalArgumentException("you must provide a model parameter");
        }
        JsonNode input = req.get("input");
        if (input == null || input.isNull()) {
            throw new IllegalArgumentException("'input' is a required property");
        }
        List<String> texts = new ArrayList<>();
        if (input.isTextual()) {
            texts.add(input.asText());
        } else if (input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
            texts.add(input.toString());
        } else if (input.isArray() && !input.isEmpty()) {
            for (JsonNode item : input) {
                texts.add(item.isTextual() ? item.asText() : item.toString());
            }
        } else {
            throw new IllegalArgumentException("'input' must be a non-empty string or array");
        }
        String text0 = texts.get(0);
        Effective eff = engine.effective(Directives.parse(text0));
        Behavior b = eff.behavior();
        long id = engine.nextId();
        Map<String, String> headers = headers(b, id);
        if (b.status() != null && b.status() >= 300) {
            return errorAnswer(b, model, headers, eff.latencyNanos());
        }
        int dims = req.has("dimensions") ? req.get("dimensions").asInt() : 1536;
        if (dims < 1 || dims > 8192) {
            throw new IllegalArgumentException("'dimensions' must be between 1 and 8192");
        }
        String format = req.path("encoding_format").asText("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw new IllegalArgumentException("'encoding_format' must be 'float' or 'base64'");
        }
        ObjectNode root = F.objectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            float[] v = vector(texts.get(i), dims);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (format.equals("base64")) {
                ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    buf.putFloat(f);
                }
                item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
            } else {
                ArrayNode arr = item.putArray("embedding");
                for (float f : v) {
                    arr.add(f);
                }
            }
            tokens += Math.max(1, texts.get(i).split("\\s+").length);
        }
        root.put("model", model);
        root.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return Answer.Unary.json(200, headers, bytes(root), eff.latencyNanos());
    }

    /**
     * A deterministic unit vector derived from the text: the same text always embeds to the same
     * vector, different texts to (almost surely) different ones. Shared with the Gemini endpoints.
     */
    static float[] vector(String text, int dims) {
        SplittableRandom random = new SplittableRandom(text.hashCode() * 0x9E3779B97F4A7C15L + text.length());
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) {
            v[i] *= scale;
        }
        return v;
    }

    // ---- models (§1.8) ----

    private Answer models(String path) {
        List<String> ids = List.of("gpt-4o", "gpt-4o-mini", "o3-mini", "text-embedding-3-small",
                "text-embedding-3-large");
        if (path.startsWith("/v1/models/")) {
            String wanted = path.substring("/v1/models/".length());
            return Answer.Unary.json(200, Map.of(), bytes(model(wanted)), 0);
        }
        ObjectNode root = F.objectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids) {
            data.add(model(id));
        }
        return Answer.Unary.json(200, Map.of(), bytes(root), 0);
    }

    private static ObjectNode model(String id) {
        return F.objectNode().put("id", id).put("object", "model").put("created", 1_700_000_000L)
                .put("owned_by", "simulator");
    }

    // ---- errors (§1.6) ----

    private Answer errorAnswer(Behavior b, String model, Map<String, String> headers, long latency) {
        int status = b.status();
        if (status == 429 && (b.errorCode() == null || b.errorCode().equals("rate_limit_exceeded"))) {
            // A plain rate limit reports its window like OpenAI does (§1.1: reset values are durations).
            headers.putIfAbsent("x-ratelimit-limit-requests", "60");
            headers.putIfAbsent("x-ratelimit-remaining-requests", "0");
            headers.putIfAbsent("x-ratelimit-reset-requests", "1s");
        }
        byte[] body = b.errorBody() != null ? b.errorBody().getBytes(StandardCharsets.UTF_8)
                : errorFor(status, b.errorCode(), model);
        return Answer.Unary.json(status, headers, body, latency);
    }

    static byte[] errorFor(int status, String code, String model) {
        String c = code == null ? "" : code;
        return switch (status) {
            case 400 -> c.equals("context_length_exceeded")
                    ? error("This model's maximum context length is 8192 tokens. However, your messages resulted in"
                    + " 8227 tokens. Please reduce the length of the messages.", "invalid_request_error", "messages",
                    c)
                    : error("Simulated invalid request.", "invalid_request_error", null, code);
            case 401 -> error("Incorrect API key provided: sk-sim***. You can find your API key at"
                    + " https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
            case 403 -> error("Country, region, or territory not supported", "request_forbidden", null,
                    code == null ? "unsupported_country_region_territory" : code);
            case 404 -> error("The model `" + model + "` does not exist or you do not have access to it.",
                    "invalid_request_error", null, "model_not_found");
            case 429 -> switch (c) {
                case "insufficient_quota", "credit_balance_exhausted", "organization_spend_limit_exceeded",
                     "project_spend_limit_exceeded", "organization_usage_limit_exceeded" ->
                        error("You exceeded your current quota, please check your plan and billing details.",
                                "insufficient_quota", null, c);
                case "request_too_large" -> error("Request too large for " + model + " in organization org-sim on"
                        + " tokens per min (TPM): Limit 30000, Requested 31538. The input or output tokens must be"
                        + " reduced in order to run successfully.", "tokens", null, "rate_limit_exceeded");
                default -> error("Rate limit reached for " + model + " in organization org-sim on requests per min"
                        + " (RPM): Limit 60, Used 60, Requested 1. Please try again in 1s.", "requests", null,
                        "rate_limit_exceeded");
            };
            case 503 -> error("The server is overloaded or not ready yet.", "server_error", null,
                    code == null ? "server_is_overloaded" : code);
            default -> status >= 500
                    ? error("The server had an error while processing your request. Sorry about that!",
                    "server_error", null, code)
                    : error("Simulated error " + status + ".", "invalid_request_error", null, code);
        };
    }

    static byte[] error(String message, String type, String param, String code) {
        ObjectNode root = F.objectNode();
        ObjectNode err = root.putObject("error").put("message", message).put("type", type);
        err.put("param", param);
        err.put("code", code);
        return bytes(root);
    }

    private static Map<String, String> headers(Behavior b, long id) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-request-id", "req_sim" + id);
        headers.putAll(b.headers());
        return headers;
    }

    private static String redact(String key) {
        return key.length() <= 8 ? "sk-***" : key.substring(0, 3) + "***" + key.substring(key.length() - 4);
    }

    static int orMinus(Integer v) {
        return v == null ? -1 : v;
    }

    static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Text of the conversation's final message when it is a user message (string or text parts). */
    static String lastUserText(JsonNode messages) {
        JsonNode last = messages.get(messages.size() - 1);
        if (!"user".equals(last.path("role").asText())) {
            return "";
        }
        return textOf(last.get("content"), "text");
    }

    /** Concatenated text of a string content or an array of {@code {type:"text", text}} parts. */
    static String textOf(JsonNode content, String textType) {
        if (content == null) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder out = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (textType.equals(part.path("type").asText()) && part.has("text")) {
                    if (out.length() > 0) {
                        out.append('\n');
                    }
                    out.append(part.get("text").asText());
                }
            }
        }
        return out.toString();
    }
}

package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic-shaped endpoints (wire-formats §2): {@code POST /v1/messages} (JSON {@code Message} or
 * the §2.4 event stream) and {@code GET /v1/models}.
 */
final class AnthropicVendor {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int ARGUMENT_FRAGMENT = 8;
    /** A ping between text deltas every this many deltas, besides the one after message_start (§2.4). */
    private static final int PING_EVERY = 4;

    private final Engine engine;
    private final SimulatorOptions opts;

    AnthropicVendor(Engine engine) {
        this.engine = engine;
        this.opts = engine.options();
    }

    Answer handle(Exchange ex) {
        String expected = opts.anthropicKey();
        if (expected != null) {
            String given = ex.headers.get("x-api-key");
            if (given == null) {
                given = ex.bearer();
            }
            if (!expected.equals(given)) {
                return unary(401, Map.of(), error("authentication_error",
                        given == null ? "x-api-key header is required" : "invalid x-api-key", null));
            }
        }
        try {
            if (ex.path.equals("/v1/messages") && ex.method.equals("POST")) {
                if (!ex.headers.contains("anthropic-version")) {
                    return unary(400, Map.of(), error("invalid_request_error", "anthropic-version: header is required",
                            null));
                }
                return messages(ex);
            }
            if (ex.path.equals("/v1/messages/count_tokens") && ex.method.equals("POST")) {
                if (!ex.headers.contains("anthropic-version")) {
                    return unary(400, Map.of(), error("invalid_request_error", "anthropic-version: header is required",
                            null));
                }
                return countTokens(ex);
            }
            if (ex.path.startsWith("/v1/models") && ex.method.equals("GET")) {
                return models();
            }
            return unary(404, Map.of(), error("not_found_error", "Not found", null));
        } catch (IllegalArgumentException e) {
            return unary(400, Map.of(), error("invalid_request_error", e.getMessage(), null));
        }
    }

    /**
     * {@code POST /v1/messages/count_tokens}: {@code {"input_tokens": N}}, the prompt count a
     * Messages request with this body would report (request bytes / 4, or {@code prompt-tokens=N}).
     */
    private Answer countTokens(Exchange ex) {
        JsonNode req = ex.json();
        if (req.path("model").asText("").isEmpty()) {
            throw new IllegalArgumentException("model: Field required");
        }
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("messages: at least one message is required");
        }
        JsonNode last = messages.get(messages.size() - 1);
        String userText = "user".equals(last.path("role").asText())
                ? OpenAiVendor.textOf(last.get("content"), "text") : "";
        Effective eff = engine.effective(Directives.parse(userText));
        Script s = Script.resolve(eff.behavior(), opts, Directives.strip(userText), ex.bodyBytes, 1);
        return new Answer.Unary(200, "application/json", Map.of("request-id", "req_sim" + engine.nextId()),
                OpenAiVendor.bytes(F.objectNode().put("input_tokens", s.promptTokens)), eff.latencyNanos());
    }

    private Answer messages(Exchange ex) {
        JsonNode req = ex.json();
        String model = req.path("model").asText("");
        if (model.isEmpty()) {
            throw new IllegalArgumentException("model: Field required");
        }
        Integer maxTokens = Exchange.intOrNull(req.get("max_tokens"));
        if (maxTokens == null) {
            throw new IllegalArgumentException("max_tokens: Field required");
        }
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("messages: at least one message is required");
        }
        JsonNode last = messages.get(messages.size() - 1);
        String userText = "user".equals(last.path("role").asText())
                ? OpenAiVendor.textOf(last.get("content"), "text") : "";
        Effective eff = engine.effective(Directives.parse(userText));
        Behavior b = eff.behavior();
        long id = engine.nextId();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("request-id", "req_sim" + id);
        headers.putAll(b.headers());
        if (b.status() != null && b.status() >= 300) {
            boolean spendCap = "spend_limit".equals(b.errorCode())
                    || "enforced_spend_limit_reached".equals(b.errorCode());
            if (b.status() == 429 && !spendCap) {
                // A rate-limit 429 normally carries retry-after; the monthly spend cap does not (§2.6, §5.2).
                headers.putIfAbsent("retry-after", "1");
            }
            byte[] body = b.errorBody() != null ? VendorSimulator.utf8(b.errorBody())
                    : errorFor(b.status(), b.errorCode(), model, id);
            return new Answer.Unary(b.status(), "application/json", headers, body, eff.latencyNanos());
        }
        Script s = Script.resolve(b, opts, Directives.strip(userText), ex.bodyBytes, maxTokens);
        String msgId = "msg_sim" + id;
        if (!req.path("stream").asBoolean(false)) {
            Answer.Silence silence = Answer.Silence.of(b, eff.latencyNanos());
            if (silence != null) {
                return silence;
            }
            return new Answer.Unary(200, "application/json", headers, OpenAiVendor.bytes(message(s, msgId, model, id)),
                    eff.latencyNanos());
        }
        headers.put("content-type", "text/event-stream; charset=utf-8");
        ObjectNode overloaded = F.objectNode().put("type", "error");
        overloaded.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
        overloaded.put("request_id", "req_sim" + id);
        return new Answer.Streamed(headers, events(s, msgId, model, id), null,
                Answer.Frame.event("error", overloaded.toString(), false).bytes(),
                OpenAiVendor.orMinus(b.cutAfterChunks()), OpenAiVendor.orMinus(b.stallAfterChunks()),
                OpenAiVendor.orMinus(b.errorEventAfterChunks()), eff.intervalNanos(), eff.latencyNanos());
    }

    private static ObjectNode message(Script s, String msgId, String model, long id) {
        ObjectNode root = F.objectNode().put("id", msgId).put("type", "message").put("role", "assistant")
                .put("model", model);
        ArrayNode content = root.putArray("content");
        if (!refusal(s)) {
            if (s.reasoningTokens > 0) {
                content.addObject().put("type", "thinking").put("thinking", String.join(" ", s.reasoningWords))
                        .put("signature", signature(id));
            }
            if (!s.words.isEmpty()) {
                content.addObject().put("type", "text").put("text", s.text);
            }
            for (int t = 0; t < s.tools.size(); t++) {
                ToolCall call = s.tools.get(t);
                content.addObject().put("type", "tool_use").put("id", toolId(id, t)).put("name", call.name())
                        .set("input", call.arguments());
            }
        }
        root.put("stop_reason", stopReason(s.finish));
        root.putNull("stop_sequence");
        root.set("usage", usage(s, true));
        return root;
    }

    /** The §2.4 sequence, with the vercel-recorded details: pings, empty first partial_json, refusal without blocks. */
    private static List<Answer.Frame> events(Script s, String msgId, String model, long id) {
        List<Answer.Frame> frames = new ArrayList<>();
        ObjectNode start = F.objectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message").put("id", msgId).put("type", "message")
                .put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode startUsage = usage(s, false);
        startUsage.put("output_tokens", 1);
        message.set("usage", startUsage);
        frames.add(Answer.Frame.event("message_start", start.toString(), false));
        frames.add(ping());
        int index = 0;
        if (!refusal(s)) {
            if (s.reasoningTokens > 0) {
                ObjectNode block = F.objectNode().put("type", "thinking").put("thinking", "").put("signature", "");
                frames.add(blockStart(index, block));
                for (String piece : s.reasoningPieces()) {
                    frames.add(delta(index, F.objectNode().put("type", "thinking_delta").put("thinking", piece), true));
                }
                frames.add(delta(index, F.objectNode().put("type", "signature_delta").put("signature", signature(id)),
                        false));
                frames.add(blockStop(index++));
            }
            if (!s.words.isEmpty()) {
                frames.add(blockStart(index, F.objectNode().put("type", "text").put("text", "")));
                List<String> pieces = s.pieces();
                for (int i = 0; i < pieces.size(); i++) {
                    frames.add(delta(index, F.objectNode().put("type", "text_delta").put("text", pieces.get(i)), true));
                    if ((i + 1) % PING_EVERY == 0 && i + 1 < pieces.size()) {
                        frames.add(ping());
                    }
                }
                frames.add(blockStop(index++));
            }
            for (int t = 0; t < s.tools.size(); t++) {
                ToolCall call = s.tools.get(t);
                ObjectNode block = F.objectNode().put("type", "tool_use").put("id", toolId(id, t))
                        .put("name", call.name());
                block.putObject("input");
                frames.add(blockStart(index, block));
                // The first input_json_delta is empty; a call without arguments gets only that one (§2.4).
                frames.add(delta(index, F.objectNode().put("type", "input_json_delta").put("partial_json", ""), true));
                if (call.hasArguments()) {
                    String args = call.argumentsJson();
                    for (int at = 0; at < args.length(); at += ARGUMENT_FRAGMENT) {
                        frames.add(delta(index, F.objectNode().put("type", "input_json_delta").put("partial_json",
                                args.substring(at, Math.min(args.length(), at + ARGUMENT_FRAGMENT))), true));
                    }
                }
                frames.add(blockStop(index++));
            }
        }
        ObjectNode messageDelta = F.objectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason(s.finish)).putNull("stop_sequence");
        // message_delta usage is cumulative: the whole output so far plus the input counts (§2.4).
        messageDelta.set("usage", usage(s, false));
        frames.add(Answer.Frame.event("message_delta", messageDelta.toString(), false));
        frames.add(Answer.Frame.event("message_stop", "{\"type\":\"message_stop\"}", false));
        return frames;
    }

    private static boolean refusal(Script s) {
        return s.finish == Finish.REFUSAL || s.finish == Finish.CONTENT_FILTER;
    }

    private static Answer.Frame ping() {
        return Answer.Frame.event("ping", "{\"type\":\"ping\"}", false);
    }

    private static Answer.Frame blockStart(int index, ObjectNode block) {
        ObjectNode e = F.objectNode().put("type", "content_block_start").put("index", index);
        e.set("content_block", block);
        return Answer.Frame.event("content_block_start", e.toString(), false);
    }

    private static Answer.Frame delta(int index, ObjectNode delta, boolean paced) {
        ObjectNode e = F.objectNode().put("type", "content_block_delta").put("index", index);
        e.set("delta", delta);
        return Answer.Frame.event("content_block_delta", e.toString(), paced);
    }

    private static Answer.Frame blockStop(int index) {
        return Answer.Frame.event("content_block_stop",
                F.objectNode().put("type", "content_block_stop").put("index", index).toString(), false);
    }

    /** Anthropic's input_tokens excludes cache reads and writes (§2.3). */
    private static ObjectNode usage(Script s, boolean full) {
        ObjectNode usage = F.objectNode().put("input_tokens", s.promptTokens - s.cachedTokens)
                .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", s.cachedTokens)
                .put("output_tokens", s.completionTokens());
        if (full) {
            usage.putObject("cache_creation").put("ephemeral_5m_input_tokens", 0).put("ephemeral_1h_input_tokens", 0);
            usage.put("service_tier", "standard");
        }
        return usage;
    }

    static String stopReason(Finish f) {
        return switch (f) {
            case STOP -> "end_turn";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
            case REFUSAL, CONTENT_FILTER -> "refusal";
        };
    }

    private static String toolId(long id, int index) {
        return "toolu_sim" + id + "_" + index;
    }

    private static String signature(long id) {
        return java.util.Base64.getEncoder().encodeToString(("sim-signature-" + id).getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));
    }

    private Answer models() {
        ObjectNode root = F.objectNode();
        ArrayNode data = root.putArray("data");
        List<String> ids = List.of("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1");
        for (String id : ids) {
            data.addObject().put("type", "model").put("id", id).put("display_name", id)
                    .put("created_at", "2025-09-29T00:00:00Z");
        }
        root.put("has_more", false).put("first_id", ids.get(0)).put("last_id", ids.get(ids.size() - 1));
        return unary(200, Map.of(), OpenAiVendor.bytes(root));
    }

    // ---- errors (§2.5) ----

    static byte[] errorFor(int status, String code, String model, long id) {
        String c = code == null ? "" : code;
        String requestId = "req_sim" + id;
        return switch (status) {
            case 400 -> switch (c) {
                case "context_length_exceeded", "prompt_too_long" -> error("invalid_request_error",
                        "prompt is too long: 210266 tokens > 200000 maximum", requestId);
                case "spend_limit" -> error("invalid_request_error", "You have reached your specified API usage"
                        + " limits. You will regain access on 2026-12-01 at 00:00 UTC.", requestId);
                default -> error("invalid_request_error", "Simulated invalid request.", requestId);
            };
            case 401 -> error("authentication_error", "invalid x-api-key", requestId);
            case 402 -> error("billing_error", "Your credit balance is too low to access the Anthropic API. Please go"
                    + " to Plans & Billing to upgrade or purchase credits.", requestId);
            case 403 -> error("permission_error", "Your API key does not have permission to use the specified"
                    + " resource.", requestId);
            case 404 -> error("not_found_error", "model: " + model, requestId);
            case 409 -> error("conflict_error", "Conflict", requestId);
            case 413 -> error("request_too_large", "Request exceeds the maximum allowed number of bytes.", requestId);
            case 429 -> {
                if (c.equals("spend_limit") || c.equals("enforced_spend_limit_reached")) {
                    ObjectNode root = F.objectNode().put("type", "error");
                    ObjectNode err = root.putObject("error").put("type", "rate_limit_error")
                            .put("message", "You have reached your monthly spend limit.");
                    err.putObject("details").put("error_code", "enforced_spend_limit_reached");
                    root.put("request_id", requestId);
                    yield OpenAiVendor.bytes(root);
                }
                yield error("rate_limit_error", "This request would exceed the rate limit for your organization of"
                        + " 50 requests per minute. Please reduce the prompt length or the maximum tokens requested,"
                        + " or try again later.", requestId);
            }
            case 500 -> error("api_error", "Internal server error", requestId);
            case 504 -> error("timeout_error", "Request timed out", requestId);
            case 529 -> error("overloaded_error", "Overloaded", requestId);
            default -> status >= 500 ? error("api_error", "Simulated error " + status, requestId)
                    : error("invalid_request_error", "Simulated error " + status, requestId);
        };
    }

    static byte[] error(String type, String message, String requestId) {
        ObjectNode root = F.objectNode().put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        if (requestId != null) {
            root.put("request_id", requestId);
        }
        return OpenAiVendor.bytes(root);
    }

    private static Answer unary(int status, Map<String, String> headers, byte[] body) {
        return new Answer.Unary(status, "application/json", headers, body, 0);
    }
}

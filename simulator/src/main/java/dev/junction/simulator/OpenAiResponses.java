package dev.junction.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's Responses API, {@code POST /v1/responses} (wire-formats §1.11), on the OpenAI-shaped
 * endpoints (also Azure's {@code /openai/v1/responses}). Stateless, like a call with
 * {@code store: false}: a {@code previous_response_id} or an {@code item_reference} is answered as
 * OpenAI answers an id it does not know (404), so a gateway that must expand history itself is
 * caught when it does not.
 *
 * <p>The answer is the {@link Script} rendered as output items in OpenAI's order — a
 * {@code reasoning} item (summary text) when reasoning was scripted, the {@code message} item
 * ({@code output_text}, or a {@code refusal} part), one {@code function_call} item per tool call —
 * with {@code max_output_tokens} truncating to {@code incomplete}. A stream is the §1.11.5 event
 * sequence with {@code sequence_number} from 0, ending with the terminal event and
 * {@code data: [DONE]}; the {@code error-event} fault sends the nested {@code error} event and
 * {@code response.failed}, as the live API does.
 */
final class OpenAiResponses {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int ARGUMENT_FRAGMENT = 8;

    private final Engine engine;

    OpenAiResponses(Engine engine) {
        this.engine = engine;
    }

    Answer create(Exchange ex, String deployment, Map<String, String> headersOut) {
        JsonNode req = ex.json();
        String model = req.path("model").asText(deployment == null ? "" : deployment);
        if (model.isEmpty()) {
            throw new IllegalArgumentException("Missing required parameter: 'model'.");
        }
        JsonNode input = req.get("input");
        if (input == null || !(input.isTextual() || input.isArray())) {
            throw new IllegalArgumentException("Missing required parameter: 'input'.");
        }
        String previous = req.path("previous_response_id").asText(null);
        if (previous != null) {
            return notFound("Previous response with id '" + previous + "' not found.");
        }
        if (input.isArray()) {
            for (JsonNode item : input) {
                if ("item_reference".equals(item.path("type").asText()) || (item.size() == 1 && item.has("id"))) {
                    return notFound("Item with id '" + item.path("id").asText() + "' not found. Items are not"
                            + " persisted when `store` is set to false.");
                }
            }
        }
        Integer maxOutput = Exchange.intOrNull(req.get("max_output_tokens"));
        if (maxOutput != null && maxOutput < 16) {
            throw new IllegalArgumentException("Invalid 'max_output_tokens': integer below minimum value. Expected a"
                    + " value >= 16, but got " + maxOutput + " instead.");
        }
        String userText = lastUserText(input);
        Effective eff = engine.effective(Directives.parse(userText));
        Behavior b = eff.behavior();
        long id = engine.nextId();
        Map<String, String> headers = new LinkedHashMap<>(headersOut);
        headers.put("x-request-id", "req_sim" + id);
        headers.putAll(b.headers());
        if (b.status() != null && b.status() >= 300) {
            byte[] body = b.errorBody() != null ? b.errorBody().getBytes(StandardCharsets.UTF_8)
                    : OpenAiVendor.errorFor(b.status(), b.errorCode(), model);
            return Answer.Unary.json(b.status(), headers, body, eff.latencyNanos());
        }
        boolean stream = req.path("stream").asBoolean(false);
        Script s = Script.resolve(b, engine.options(), Directives.strip(userText), ex.bodyBytes, maxOutput);
        Answer.Silence silence = stream ? null : Answer.Silence.of(b, eff.latencyNanos());
        if (silence != null) {
            return silence;
        }
        long created = System.currentTimeMillis() / 1000;
        Rendered r = new Rendered(s, "sim" + id, req, model, created);
        if (!stream) {
            return Answer.Unary.json(200, headers, OpenAiVendor.bytes(r.response(r.status(), true)), eff.latencyNanos());
        }
        headers.put("content-type", "text/event-stream; charset=utf-8");
        List<Answer.Frame> frames = r.events();
        int errorAfter = OpenAiVendor.orMinus(b.errorEventAfterChunks());
        byte[] errorFrames = r.failure(Math.max(0, Math.min(errorAfter, frames.size())));
        return new Answer.Streamed(headers, frames, "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII), errorFrames,
                OpenAiVendor.orMinus(b.cutAfterChunks()), OpenAiVendor.orMinus(b.stallAfterChunks()), errorAfter,
                eff.intervalNanos(), eff.latencyNanos());
    }

    private static Answer notFound(String message) {
        return Answer.Unary.json(404, Map.of(), OpenAiVendor.error(message, "invalid_request_error", "previous_response_id",
                null), 0);
    }

    /** Text of the last input item when it is a user message (a string input is one). */
    static String lastUserText(JsonNode input) {
        if (input.isTextual()) {
            return input.asText();
        }
        if (input.isEmpty()) {
            return "";
        }
        JsonNode last = input.get(input.size() - 1);
        if (!"user".equals(last.path("role").asText()) || !("message".equals(last.path("type").asText("message")))) {
            return "";
        }
        return OpenAiVendor.textOf(last.get("content"), "input_text");
    }

    /** One answer rendered as Responses items and events. */
    private static final class Rendered {
        final Script s;
        final String suffix;
        final JsonNode req;
        final String model;
        final long created;
        final List<ObjectNode> items = new ArrayList<>();

        Rendered(Script s, String suffix, JsonNode req, String model, long created) {
            this.s = s;
            this.suffix = suffix;
            this.req = req;
            this.model = model;
            this.created = created;
            boolean incomplete = incomplete();
            if (!s.reasoningWords.isEmpty()) {
                ObjectNode rs = F.objectNode().put("id", "rs_" + suffix).put("type", "reasoning");
                rs.putArray("summary").addObject().put("type", "summary_text").put("text", String.join(" ", s.reasoningWords));
                items.add(rs);
            }
            if (!s.words.isEmpty() || s.tools.isEmpty()) {
                ObjectNode msg = F.objectNode().put("id", "msg_" + suffix).put("type", "message")
                        .put("status", incomplete && s.tools.isEmpty() ? "incomplete" : "completed").put("role", "assistant");
                ArrayNode content = msg.putArray("content");
                content.add(s.finish == Finish.REFUSAL ? refusalPart(s.text) : textPart(s.text));
                items.add(msg);
            }
            for (int t = 0; t < s.tools.size(); t++) {
                ToolCall call = s.tools.get(t);
                items.add(F.objectNode().put("id", "fc_" + suffix + "_" + t).put("type", "function_call")
                        .put("status", "completed").put("call_id", "call_" + suffix + "_" + t)
                        .put("name", call.name()).put("arguments", call.argumentsJson()));
            }
        }

        boolean incomplete() {
            return s.finish == Finish.LENGTH || s.finish == Finish.CONTENT_FILTER;
        }

        String status() {
            return incomplete() ? "incomplete" : "completed";
        }

        static ObjectNode textPart(String text) {
            ObjectNode p = F.objectNode().put("type", "output_text").put("text", text);
            p.putArray("annotations");
            p.putArray("logprobs");
            return p;
        }

        static ObjectNode refusalPart(String text) {
            return F.objectNode().put("type", "refusal").put("refusal", text);
        }

        /** The response object; {@code full} with the output and usage, else an in-progress snapshot. */
        ObjectNode response(String status, boolean full) {
            ObjectNode r = F.objectNode().put("id", "resp_" + suffix).put("object", "response")
                    .put("created_at", created).put("status", status).put("background", false);
            if (status.equals("completed")) {
                r.put("completed_at", created);
            } else {
                r.putNull("completed_at");
            }
            r.putNull("error");
            if (full && status.equals("incomplete")) {
                r.putObject("incomplete_details").put("reason",
                        s.finish == Finish.CONTENT_FILTER ? "content_filter" : "max_output_tokens");
            } else {
                r.putNull("incomplete_details");
            }
            r.set("instructions", echo("instructions", F.nullNode()));
            r.set("max_output_tokens", echo("max_output_tokens", F.nullNode()));
            r.put("model", model);
            ArrayNode output = r.putArray("output");
            if (full) {
                items.forEach(output::add);
            }
            r.put("parallel_tool_calls", req.path("parallel_tool_calls").asBoolean(true));
            r.putNull("previous_response_id");
            r.set("reasoning", echo("reasoning", F.objectNode().putNull("effort")));
            r.put("service_tier", "default");
            r.put("store", req.path("store").asBoolean(true));
            r.set("temperature", echo("temperature", F.numberNode(1.0)));
            ObjectNode text = F.objectNode();
            text.putObject("format").put("type", "text");
            r.set("text", echo("text", text));
            r.set("tool_choice", echo("tool_choice", F.textNode("auto")));
            r.set("tools", tools());
            r.set("top_p", echo("top_p", F.numberNode(1.0)));
            r.put("truncation", "disabled");
            // Members the live API sends and Open Responses requires present.
            r.put("top_logprobs", 0).put("presence_penalty", 0.0).put("frequency_penalty", 0.0);
            r.putNull("max_tool_calls");
            r.putNull("prompt_cache_key");
            r.putNull("safety_identifier");
            if (full) {
                // The live API sends "usage": null and "user": null on snapshots; OpenAI's own schema
                // admits neither as null, so they are left out (as Junction's own responses do).
                r.set("usage", usage());
            }
            r.set("metadata", echo("metadata", F.objectNode()));
            return r;
        }

        /** The tools as OpenAI echoes them: a function tool always has {@code parameters} and {@code strict} (nullable). */
        private JsonNode tools() {
            ArrayNode out = F.arrayNode();
            for (JsonNode t : req.path("tools")) {
                JsonNode copy = t.deepCopy();
                if (copy instanceof ObjectNode o && "function".equals(o.path("type").asText())) {
                    if (!o.has("parameters")) {
                        o.putNull("parameters");
                    }
                    if (!o.has("strict")) {
                        o.putNull("strict");
                    }
                }
                out.add(copy);
            }
            return out;
        }

        private JsonNode echo(String field, JsonNode absent) {
            JsonNode v = req.get(field);
            return v == null || v.isNull() ? absent : v;
        }

        private ObjectNode usage() {
            ObjectNode u = F.objectNode().put("input_tokens", s.promptTokens);
            u.putObject("input_tokens_details").put("cached_tokens", s.cachedTokens).put("cache_write_tokens", 0);
            u.put("output_tokens", s.completionTokens());
            u.putObject("output_tokens_details").put("reasoning_tokens", s.reasoningTokens);
            u.put("total_tokens", s.promptTokens + s.completionTokens());
            return u;
        }

        /** The typed events up to and including the terminal one (the terminator is added by the server). */
        List<Answer.Frame> events() {
            List<Answer.Frame> out = new ArrayList<>();
            Seq seq = new Seq(out);
            seq.add("response.created", F.objectNode().set("response", response("in_progress", false)), false);
            seq.add("response.in_progress", F.objectNode().set("response", response("in_progress", false)), false);
            for (int i = 0; i < items.size(); i++) {
                ObjectNode item = items.get(i);
                String itemId = item.get("id").asText();
                switch (item.get("type").asText()) {
                    case "reasoning" -> {
                        ObjectNode added = item.deepCopy();
                        added.putArray("summary");
                        seq.add("response.output_item.added", itemEvent(i, added), false);
                        seq.add("response.reasoning_summary_part.added",
                                ids(itemId, i).put("summary_index", 0).set("part", summaryPart("")), false);
                        for (String piece : s.reasoningPieces()) {
                            seq.add("response.reasoning_summary_text.delta",
                                    ids(itemId, i).put("summary_index", 0).put("delta", piece), true);
                        }
                        String all = item.get("summary").get(0).get("text").asText();
                        seq.add("response.reasoning_summary_text.done", ids(itemId, i).put("summary_index", 0).put("text", all), false);
                        seq.add("response.reasoning_summary_part.done",
                                ids(itemId, i).put("summary_index", 0).set("part", summaryPart(all)), false);
                    }
                    case "message" -> {
                        ObjectNode added = item.deepCopy().put("status", "in_progress");
                        added.putArray("content");
                        seq.add("response.output_item.added", itemEvent(i, added), false);
                        boolean refusal = s.finish == Finish.REFUSAL;
                        ObjectNode emptyPart = refusal ? refusalPart("") : textPart("");
                        seq.add("response.content_part.added",
                                ids(itemId, i).put("content_index", 0).set("part", emptyPart), false);
                        for (String piece : s.pieces()) {
                            ObjectNode d = ids(itemId, i).put("content_index", 0).put("delta", piece);
                            if (!refusal) {
                                d.putArray("logprobs");
                            }
                            seq.add(refusal ? "response.refusal.delta" : "response.output_text.delta", d, true);
                        }
                        ObjectNode done = ids(itemId, i).put("content_index", 0);
                        if (refusal) {
                            seq.add("response.refusal.done", done.put("refusal", s.text), false);
                        } else {
                            done.put("text", s.text).putArray("logprobs");
                            seq.add("response.output_text.done", done, false);
                        }
                        seq.add("response.content_part.done",
                                ids(itemId, i).put("content_index", 0).set("part", item.get("content").get(0)), false);
                    }
                    default -> {
                        ObjectNode added = item.deepCopy().put("status", "in_progress").put("arguments", "");
                        seq.add("response.output_item.added", itemEvent(i, added), false);
                        String args = item.get("arguments").asText();
                        for (int at = 0; at < args.length(); at += ARGUMENT_FRAGMENT) {
                            seq.add("response.function_call_arguments.delta", ids(itemId, i)
                                    .put("delta", args.substring(at, Math.min(args.length(), at + ARGUMENT_FRAGMENT))), true);
                        }
                        seq.add("response.function_call_arguments.done",
                                ids(itemId, i).put("arguments", args).put("name", item.get("name").asText()), false);
                    }
                }
                seq.add("response.output_item.done", itemEvent(i, item), false);
            }
            String status = status();
            seq.add("response." + status, F.objectNode().set("response", response(status, true)), false);
            return out;
        }

        /**
         * The {@code error} event (nested, as the live API sends it) and {@code response.failed},
         * numbered after the {@code after} events already sent.
         */
        byte[] failure(int after) {
            ObjectNode err = F.objectNode().put("type", "error").put("sequence_number", after);
            ObjectNode e = err.putObject("error").put("type", "server_error");
            e.putNull("code");
            e.put("message", "An error occurred while processing your request.");
            e.putNull("param");
            ObjectNode failed = response("failed", false);
            failed.putObject("error").put("code", "server_error").put("message", "An error occurred while processing your request.");
            ObjectNode event = F.objectNode().put("type", "response.failed").put("sequence_number", after + 1);
            event.set("response", failed);
            String both = "event: error\ndata: " + err + "\n\nevent: response.failed\ndata: " + event + "\n\n";
            return both.getBytes(StandardCharsets.UTF_8);
        }

        private static ObjectNode ids(String itemId, int outputIndex) {
            return F.objectNode().put("item_id", itemId).put("output_index", outputIndex);
        }

        private static ObjectNode itemEvent(int outputIndex, ObjectNode item) {
            ObjectNode e = F.objectNode().put("output_index", outputIndex);
            e.set("item", item);
            return e;
        }

        private static ObjectNode summaryPart(String text) {
            return F.objectNode().put("type", "summary_text").put("text", text);
        }
    }

    /** Numbers events from 0 and frames them as {@code event: <type>} plus the JSON with {@code type} first. */
    private static final class Seq {
        private final List<Answer.Frame> out;
        private int next;

        Seq(List<Answer.Frame> out) {
            this.out = out;
        }

        void add(String type, ObjectNode body, boolean paced) {
            ObjectNode e = F.objectNode().put("type", type).put("sequence_number", next++);
            e.setAll(body);
            out.add(Answer.Frame.event(type, e.toString(), paced));
        }
    }
}

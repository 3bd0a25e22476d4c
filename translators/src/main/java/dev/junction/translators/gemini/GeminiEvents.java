package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Parses Gemini answer bodies and stream event data into {@link GeminiEvent}s. Pure functions. */
public final class GeminiEvents {

    static final ObjectMapper JSON = new ObjectMapper();

    private GeminiEvents() {
    }

    /** Parses a body without consuming or releasing it. */
    public static GeminiEvent parse(ByteBuf body) {
        return parse(readTree(body));
    }

    static JsonNode readTree(ByteBuf body) {
        try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
            JsonNode node = JSON.readTree(in);
            if (node == null || !node.isObject()) {
                throw malformed("the body is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw malformed("the body is not valid JSON");
        }
    }

    static TranslationException malformed(String why) {
        return new TranslationException(new GatewayError(502, "upstream_error", "upstream_invalid_response", null,
                "Gemini sent an answer Junction cannot read: " + why + ".", true, true, true, null));
    }

    public static GeminiEvent parse(JsonNode root) {
        JsonNode error = root.get("error");
        if (error != null && error.isObject()) {
            return new GeminiEvent.Failure(error.path("code").asInt(0), text(error, "status"),
                    text(error, "message"), error);
        }
        List<GeminiEvent.Candidate> candidates = new ArrayList<>(1);
        for (JsonNode c : root.path("candidates")) {
            candidates.add(candidate(c));
        }
        String blockReason = text(root.path("promptFeedback"), "blockReason");
        JsonNode u = root.get("usageMetadata");
        GeminiEvent.UsageMetadata usage = u == null || !u.isObject() ? null : new GeminiEvent.UsageMetadata(
                u.path("promptTokenCount").asLong(0), u.path("candidatesTokenCount").asLong(0),
                u.path("toolUsePromptTokenCount").asLong(0), u.path("thoughtsTokenCount").asLong(0),
                u.path("cachedContentTokenCount").asLong(0), u.path("totalTokenCount").asLong(0));
        return new GeminiEvent.Chunk(text(root, "responseId"), text(root, "modelVersion"), candidates,
                blockReason, usage);
    }

    private static GeminiEvent.Candidate candidate(JsonNode c) {
        JsonNode partsNode = c.path("content").path("parts");
        List<GeminiEvent.Part> parts = new ArrayList<>(partsNode.size());
        for (JsonNode p : partsNode) {
            parts.add(part(p));
        }
        return new GeminiEvent.Candidate(c.path("index").asInt(0), parts, text(c, "finishReason"));
    }

    private static GeminiEvent.Part part(JsonNode p) {
        String signature = text(p, "thoughtSignature");
        JsonNode call = p.get("functionCall");
        if (call != null && call.isObject()) {
            JsonNode args = call.get("args");
            String argsJson = args == null || args.isNull() ? "{}" : args.toString();
            return new GeminiEvent.FunctionCall(text(call, "name"), argsJson, signature);
        }
        JsonNode text = p.get("text");
        if (text != null && text.isTextual()) {
            return new GeminiEvent.Text(text.asText(), p.path("thought").asBoolean(false), signature);
        }
        Iterator<Map.Entry<String, JsonNode>> fields = p.fields();
        String kind = "empty";
        while (fields.hasNext()) {
            String name = fields.next().getKey();
            if (!name.equals("thoughtSignature") && !name.equals("thought")) {
                kind = name;
                break;
            }
        }
        return new GeminiEvent.Other(kind);
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

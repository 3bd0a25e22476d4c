package dev.junction.translators.gemini;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses Gemini answer bodies and stream event data into {@link GeminiEvent}s. Pure functions.
 *
 * <p>Stream chunks are parsed with Jackson's streaming parser straight into the records, skipping
 * what Junction does not translate (safety ratings, citations, token details) without building a
 * tree: this runs once per streamed event. Only an error object, which is rare, becomes a tree.
 */
public final class GeminiEvents {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private GeminiEvents() {
    }

    /** Parses a body without consuming or releasing it. */
    public static GeminiEvent parse(ByteBuf body) {
        try (JsonParser p = parser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw malformed("the body is not a JSON object");
            }
            return response(p);
        } catch (IOException e) {
            throw malformed("the body is not valid JSON");
        }
    }

    static JsonNode readTree(ByteBuf body) {
        try (InputStream in = new ByteBufInputStream(body.duplicate())) {
            JsonNode node = JSON.readTree(in);
            if (node == null || !node.isObject()) {
                throw malformed("the body is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw malformed("the body is not valid JSON");
        }
    }

    private static JsonParser parser(ByteBuf body) throws IOException {
        if (body.hasArray()) {
            return FACTORY.createParser(body.array(), body.arrayOffset() + body.readerIndex(), body.readableBytes());
        }
        return FACTORY.createParser((InputStream) new ByteBufInputStream(body.duplicate()));
    }

    static TranslationException malformed(String why) {
        return new TranslationException(GatewayError.upstreamInvalidResponse(
                "Gemini sent an answer Junction cannot read: " + why + "."));
    }

    /** A {@code GenerateContentResponse} or an error; the parser is on the opening brace. */
    private static GeminiEvent response(JsonParser p) throws IOException {
        List<GeminiEvent.Candidate> candidates = List.of();
        String blockReason = null;
        GeminiEvent.UsageMetadata usage = null;
        String responseId = null;
        String modelVersion = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "error" -> {
                    if (t == JsonToken.START_OBJECT) {
                        JsonNode error = JSON.readTree(p);
                        return new GeminiEvent.Failure(error.path("code").asInt(0), text(error, "status"),
                                text(error, "message"), error);
                    }
                    p.skipChildren();
                }
                case "candidates" -> {
                    if (t == JsonToken.START_ARRAY) {
                        candidates = new ArrayList<>(1);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            candidates.add(candidate(p));
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                case "promptFeedback" -> blockReason = blockReason(p, t);
                case "usageMetadata" -> usage = t == JsonToken.START_OBJECT ? usage(p) : skip(p);
                case "responseId" -> responseId = string(p, t);
                case "modelVersion" -> modelVersion = string(p, t);
                default -> p.skipChildren();
            }
        }
        return new GeminiEvent.Chunk(responseId, modelVersion, candidates, blockReason, usage);
    }

    private static GeminiEvent.Candidate candidate(JsonParser p) throws IOException {
        int index = 0;
        String finishReason = null;
        List<GeminiEvent.Part> parts = List.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "index" -> index = t == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                case "finishReason" -> finishReason = string(p, t);
                case "content" -> {
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if (f.equals("parts") && v == JsonToken.START_ARRAY) {
                            parts = new ArrayList<>(2);
                            while (p.nextToken() == JsonToken.START_OBJECT) {
                                parts.add(part(p));
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        return new GeminiEvent.Candidate(index, parts, finishReason);
    }

    private static GeminiEvent.Part part(JsonParser p) throws IOException {
        String text = null;
        boolean thought = false;
        String signature = null;
        String callName = null;
        String callArgs = null;
        boolean call = false;
        String other = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "text" -> text = string(p, t);
                case "thought" -> thought = t == JsonToken.VALUE_TRUE;
                case "thoughtSignature" -> signature = string(p, t);
                case "functionCall" -> {
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    call = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if (f.equals("name")) {
                            callName = string(p, v);
                        } else if (f.equals("args") && v == JsonToken.START_OBJECT) {
                            callArgs = compact(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                default -> {
                    if (other == null) {
                        other = field;
                    }
                    p.skipChildren();
                }
            }
        }
        if (call) {
            return new GeminiEvent.FunctionCall(callName, callArgs == null ? "{}" : callArgs, signature);
        }
        if (text != null) {
            return new GeminiEvent.Text(text, thought, signature);
        }
        return new GeminiEvent.Other(other == null ? "empty" : other);
    }

    private static String blockReason(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            return skip(p);
        }
        String reason = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("blockReason")) {
                reason = string(p, v);
            } else {
                p.skipChildren();
            }
        }
        return reason;
    }

    private static GeminiEvent.UsageMetadata usage(JsonParser p) throws IOException {
        long prompt = 0;
        long candidates = 0;
        long toolUse = 0;
        long thoughts = 0;
        long cached = 0;
        long total = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (t != JsonToken.VALUE_NUMBER_INT) {
                p.skipChildren();
                continue;
            }
            long v = Math.max(0, p.getLongValue());
            switch (field) {
                case "promptTokenCount" -> prompt = v;
                case "candidatesTokenCount" -> candidates = v;
                case "toolUsePromptTokenCount" -> toolUse = v;
                case "thoughtsTokenCount" -> thoughts = v;
                case "cachedContentTokenCount" -> cached = v;
                case "totalTokenCount" -> total = v;
                default -> { }
            }
        }
        return new GeminiEvent.UsageMetadata(prompt, candidates, toolUse, thoughts, cached, total);
    }

    /** The current object re-serialised compactly (the OpenAI {@code arguments} string). */
    private static String compact(JsonParser p) throws IOException {
        StringWriter w = new StringWriter(64);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.copyCurrentStructure(p);
        }
        return w.toString();
    }

    private static String string(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        return skip(p);
    }

    private static <T> T skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}

package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Applies a {@link CompatDialect}'s finish-reason overrides to an OpenAI-shaped chunk or answer
 * (wire-formats §6.1). Only a body that holds a reason outside OpenAI's set is re-serialised (a
 * finishing chunk comes once per choice); every other body is left as the vendor's bytes.
 */
public final class FinishReasonRewriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = JSON.getFactory();

    private FinishReasonRewriter() {
    }

    /**
     * The override {@code dialect} has for {@code reason}, or null when it passes as sent. Reasons in
     * OpenAI's set are never looked up.
     */
    public static FinishOverride overrideFor(CompatDialect dialect, String reason) {
        if (reason == null || FinishOverride.isOpenAiReason(reason) || !dialect.mapsFinishReasons()) {
            return null;
        }
        return dialect.finishReason(reason);
    }

    /**
     * {@code data} (one stream chunk, not consumed) with each {@code choices[].finish_reason} the
     * dialect renames replaced, and a {@code "usage":null} member left out when {@code dropNullUsage}.
     * The caller has already checked that no override is an error.
     */
    public static byte[] rewriteChunk(ByteBuf data, CompatDialect dialect, boolean dropNullUsage) {
        try {
            JsonNode root = JSON.readTree((InputStream) new ByteBufInputStream(data.duplicate()));
            if (!(root instanceof ObjectNode obj)) {
                throw new IllegalArgumentException("not a JSON object");
            }
            rename(obj, dialect);
            if (dropNullUsage && obj.has("usage") && obj.get("usage").isNull()) {
                obj.remove("usage");
            }
            return JSON.writeValueAsBytes(obj);
        } catch (IOException e) {
            throw new IllegalArgumentException("chunk is not valid JSON", e);
        }
    }

    /**
     * The client's copy of a unary answer (owned by the caller; {@code answer} is not consumed):
     * the vendor's bytes unless a {@code finish_reason} needs the dialect's override. An override that
     * is an error throws {@link TranslationException} with it.
     */
    public static ByteBuf rewriteAnswer(ByteBuf answer, CompatDialect dialect) {
        if (!dialect.mapsFinishReasons() || !hasOverride(answer, dialect)) {
            return answer.retainedDuplicate();
        }
        try {
            // hasOverride found choices in a top-level object, so the tree is an object.
            ObjectNode obj = (ObjectNode) JSON.readTree((InputStream) new ByteBufInputStream(answer.duplicate()));
            rename(obj, dialect);
            return Unpooled.wrappedBuffer(JSON.writeValueAsBytes(obj));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Streams over {@code choices[].finish_reason} values only; throws for an error override. */
    private static boolean hasOverride(ByteBuf answer, CompatDialect dialect) {
        try (JsonParser p = FACTORY.createParser((InputStream) new ByteBufInputStream(answer.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (!"choices".equals(name) || t != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("finish_reason".equals(f) && v == JsonToken.VALUE_STRING) {
                            FinishOverride o = overrideFor(dialect, p.getText());
                            if (o != null && o.error() != null) {
                                throw new TranslationException(o.error());
                            }
                            found |= o != null;
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
            return found;
        } catch (IOException e) {
            return false;
        }
    }

    private static void rename(ObjectNode root, CompatDialect dialect) {
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray()) {
            return;
        }
        for (JsonNode c : choices) {
            JsonNode reason = c.get("finish_reason");
            if (c instanceof ObjectNode choice && reason != null && reason.isTextual()) {
                FinishOverride o = overrideFor(dialect, reason.asText());
                if (o != null && o.reason() != null) {
                    choice.put("finish_reason", o.reason());
                }
            }
        }
    }
}

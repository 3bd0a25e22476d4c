package dev.junction.translators.passthrough;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.InputStream;

/**
 * A top-level {@code "usage": null} left out of a unary OpenAI-shaped answer. Some OpenAI-compatible
 * servers send it when they count nothing; OpenAI's {@code CreateChatCompletionResponse} and
 * {@code CreateEmbeddingResponse} have no null usage (only a stream chunk may carry one, and only
 * when the client asked {@code stream_options.include_usage}), so a client that validates the
 * answer, or reads {@code usage.total_tokens} as OpenAI promises, would fail on it. The member is
 * removed rather than made up: Junction does not invent a count the vendor did not give.
 */
final class NullUsage {

    private static final ObjectMapper JSON = new ObjectMapper();

    private NullUsage() {
    }

    /**
     * {@code answer} (owned; released when replaced) without a top-level null {@code usage}; the same
     * buffer when it has none or is not a JSON object.
     */
    static ByteBuf strip(ByteBuf answer) {
        if (!hasNullUsage(answer)) {
            return answer;
        }
        try {
            ObjectNode obj = (ObjectNode) JSON.readTree((InputStream) new ByteBufInputStream(answer.duplicate()));
            obj.remove("usage");
            ByteBuf out = Unpooled.wrappedBuffer(JSON.writeValueAsBytes(obj));
            answer.release();
            return out;
        } catch (IOException | ClassCastException e) {
            return answer;
        }
    }

    /** Streams the top level only; nested members are skipped unread. */
    static boolean hasNullUsage(ByteBuf answer) {
        try (JsonParser p = JSON.getFactory().createParser((InputStream) new ByteBufInputStream(answer.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("usage".equals(name) && t == JsonToken.VALUE_NULL) {
                    return true;
                }
                p.skipChildren();
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}

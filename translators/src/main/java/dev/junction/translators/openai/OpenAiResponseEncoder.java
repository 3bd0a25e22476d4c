package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.Usage;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.model.ToolCall;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * Renders canonical answers as OpenAI JSON, written straight into a pooled buffer with a
 * Jackson generator. The returned buffer belongs to the caller.
 */
public final class OpenAiResponseEncoder {

    private OpenAiResponseEncoder() {
    }

    /**
     * A {@code chat.completion} object (wire-formats §1.4). {@code content} and {@code refusal} are
     * always written (required, nullable); reasoning goes to the {@code reasoning_content}
     * extension (the DeepSeek/vLLM convention, wire-formats §4.6 gateway decision).
     */
    public static ByteBuf encodeChat(ChatResponse r, String id, long created, String model, ByteBufAllocator alloc) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion");
            g.writeNumberField("created", created);
            g.writeStringField("model", model);
            g.writeArrayFieldStart("choices");
            for (ChatResponse.Choice c : r.choices()) {
                g.writeStartObject();
                g.writeNumberField("index", c.index());
                g.writeObjectFieldStart("message");
                g.writeStringField("role", "assistant");
                g.writeStringField("content", c.content());
                g.writeStringField("refusal", c.refusal());
                if (c.reasoning() != null) {
                    g.writeStringField("reasoning_content", c.reasoning());
                }
                if (!c.toolCalls().isEmpty()) {
                    writeToolCalls(g, c.toolCalls());
                }
                g.writeEndObject();
                g.writeNullField("logprobs");
                g.writeStringField("finish_reason", c.finishReason() == null ? "stop" : c.finishReason().wire());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (r.usage() != null) {
                g.writeFieldName("usage");
                writeUsage(g, r.usage());
            }
            g.writeEndObject();
        });
    }

    /**
     * An embeddings list (wire-formats §1.7). With {@code base64} each vector is its float32
     * little-endian bytes, base64-encoded, as openai-python decodes them by default.
     */
    public static ByteBuf encodeEmbeddings(EmbeddingsResponse r, String model, boolean base64, ByteBufAllocator alloc) {
        return write(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            List<float[]> vectors = r.vectors();
            for (int i = 0; i < vectors.size(); i++) {
                float[] v = vectors.get(i);
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                if (base64) {
                    g.writeStringField("embedding", float32Base64(v));
                } else {
                    g.writeArrayFieldStart("embedding");
                    for (float f : v) {
                        g.writeNumber(f);
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            Usage u = r.usage() == null ? Usage.ZERO : r.usage();
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", u.promptTokens());
            g.writeNumberField("total_tokens", u.totalTokens());
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** float32 little-endian, base64 (wire-formats §1.7, §8 item 13). */
    static String float32Base64(float[] v) {
        ByteBuffer bytes = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            bytes.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** OpenAI {@code CompletionUsage}, with the details objects (wire-formats §1.4, §4.3). */
    public static void writeUsage(JsonGenerator g, Usage u) throws IOException {
        OpenAiChunkWriter.writeUsage(g, u);
    }

    private static void writeToolCalls(JsonGenerator g, List<ToolCall> calls) throws IOException {
        g.writeArrayFieldStart("tool_calls");
        for (ToolCall call : calls) {
            g.writeStartObject();
            g.writeStringField("id", call.id());
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", call.name());
            g.writeStringField("arguments", call.arguments() == null || call.arguments().isEmpty()
                    ? "{}" : call.arguments());
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** Writes into a fresh buffer, releasing it if writing fails. */
    static ByteBuf write(ByteBufAllocator alloc, Writer writer) {
        ByteBuf buf = alloc.buffer();
        boolean ok = false;
        try {
            try (JsonGenerator g = Json.PLAIN.getFactory().createGenerator(
                    (java.io.OutputStream) new ByteBufOutputStream(buf))) {
                writer.write(g);
            }
            ok = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
        return buf;
    }
}

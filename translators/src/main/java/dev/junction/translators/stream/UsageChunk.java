package dev.junction.translators.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The standard final usage chunk ({@code choices: []}, top-level {@code usage}, OpenAI
 * {@code ChatCompletionStreamOptions.include_usage}) for a pass-through stream whose vendor
 * reported usage only elsewhere (Groq's {@code x_groq.usage}, wire-formats §6.1, §8 item 17).
 * It repeats the stream's own {@code id}, {@code model} and {@code created}, read once from the
 * first chunk forwarded.
 */
record UsageChunk(String id, String model, long created, String systemFingerprint) {

    private static final JsonFactory FACTORY = new JsonFactory();

    /** The identity fields of one chunk ({@code data} not consumed); missing ones are empty. */
    static UsageChunk headOf(ByteBuf data) {
        String id = "";
        String model = "";
        long created = 0;
        String fingerprint = null;
        try (JsonParser p = FACTORY.createParser((InputStream) new ByteBufInputStream(data.duplicate()))) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (name) {
                        case "id" -> id = t == JsonToken.VALUE_STRING ? p.getText() : id;
                        case "model" -> model = t == JsonToken.VALUE_STRING ? p.getText() : model;
                        case "created" -> created = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : created;
                        case "system_fingerprint" -> fingerprint = t == JsonToken.VALUE_STRING ? p.getText() : null;
                        default -> p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            // The inspector already accepted this chunk as JSON; keep whatever was read before the fault.
        }
        return new UsageChunk(id, model, created, fingerprint);
    }

    /** The chunk's JSON bytes. */
    byte[] json(Usage usage) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("object", "chat.completion.chunk");
            g.writeNumberField("created", created);
            g.writeStringField("model", model);
            if (systemFingerprint != null) {
                g.writeStringField("system_fingerprint", systemFingerprint);
            }
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeFieldName("usage");
            OpenAiChunkWriter.writeUsage(g, usage);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

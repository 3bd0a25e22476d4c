package dev.junction.translators.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeddings through {@code models/{model}:batchEmbedContents} (wire-formats §3.6). Gemini returns
 * float vectors only; the OpenAI codec does the float32-LE base64 encoding when asked.
 *
 * <p>Gemini reports no token usage. Junction estimates it so budgets and tpm limits still move:
 * one token per 4 UTF-8 bytes of each input, rounded up (the usual rule of thumb for English text),
 * reported as prompt and total tokens. A batch above Gemini's 100-request cap is rejected up front
 * with a clear message rather than forwarded to fail (§3.6 ⚠️).
 */
final class GeminiEmbeddings {

    static final int MAX_BATCH = 100;

    private GeminiEmbeddings() {
    }

    static ByteBuf body(EmbeddingsRequest req, String model, ByteBufAllocator alloc) {
        if (req.tokenInputs() != null && !req.tokenInputs().isEmpty()) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "input",
                    "Gemini embeds text only; send the input as strings, not token arrays."));
        }
        List<String> inputs = req.inputs() == null ? List.of() : req.inputs();
        if (inputs.isEmpty()) {
            throw GeminiParameters.invalid("input", "input must contain at least one string.");
        }
        if (inputs.size() > MAX_BATCH) {
            throw GeminiParameters.invalid("input", "Gemini embeds at most " + MAX_BATCH
                    + " inputs per request; got " + inputs.size() + ". Split the request.");
        }
        if (req.dimensions() != null && req.dimensions() < 1) {
            throw GeminiParameters.invalid("dimensions", "dimensions must be at least 1.");
        }
        ByteBuf buf = alloc.buffer(64 + inputs.size() * 96);
        try (JsonGenerator g = GeminiEvents.JSON.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            g.writeStartObject();
            g.writeArrayFieldStart("requests");
            for (String text : inputs) {
                g.writeStartObject();
                g.writeStringField("model", "models/" + model);
                g.writeObjectFieldStart("content");
                g.writeArrayFieldStart("parts");
                g.writeStartObject();
                g.writeStringField("text", text);
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
                if (req.dimensions() != null) {
                    g.writeNumberField("outputDimensionality", req.dimensions());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        return buf;
    }

    static EmbeddingsResponse response(EmbeddingsRequest req, JsonNode root) {
        JsonNode embeddings = root.path("embeddings");
        int expected = req.inputs() == null ? 0 : req.inputs().size();
        if (!embeddings.isArray() || embeddings.size() != expected) {
            throw GeminiEvents.malformed("expected " + expected + " embeddings, got "
                    + (embeddings.isArray() ? embeddings.size() : "none"));
        }
        List<float[]> vectors = new ArrayList<>(expected);
        for (JsonNode e : embeddings) {
            JsonNode values = e.path("values");
            if (!values.isArray()) {
                throw GeminiEvents.malformed("an embedding has no values");
            }
            float[] v = new float[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) values.get(i).asDouble();
            }
            vectors.add(v);
        }
        long tokens = 0;
        for (String s : req.inputs()) {
            tokens += (s.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
        }
        return new EmbeddingsResponse(req.model(), vectors, Usage.of(tokens, 0));
    }
}

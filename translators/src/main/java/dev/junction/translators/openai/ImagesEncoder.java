package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.stream.Usage;
import dev.junction.translators.json.SlicedJsonBody;
import dev.junction.translators.model.ByteSpan;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes OpenAI's {@code ImagesResponse} (wire-formats §1.9). Base64 images are spliced in as
 * retained slices of the vendor's answer (DESIGN house rule 5), not copied through a Java string.
 */
public final class ImagesEncoder {

    /** One {@code data[]} item: {@code b64} (a span) or {@code url}, and the vendor's revised prompt. */
    public record Item(ByteSpan b64, String url, String revisedPrompt) {
    }

    private ImagesEncoder() {
    }

    /** The client's body; the caller owns it. {@code outputFormat} may be null. */
    public static ByteBuf encode(long created, List<Item> items, String outputFormat, Usage usage, ByteBufAllocator alloc) {
        SlicedJsonBody out = new SlicedJsonBody(alloc);
        try {
            JsonGenerator g = Json.PLAIN.getFactory().createGenerator(out);
            g.writeStartObject();
            g.writeNumberField("created", created);
            g.writeArrayFieldStart("data");
            for (Item it : items) {
                g.writeStartObject();
                if (it.b64() != null) {
                    g.writeFieldName("b64_json");
                    // A raw value opens the string so the generator's separators stay right; the
                    // vendor's base64 bytes follow as a slice, then the closing quote.
                    g.writeRawValue("\"");
                    g.flush();
                    ByteSpan s = it.b64();
                    out.appendSlice(s.buffer().retainedSlice(s.offset(), s.length()));
                    g.writeRaw('"');
                } else {
                    g.writeStringField("url", it.url());
                }
                if (it.revisedPrompt() != null) {
                    g.writeStringField("revised_prompt", it.revisedPrompt());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            if (outputFormat != null) {
                g.writeStringField("output_format", outputFormat);
            }
            if (usage != null) {
                g.writeObjectFieldStart("usage");
                g.writeNumberField("input_tokens", usage.promptTokens());
                g.writeNumberField("output_tokens", usage.completionTokens());
                g.writeNumberField("total_tokens", usage.totalTokens());
                g.writeObjectFieldStart("input_tokens_details");
                g.writeNumberField("text_tokens", usage.promptTokens());
                g.writeNumberField("image_tokens", 0);
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndObject();
            g.close();
            return out.finish();
        } catch (IOException e) {
            out.discard();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            out.discard();
            throw e;
        }
    }
}

package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.util.concurrent.FastThreadLocal;

import java.io.IOException;

/**
 * Decodes OpenAI request bodies (wire-formats §1.2, §1.3, §1.7) into canonical values with a
 * streaming Jackson parser. Only small sub-objects (tool parameter schemas, response schemas,
 * unknown top-level fields) become trees.
 *
 * <p>Base64 media in {@code data:} URLs is never turned into a Java string (DESIGN house rule 5):
 * the parser reports where the string token starts in the body, the raw bytes are scanned for the
 * closing quote, and a {@link ByteSpan} over the request body is recorded; the parser then skips
 * the string without decoding it. Only a string containing JSON escapes (e.g. {@code \/}) is
 * decoded, into a buffer of its own.
 *
 * <p>Top-level fields the canonical model does not cover are kept, as trees, in
 * {@link ChatRequest#extra()} for the vendor adapter's strict handling; a field sent as JSON
 * {@code null} counts as not sent (OpenAI treats it as the default).
 *
 * <p>The spans point into {@code body}: the caller keeps the body alive (unreleased) while the
 * returned request is used. The decoder never retains, releases or moves the body's indexes.
 *
 * <p>This class owns the parser and maps its failures to errors; {@link ChatDecoder} and
 * {@link EmbeddingsDecoder} read the bodies, with {@link MessageDecoder}, {@link ContentPartDecoder},
 * {@link ToolAndFormatDecoder}, {@link DataUrlLocator} and the field readers of {@link JsonFields}.
 */
public final class OpenAiRequestDecoder {

    private OpenAiRequestDecoder() {
    }

    /** Decodes a {@code POST /v1/chat/completions} body. */
    public static ChatRequest decodeChat(ByteBuf body, JsonLimits limits) {
        return run(body, limits, p -> new ChatDecoder(p, body, limits).chat());
    }

    /** Decodes a {@code POST /v1/embeddings} body. */
    public static EmbeddingsRequest decodeEmbeddings(ByteBuf body, JsonLimits limits) {
        return run(body, limits, p -> new EmbeddingsDecoder(p).embeddings());
    }

    /** Decodes a {@code POST /v1/images/generations} body (wire-formats §1.9). */
    public static ImagesRequest decodeImages(ByteBuf body, JsonLimits limits) {
        return run(body, limits, p -> ImagesDecoder.images(p));
    }

    /** Reads one body from a parser positioned before its first token. */
    public interface Body<T> {
        T read(JsonParser p) throws IOException;
    }

    /**
     * Parses {@code body} with the limits enforced by the parser and maps parser failures to
     * {@code invalid_json} / {@code invalid_value}; the other ingress codecs read their bodies through it.
     */
    public static <T> T run(ByteBuf body, JsonLimits limits, Body<T> what) {
        int n = body.readableBytes();
        byte[][] holder = null;
        byte[] scratch = null;
        if (!body.hasArray() && n <= SCRATCH_MAX) {
            holder = SCRATCH.get();
            scratch = holder[0];
            if (scratch == null) {
                scratch = new byte[n]; // an outer run on this thread holds the array (no caller does that today)
            } else {
                holder[0] = null;
                if (scratch.length < n) {
                    scratch = new byte[Math.max(n, Math.min(SCRATCH_MAX, scratch.length * 2))];
                }
            }
        }
        try (JsonParser p = parser(Json.mapper(limits), body, scratch)) {
            return what.read(p);
        } catch (StreamConstraintsException e) {
            throw invalid("invalid_value", null, "The request body exceeds a limit: " + e.getOriginalMessage()
                    + ". Reduce the nesting depth or the string length.");
        } catch (JsonParseException e) {
            throw invalid("invalid_json", null, "The request body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + "). Send a JSON object.");
        } catch (IOException e) {
            throw invalid("invalid_json", null, "The request body could not be read as JSON: " + e.getMessage());
        } finally {
            if (holder != null && holder[0] == null) {
                holder[0] = scratch;
            }
        }
    }

    /** Bodies up to this size in direct buffers are parsed from a copy in a per-thread array. */
    static final int SCRATCH_MAX = 64 * 1024;
    /**
     * The per-thread array, taken (null) while a {@link #run} on the thread uses it. A Netty
     * {@link FastThreadLocal} (an array index on an event loop): as a {@code ThreadLocal} its lookup
     * (hash probing in the event loop's map) was 5 % of the translated stream's profile.
     */
    private static final FastThreadLocal<byte[][]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[][] {new byte[4096]};
        }
    };

    /**
     * A parser over the body's readable bytes, the cheap way for a request: over its own array when
     * it has one, else over {@code scratch} (a copy: one memcpy of a few KiB, and a parser over an
     * array needs no input buffer of its own and no encoding detection from a stream), else (large
     * direct bodies, such as inline media) through an {@code InputStream}. Token byte offsets count
     * from the body's reader index in every case, as {@link DataUrlLocator} expects.
     */
    private static JsonParser parser(ObjectMapper mapper, ByteBuf body, byte[] scratch) throws IOException {
        int n = body.readableBytes();
        if (body.hasArray()) {
            return mapper.createParser(body.array(), body.arrayOffset() + body.readerIndex(), n);
        }
        if (scratch != null) {
            body.getBytes(body.readerIndex(), scratch, 0, n);
            return mapper.createParser(scratch, 0, n);
        }
        return mapper.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate(), false));
    }

    public static TranslationException invalid(String code, String param, String message) {
        return new TranslationException(GatewayError.invalidRequest(code, param, message));
    }
}

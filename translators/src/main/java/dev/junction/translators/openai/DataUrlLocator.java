package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.MediaSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads inline media without turning base64 into a Java string (DESIGN house rule 5): the parser
 * reports where the current string token starts in the body, the raw bytes are scanned for the
 * closing quote, and a {@link ByteSpan} over the request body is returned; the parser then skips
 * the string without decoding it. Only a string containing JSON escapes (e.g. {@code \/}) is
 * decoded, into a buffer of its own. The spans point into {@code body}, which the caller keeps alive.
 */
public final class DataUrlLocator {

    private final JsonParser p;
    private final ByteBuf body;
    /** The body's reader index when parsing began: parser byte offsets count from here. */
    private final int base;
    private final JsonLimits limits;

    public DataUrlLocator(JsonParser p, ByteBuf body, JsonLimits limits) {
        this.p = p;
        this.body = body;
        this.base = body.readerIndex();
        this.limits = limits;
    }

    /** {@code image_url.url}: a data URL becomes an inline span, anything else a URL. */
    public MediaSource urlOrData(String param) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid("invalid_value", param, "'" + param + "' must be a string (an https URL or a data URL).");
        }
        int quote = quotePosition();
        if (startsWith(quote + 1, "data:")) {
            return dataUrlAt(quote, param);
        }
        String url = p.getText();
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw invalid("invalid_value", param, "'" + param + "' must be an http(s) URL or a data URL.");
        }
        return new MediaSource.Url(url);
    }

    /** {@code file.file_data}: must be a base64 data URL (wire-formats §1.3). */
    public MediaSource dataUrl(String param) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid("invalid_value", param, "'" + param + "' must be a data URL string.");
        }
        int quote = quotePosition();
        if (!startsWith(quote + 1, "data:")) {
            throw invalid("invalid_value", param,
                    "'" + param + "' must be a data URL such as data:application/pdf;base64,....");
        }
        return dataUrlAt(quote, param);
    }

    /** A raw base64 string ({@code input_audio.data}). */
    public ByteSpan base64String(String param) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid("invalid_value", param, "'" + param + "' must be a base64 string.");
        }
        ByteSpan span = spanFrom(quotePosition() + 1, param);
        return span != null ? span : copied(p.getText(), param);
    }

    private MediaSource dataUrlAt(int quote, String param) throws IOException {
        int from = quote + 1 + "data:".length();
        int limit = Math.min(body.writerIndex(), from + 256);
        int comma = body.forEachByte(from, limit - from, b -> b != ',' && b != '"' && b != '\\');
        if (comma < 0 || body.getByte(comma) != ',') {
            throw invalid("invalid_value", param,
                    "'" + param + "' is not a valid data URL: expected data:<mime type>;base64,<data>.");
        }
        String header = body.toString(from, comma - from, StandardCharsets.US_ASCII);
        if (!header.endsWith(";base64")) {
            throw invalid("invalid_value", param,
                    "'" + param + "' must be a base64 data URL (data:<mime type>;base64,<data>).");
        }
        int semicolon = header.indexOf(';');
        String mime = header.substring(0, semicolon);
        if (mime.isEmpty() || mime.indexOf('/') < 0) {
            throw invalid("invalid_value", param, "'" + param + "' has no media type: expected data:<type>/<subtype>;base64,....");
        }
        ByteSpan span = spanFrom(comma + 1, param);
        if (span == null) {
            String text = p.getText();
            span = copied(text.substring(text.indexOf(',') + 1), param);
        }
        return new MediaSource.Inline(mime, span);
    }

    /**
     * The span from {@code from} to the closing quote of the current string token, or null when
     * the string holds an escape (then the caller decodes it). The parser skips the string later
     * without materialising it, because its text is never asked for.
     */
    private ByteSpan spanFrom(int from, String param) {
        int end = body.forEachByte(from, body.writerIndex() - from, b -> b != '"' && b != '\\');
        if (end < 0 || body.getByte(end) == '\\') {
            return null;
        }
        int length = end - from;
        if (length > limits.maxStringLength()) {
            throw invalid("invalid_value", param, "'" + param + "' is " + length + " bytes, over the limit of "
                    + limits.maxStringLength() + ". Send a smaller file.");
        }
        return new ByteSpan(body, from, length);
    }

    /** Escaped base64 (e.g. {@code \/}) is rare: decode it into a buffer of its own, owned by the GC. */
    private static ByteSpan copied(String base64, String param) {
        byte[] bytes = base64.getBytes(StandardCharsets.US_ASCII);
        ByteBuf copy = Unpooled.wrappedBuffer(bytes);
        return new ByteSpan(copy, 0, bytes.length);
    }

    /** Where the current string token's opening quote is in {@code body}. */
    private int quotePosition() {
        long offset = p.currentTokenLocation().getByteOffset();
        int at = base + (int) offset;
        if (offset < 0 || at >= body.writerIndex() || body.getByte(at) != '"') {
            throw new IllegalStateException("parser token offset " + offset + " does not point at a string");
        }
        return at;
    }

    private boolean startsWith(int at, String ascii) {
        if (at + ascii.length() > body.writerIndex()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (body.getByte(at + i) != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}

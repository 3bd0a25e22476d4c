package dev.junction.translators.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.translators.model.ByteSpan;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Locates large base64 strings of a vendor answer without materialising them as Java strings
 * (DESIGN house rule 5): the parser reports where the current string token starts, the raw bytes
 * are scanned for the closing quote, and the parser then skips the string without decoding it.
 * A string holding a JSON escape (some encoders write {@code \/}) is decoded into a buffer of its own.
 * The parser must read {@code body} from its reader index (e.g. through a {@code ByteBufInputStream}
 * over a duplicate).
 */
public final class Base64Spans {

    private final JsonParser p;
    private final ByteBuf body;
    private final int base;

    public Base64Spans(JsonParser p, ByteBuf body) {
        this.p = p;
        this.body = body;
        this.base = body.readerIndex();
    }

    /** The current VALUE_STRING token as a span (over {@code body}, or over a copy when escaped). */
    public ByteSpan current() throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new IllegalStateException("not at a string");
        }
        long offset = p.currentTokenLocation().getByteOffset();
        int quote = base + (int) offset;
        if (offset < 0 || quote >= body.writerIndex() || body.getByte(quote) != '"') {
            return copied(p.getText());
        }
        int from = quote + 1;
        int end = body.forEachByte(from, body.writerIndex() - from, b -> b != '"' && b != '\\');
        if (end < 0 || body.getByte(end) == '\\') {
            return copied(p.getText());
        }
        return new ByteSpan(body, from, end - from);
    }

    private static ByteSpan copied(String base64) {
        byte[] bytes = base64.getBytes(StandardCharsets.US_ASCII);
        return new ByteSpan(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }
}

package dev.junction.translators.messages;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes JSON bodies and named SSE events ({@code event: <name>\ndata: <json>\n\n}, the framing of
 * Anthropic's and OpenAI Responses' streams, wire-formats §0.2) straight into pooled buffers. The
 * returned buffer belongs to the caller; it is released here if writing fails.
 */
public final class NamedEvents {

    /** A mapping factory, so generators can also write the small trees a response echoes. */
    static final JsonFactory FACTORY = new com.fasterxml.jackson.databind.MappingJsonFactory();

    /** Writes one JSON value. */
    @FunctionalInterface
    public interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private NamedEvents() {
    }

    /** One named event; {@code body} writes the data's JSON (one line: Jackson never writes a line break). */
    public static ByteBuf event(ByteBufAllocator alloc, String name, Body body) {
        ByteBuf buf = alloc.buffer(64 + name.length());
        boolean ok = false;
        try {
            buf.writeCharSequence("event: ", StandardCharsets.US_ASCII);
            buf.writeCharSequence(name, StandardCharsets.US_ASCII);
            buf.writeCharSequence("\ndata: ", StandardCharsets.US_ASCII);
            generate(buf, body);
            buf.writeCharSequence("\n\n", StandardCharsets.US_ASCII);
            ok = true;
            return buf;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /** A JSON document (an HTTP body). */
    public static ByteBuf json(ByteBufAllocator alloc, Body body) {
        ByteBuf buf = alloc.buffer();
        boolean ok = false;
        try {
            generate(buf, body);
            ok = true;
            return buf;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    private static void generate(ByteBuf buf, Body body) {
        try (JsonGenerator g = FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

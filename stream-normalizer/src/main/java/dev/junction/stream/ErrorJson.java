package dev.junction.stream;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The one place that renders OpenAI's error JSON (SPEC §4, wire-formats §1.6, DESIGN house rule 10):
 * {@code {"error":{"message":…,"type":…,"param":…,"code":…}}}. All four keys are always present
 * because the OpenAI schema requires them; {@code param} and {@code code} are {@code null} when
 * the {@link GatewayError} has none. The same bytes serve as an HTTP error body and, framed as
 * {@code data: …}, as the in-band stream error of SPEC §5.
 */
public final class ErrorJson {

    private ErrorJson() {
    }

    /** The error body as UTF-8 JSON bytes. */
    public static byte[] render(GatewayError error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + error.message().length());
        write(error, out);
        return out.toByteArray();
    }

    /** The error body in a new buffer from {@code alloc}; the caller owns it. */
    public static ByteBuf render(GatewayError error, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(128 + error.message().length());
        boolean ok = false;
        try {
            write(error, new ByteBufOutputStream(buf));
            ok = true;
            return buf;
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /** Writes the error body to {@code out} (not closed). */
    public static void write(GatewayError error, OutputStream out) {
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            write(error, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the error object as the next value of {@code g}. */
    public static void write(GatewayError error, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeObjectFieldStart("error");
        g.writeStringField("message", error.message());
        g.writeStringField("type", error.type());
        writeNullable(g, "param", error.param());
        writeNullable(g, "code", error.code());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void writeNullable(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }
}

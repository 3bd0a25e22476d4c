package dev.junction.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one place that renders OpenAI's error body {@code {"error":{"message","type","param","code"}}}
 * (wire-formats §1.6; all four keys present, param and code null when absent), for HTTP error
 * answers and for the in-band stream error of SPEC §5 alike.
 */
public final class ErrorJson {

    private static final JsonFactory JSON = new JsonFactory();

    private ErrorJson() {
    }

    public static byte[] render(GatewayError e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + e.message().length());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", e.message());
            g.writeStringField("type", e.type());
            g.writeStringField("param", e.param());
            g.writeStringField("code", e.code());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }
}

package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Loads golden files of {@code golden/gemini/<scenario>/} and renders canonical values for comparison. */
final class Golden {

    static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    static byte[] bytes(String scenario, String file) {
        String path = "/golden/gemini/" + scenario + "/" + file;
        try (InputStream in = Golden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("missing golden file " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String scenario, String file) {
        return new String(bytes(scenario, file), StandardCharsets.UTF_8);
    }

    static JsonNode json(String scenario, String file) {
        return parse(bytes(scenario, file));
    }

    static JsonNode parse(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(ByteBuf b) {
        try (ByteBufInputStream in = new ByteBufInputStream(b.duplicate())) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Structural JSON equality with a readable failure. */
    static void assertJson(JsonNode expected, JsonNode actual) {
        // Round-trip through text so built trees (long/int nodes) compare like parsed ones.
        JsonNode normalized = parse(actual.toString().getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(normalized)) {
            assertEquals(expected.toPrettyString(), normalized.toPrettyString());
            assertEquals(expected, normalized);
        }
    }

    /** A file of this package's test resources (cases the shared runner does not cover). */
    static byte[] resource(String path) {
        try (InputStream in = Golden.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("missing test resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.translators.model.ImagesRequest;

import java.io.IOException;
import java.util.Set;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads an images request (wire-formats §1.9). The body is small (a prompt and a few options), so
 * it is read as one tree, which the OpenAI-shaped vendors then receive with the model replaced.
 * A field sent as JSON {@code null} counts as not sent.
 */
final class ImagesDecoder {

    private static final Set<String> FORMATS = Set.of("url", "b64_json");

    private ImagesDecoder() {
    }

    static ImagesRequest images(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw invalid("invalid_json", null, "The request body must be a JSON object.");
        }
        ObjectNode raw = p.readValueAsTree();
        if (p.nextToken() != null) {
            throw invalid("invalid_json", null, "The request body holds more than one JSON value.");
        }
        raw.properties().removeIf(e -> e.getValue().isNull());
        String model = text(raw, "model", true);
        String prompt = text(raw, "prompt", true);
        if (prompt.isBlank()) {
            throw invalid("invalid_value", "prompt", "'prompt' must not be empty.");
        }
        int n = 1;
        JsonNode nn = raw.get("n");
        if (nn != null) {
            if (!nn.canConvertToInt() || !nn.isIntegralNumber() || nn.intValue() < 1 || nn.intValue() > 10) {
                throw invalid("invalid_value", "n", "'n' must be an integer from 1 to 10.");
            }
            n = nn.intValue();
        }
        String format = text(raw, "response_format", false);
        if (format != null && !FORMATS.contains(format)) {
            throw invalid("invalid_value", "response_format", "'response_format' must be 'url' or 'b64_json', not '"
                    + format + "'.");
        }
        if (raw.has("stream") && raw.get("stream").asBoolean(false)) {
            throw invalid("unsupported_capability", "stream",
                    "Streamed image generation is not offered by Junction; send the request without 'stream'.");
        }
        return new ImagesRequest(model, prompt, n, text(raw, "size", false), text(raw, "quality", false), format,
                text(raw, "output_format", false), text(raw, "style", false), text(raw, "background", false),
                text(raw, "user", false), raw);
    }

    private static String text(ObjectNode raw, String field, boolean required) {
        JsonNode v = raw.get(field);
        if (v == null) {
            if (required) {
                throw invalid("missing_field", field, "'" + field + "' is required.");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw invalid("invalid_value", field, "'" + field + "' must be a string.");
        }
        return v.textValue();
    }
}

package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolChoice;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads {@code tools}, {@code tool_choice} and {@code response_format} (wire-formats §1.2). Their
 * JSON Schemas are the only parts kept as trees: they are small and adapters rewrite them.
 */
final class ToolAndFormatDecoder {

    /** OpenAI's function-name rule (wire-formats §1.2). */
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private final JsonParser p;
    private final JsonFields json;

    ToolAndFormatDecoder(JsonFields json) {
        this.p = json.parser();
        this.json = json;
    }

    List<Tool> tools() throws IOException {
        if (json.isNull()) {
            return null;
        }
        json.expectArray("tools");
        List<Tool> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String item = "tools[" + out.size() + "]";
            json.expectObject(item);
            String type = null;
            String name = null;
            String description = null;
            JsonNode parameters = null;
            Boolean strict = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string(item + ".type");
                    case "function" -> {
                        json.expectObject(item + ".function");
                        for (String f = json.nextField(); f != null; f = json.nextField()) {
                            switch (f) {
                                case "name" -> name = json.string(item + ".function.name");
                                case "description" -> description = json.string(item + ".function.description");
                                case "parameters" -> parameters = schema(item + ".function.parameters", parameters);
                                case "strict" -> strict = json.bool(item + ".function.strict");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (!"function".equals(type)) {
                throw invalid("unsupported_capability", item + ".type",
                        "Only 'function' tools are supported, got '" + type + "'.");
            }
            if (name == null) {
                throw invalid("missing_field", item + ".function.name", "A tool needs 'function.name'.");
            }
            if (!TOOL_NAME.matcher(name).matches()) {
                throw invalid("invalid_value", item + ".function.name", "Tool name '" + name
                        + "' is invalid: use 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.");
            }
            out.add(new Tool(name, description, parameters, strict));
        }
        return out;
    }

    ToolChoice toolChoice() throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_STRING) {
            return switch (p.getText()) {
                case "auto" -> new ToolChoice.Auto();
                case "none" -> new ToolChoice.None();
                case "required" -> new ToolChoice.Required();
                default -> throw invalid("invalid_value", "tool_choice", "'tool_choice' is '" + p.getText()
                        + "'; expected auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.");
            };
        }
        json.expectObject("tool_choice");
        String type = null;
        String name = null;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "type" -> type = json.string("tool_choice.type");
                case "function" -> {
                    json.expectObject("tool_choice.function");
                    for (String f = json.nextField(); f != null; f = json.nextField()) {
                        if (f.equals("name")) {
                            name = json.string("tool_choice.function.name");
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (!"function".equals(type)) {
            throw invalid("unsupported_capability", "tool_choice.type",
                    "'tool_choice.type' '" + type + "' is not supported; use 'function' with a function name.");
        }
        if (name == null) {
            throw invalid("missing_field", "tool_choice.function.name", "'tool_choice.function.name' is required.");
        }
        return new ToolChoice.Named(name);
    }

    ResponseFormat responseFormat() throws IOException {
        if (json.isNull()) {
            return null;
        }
        json.expectObject("response_format");
        String type = null;
        String name = null;
        String description = null;
        JsonNode schema = null;
        Boolean strict = null;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "type" -> type = json.string("response_format.type");
                case "json_schema" -> {
                    json.expectObject("response_format.json_schema");
                    for (String f = json.nextField(); f != null; f = json.nextField()) {
                        switch (f) {
                            case "name" -> name = json.string("response_format.json_schema.name");
                            case "description" -> description = json.string("response_format.json_schema.description");
                            case "schema" -> schema = schema("response_format.json_schema.schema", schema);
                            case "strict" -> strict = json.bool("response_format.json_schema.strict");
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (type == null) {
            throw invalid("missing_field", "response_format.type",
                    "'response_format.type' is required: text, json_object or json_schema.");
        }
        return switch (type) {
            case "text" -> new ResponseFormat.Text();
            case "json_object" -> new ResponseFormat.JsonObject();
            case "json_schema" -> {
                if (name == null) {
                    throw invalid("missing_field", "response_format.json_schema.name",
                            "'response_format.json_schema.name' is required.");
                }
                yield new ResponseFormat.JsonSchema(name, description, schema, strict);
            }
            default -> throw invalid("invalid_value", "response_format.type", "'response_format.type' is '"
                    + type + "'; expected text, json_object or json_schema.");
        };
    }

    /** A JSON Schema object read as a tree; JSON null leaves {@code current} (what was read before) as it is. */
    private JsonNode schema(String param, JsonNode current) throws IOException {
        if (json.isNull()) {
            return current;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid("invalid_value", param, "'" + param + "' must be a JSON Schema object.");
        }
        return p.readValueAsTree();
    }
}

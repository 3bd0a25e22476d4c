package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Typed readers over a streaming parser for request bodies (every ingress shape uses them): each reads the value the parser
 * is on and throws an {@code invalid_request_error} naming {@code param} when its type is wrong.
 * JSON {@code null} reads as null (OpenAI treats it as "not sent").
 */
public final class JsonFields {

    private final JsonParser p;

    public JsonFields(JsonParser p) {
        this.p = p;
    }

    public JsonParser parser() {
        return p;
    }

    public void startBody() throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw invalid("invalid_json", null, "The request body must be a JSON object.");
        }
    }

    public void endBody() throws IOException {
        if (p.nextToken() != null) {
            throw invalid("invalid_json", null, "The request body has content after the JSON object.");
        }
    }

    /**
     * Moves to the next field of the object being read and onto its value. Returns the field's name,
     * or null when the object has no more fields. Callers read or skip the value before asking again.
     */
    public String nextField() throws IOException {
        if (p.nextToken() != JsonToken.FIELD_NAME) {
            return null;
        }
        String name = p.currentName();
        p.nextToken();
        return name;
    }

    public boolean isNull() {
        return p.currentToken() == JsonToken.VALUE_NULL;
    }

    public void expectObject(String param) {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw invalid("invalid_value", param, "'" + param + "' must be an object.");
        }
    }

    public void expectArray(String param) {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw invalid("invalid_value", param, "'" + param + "' must be an array.");
        }
    }

    public String string(String param) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw invalid("invalid_value", param, "'" + param + "' must be a string.");
        };
    }

    public Boolean bool(String param) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw invalid("invalid_value", param, "'" + param + "' must be true or false.");
        };
    }

    public Double number(String param) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_NULL -> null;
            default -> throw invalid("invalid_value", param, "'" + param + "' must be a number.");
        };
    }

    public Integer integer(String param) throws IOException {
        Long v = longValue(param);
        if (v == null) {
            return null;
        }
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw invalid("invalid_value", param, "'" + param + "' is out of range: " + v + ".");
        }
        return v.intValue();
    }

    public Long longValue(String param) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw invalid("invalid_value", param, "'" + param + "' is out of range.");
                }
                yield p.getLongValue();
            }
            case VALUE_NULL -> null;
            default -> throw invalid("invalid_value", param, "'" + param + "' must be an integer.");
        };
    }

    /** An object of string values ({@code metadata}). */
    public Map<String, String> stringMap(String param) throws IOException {
        if (isNull()) {
            return null;
        }
        expectObject(param);
        Map<String, String> out = new LinkedHashMap<>();
        for (String key = nextField(); key != null; key = nextField()) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("invalid_value", param + "." + key, "'" + param + "' values must be strings.");
            }
            out.put(key, p.getText());
        }
        return out;
    }

    public static Double range(Double v, double min, double max, String param) {
        if (v != null && (v < min || v > max || v.isNaN())) {
            throw invalid("invalid_value", param, "'" + param + "' must be between " + fmt(min) + " and "
                    + fmt(max) + ", got " + v + ".");
        }
        return v;
    }

    public static Integer positive(Integer v, String param) {
        if (v != null && v < 1) {
            throw invalid("invalid_value", param, "'" + param + "' must be at least 1, got " + v + ".");
        }
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}

package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.translators.model.EmbeddingsRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.junction.translators.openai.JsonFields.positive;
import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads one {@code POST /v1/embeddings} body (wire-formats §1.7): {@code input} is a string, an
 * array of strings, one token array or an array of token arrays; mixing kinds is rejected.
 */
final class EmbeddingsDecoder {

    private final JsonParser p;
    private final JsonFields json;

    EmbeddingsDecoder(JsonParser p) {
        this.p = p;
        this.json = new JsonFields(p);
    }

    EmbeddingsRequest embeddings() throws IOException {
        json.startBody();
        String model = null;
        List<String> texts = null;
        List<int[]> tokens = null;
        boolean inputSeen = false;
        Integer dimensions = null;
        boolean base64 = false;
        String user = null;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "model" -> model = json.string("model");
                case "input" -> {
                    inputSeen = true;
                    JsonToken t = p.currentToken();
                    if (t == JsonToken.VALUE_STRING) {
                        texts = List.of(p.getText());
                    } else if (t == JsonToken.START_ARRAY) {
                        texts = new ArrayList<>();
                        tokens = new ArrayList<>();
                        List<Integer> flat = new ArrayList<>();
                        int i = 0;
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            String item = "input[" + i++ + "]";
                            switch (p.currentToken()) {
                                case VALUE_STRING -> texts.add(p.getText());
                                case VALUE_NUMBER_INT -> flat.add(p.getIntValue());
                                case START_ARRAY -> {
                                    List<Integer> row = new ArrayList<>();
                                    while (p.nextToken() != JsonToken.END_ARRAY) {
                                        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                                            throw invalid("invalid_value", item, "Token arrays hold integers only.");
                                        }
                                        row.add(p.getIntValue());
                                    }
                                    tokens.add(row.stream().mapToInt(Integer::intValue).toArray());
                                }
                                default -> throw invalid("invalid_value", item,
                                        "'input' items must be strings, token ids or token arrays.");
                            }
                        }
                        if (!flat.isEmpty()) {
                            tokens.add(flat.stream().mapToInt(Integer::intValue).toArray());
                        }
                        int kinds = (texts.isEmpty() ? 0 : 1) + (tokens.isEmpty() ? 0 : 1);
                        if (kinds == 0) {
                            throw invalid("invalid_value", "input", "'input' must not be empty.");
                        }
                        if (kinds > 1 || (!flat.isEmpty() && tokens.size() > 1)) {
                            throw invalid("invalid_value", "input",
                                    "'input' must be all strings, one token array, or all token arrays.");
                        }
                        if (texts.isEmpty()) {
                            texts = null;
                        } else {
                            tokens = null;
                        }
                    } else {
                        throw invalid("invalid_value", "input",
                                "'input' must be a string, an array of strings, or token arrays.");
                    }
                }
                case "dimensions" -> dimensions = positive(json.integer("dimensions"), "dimensions");
                case "encoding_format" -> {
                    String f = json.string("encoding_format");
                    if (f != null && !f.equals("float") && !f.equals("base64")) {
                        throw invalid("invalid_value", "encoding_format",
                                "'encoding_format' must be float or base64, got '" + f + "'.");
                    }
                    base64 = "base64".equals(f);
                }
                case "user" -> user = json.string("user");
                default -> p.skipChildren();
            }
        }
        json.endBody();
        if (model == null) {
            throw invalid("missing_field", "model", "'model' is required: name the embeddings model alias.");
        }
        if (!inputSeen) {
            throw invalid("missing_field", "input", "'input' is required: the text(s) to embed.");
        }
        return new EmbeddingsRequest(model, texts == null ? null : List.copyOf(texts),
                tokens == null ? null : List.copyOf(tokens), dimensions, base64, user);
    }
}

package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads a message's {@code content}: a string, or an array of text, refusal, image, audio and file
 * parts (wire-formats §1.2, §1.3). Media is located in the body, not copied ({@link DataUrlLocator}).
 */
final class ContentPartDecoder {

    private final JsonParser p;
    private final JsonFields json;
    private final DataUrlLocator media;

    ContentPartDecoder(JsonFields json, DataUrlLocator media) {
        this.p = json.parser();
        this.json = json;
        this.media = media;
    }

    /** The parts of {@code content}, or null when it is JSON null. */
    List<ContentPart> content(String param) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_STRING) {
            return List.of(new ContentPart.Text(p.getText()));
        }
        if (t != JsonToken.START_ARRAY) {
            throw invalid("invalid_value", param, "'" + param + "' must be a string or an array of content parts.");
        }
        List<ContentPart> parts = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            parts.add(part(param + "[" + parts.size() + "]"));
        }
        return parts;
    }

    private ContentPart part(String param) throws IOException {
        json.expectObject(param);
        String type = null;
        String text = null;
        String refusal = null;
        MediaSource imageSource = null;
        String detail = null;
        ByteSpan audio = null;
        String audioFormat = null;
        MediaSource fileSource = null;
        String filename = null;
        boolean sawImage = false;
        boolean sawAudio = false;
        boolean sawFile = false;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "type" -> type = json.string(param + ".type");
                case "text" -> text = json.string(param + ".text");
                case "refusal" -> refusal = json.string(param + ".refusal");
                case "image_url" -> {
                    sawImage = true;
                    String sub = param + ".image_url";
                    json.expectObject(sub);
                    for (String f = json.nextField(); f != null; f = json.nextField()) {
                        switch (f) {
                            case "url" -> imageSource = media.urlOrData(sub + ".url");
                            case "detail" -> detail = json.string(sub + ".detail");
                            default -> p.skipChildren();
                        }
                    }
                }
                case "input_audio" -> {
                    sawAudio = true;
                    String sub = param + ".input_audio";
                    json.expectObject(sub);
                    for (String f = json.nextField(); f != null; f = json.nextField()) {
                        switch (f) {
                            case "data" -> audio = media.base64String(sub + ".data");
                            case "format" -> audioFormat = json.string(sub + ".format");
                            default -> p.skipChildren();
                        }
                    }
                }
                case "file" -> {
                    sawFile = true;
                    String sub = param + ".file";
                    json.expectObject(sub);
                    for (String f = json.nextField(); f != null; f = json.nextField()) {
                        switch (f) {
                            case "file_data" -> fileSource = media.dataUrl(sub + ".file_data");
                            case "file_id" -> {
                                String id = json.string(sub + ".file_id");
                                if (id != null && fileSource == null) {
                                    fileSource = new MediaSource.FileId(id);
                                }
                            }
                            case "filename" -> filename = json.string(sub + ".filename");
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (type == null) {
            throw invalid("missing_field", param + ".type",
                    "'" + param + ".type' is required: text, image_url, input_audio, file or refusal.");
        }
        switch (type) {
            case "text" -> {
                if (text == null) {
                    throw invalid("missing_field", param + ".text", "A 'text' part needs 'text'.");
                }
                return new ContentPart.Text(text);
            }
            case "refusal" -> {
                if (refusal == null) {
                    throw invalid("missing_field", param + ".refusal", "A 'refusal' part needs 'refusal'.");
                }
                return new ContentPart.Refusal(refusal);
            }
            case "image_url" -> {
                if (!sawImage || imageSource == null) {
                    throw invalid("missing_field", param + ".image_url.url",
                            "An 'image_url' part needs 'image_url.url': an https URL or a data URL.");
                }
                return new ContentPart.Image(imageSource, detail);
            }
            case "input_audio" -> {
                if (!sawAudio || audio == null || audioFormat == null) {
                    throw invalid("missing_field", param + ".input_audio",
                            "An 'input_audio' part needs 'input_audio.data' (base64) and 'input_audio.format'.");
                }
                if (!audioFormat.equals("wav") && !audioFormat.equals("mp3")) {
                    throw invalid("invalid_value", param + ".input_audio.format",
                            "'input_audio.format' must be wav or mp3, got '" + audioFormat + "'.");
                }
                return new ContentPart.Audio(new MediaSource.Inline("audio/" + audioFormat, audio), audioFormat);
            }
            case "file" -> {
                if (!sawFile || fileSource == null) {
                    throw invalid("missing_field", param + ".file",
                            "A 'file' part needs 'file.file_data' (a data URL) or 'file.file_id'.");
                }
                return new ContentPart.File(fileSource, filename);
            }
            default -> throw invalid("invalid_value", param + ".type", "Unknown content part type '" + type
                    + "'; expected text, image_url, input_audio, file or refusal.");
        }
    }
}

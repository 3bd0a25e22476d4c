package dev.junction.translators.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * The streaming field reader behind {@link AnthropicEvent#parse}: one pass over an event's JSON,
 * picking the few fields of wire-formats §2.4 by their path.
 */
final class Parsing {

    static final JsonFactory FACTORY = new JsonFactory();

    private Parsing() {
    }

    /** The fields any event type may carry; null when absent. */
    static final class Fields {
        String type;
        int index;
        String messageId;
        String messageModel;
        String blockType;
        String blockId;
        String blockName;
        String blockText;
        String deltaType;
        String deltaText;
        String deltaPartialJson;
        String deltaThinking;
        String deltaSignature;
        String stopReason;
        String errorType;
        String errorMessage;
        Long input;
        Long output;
        Long cacheRead;
        Long cacheCreation;
        Long thinking;
        /**
         * The delta's text, partial_json and thinking as the {@link EventScanner} leaves them: the
         * bytes between the quotes ({@code raw[from, to)}; from -1 when absent or read by Jackson),
         * with the String field null until {@link #deltaText()} and its siblings decode it, so that
         * a fragment can go on as its bytes ({@link dev.junction.stream.JsonTextSink}). {@code raw}
         * is the scanned event's array: valid only while that event is converted.
         */
        byte[] raw;
        final RawString rawText = new RawString();
        final RawString rawPartialJson = new RawString();
        final RawString rawThinking = new RawString();

        /** A string member the scanner validated but did not decode: its bytes' range and what the scan saw in them. */
        static final class RawString {
            int from = -1;
            int to;
            boolean escaped;
            boolean ascii;
        }

        /** The delta's text, decoded from its bytes the first time it is asked for. */
        String deltaText() {
            if (deltaText == null && rawText.from >= 0) {
                deltaText = EventScanner.decode(raw, rawText);
            }
            return deltaText;
        }

        /** The delta's partial_json, as {@link #deltaText()}. */
        String deltaPartialJson() {
            if (deltaPartialJson == null && rawPartialJson.from >= 0) {
                deltaPartialJson = EventScanner.decode(raw, rawPartialJson);
            }
            return deltaPartialJson;
        }

        /** The delta's thinking, as {@link #deltaText()}. */
        String deltaThinking() {
            if (deltaThinking == null && rawThinking.from >= 0) {
                deltaThinking = EventScanner.decode(raw, rawThinking);
            }
            return deltaThinking;
        }

        /** Back to a fresh state: the stream translator reuses one instance for every event of its stream. */
        void reset() {
            type = null;
            index = 0;
            messageId = null;
            messageModel = null;
            blockType = null;
            blockId = null;
            blockName = null;
            blockText = null;
            deltaType = null;
            deltaText = null;
            deltaPartialJson = null;
            deltaThinking = null;
            deltaSignature = null;
            stopReason = null;
            errorType = null;
            errorMessage = null;
            input = null;
            output = null;
            cacheRead = null;
            cacheCreation = null;
            thinking = null;
            raw = null;
            rawText.from = -1;
            rawPartialJson.from = -1;
            rawThinking.from = -1;
        }

        AnthropicUsage usage() {
            return input == null && output == null && cacheRead == null && cacheCreation == null && thinking == null
                    ? AnthropicUsage.NONE : new AnthropicUsage(input, output, cacheRead, cacheCreation, thinking);
        }
    }

    private static final int TOP = 0;
    private static final int MESSAGE = 1;
    private static final int BLOCK = 2;
    private static final int DELTA = 3;
    private static final int USAGE = 4;
    private static final int ERROR = 5;
    private static final int OUTPUT_DETAILS = 6;

    /** Reads the object whose START_OBJECT was just consumed; {@code where} is its path. */
    static void readObject(JsonParser p, Fields f, int where) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.START_OBJECT) {
                int inner = child(where, name);
                if (inner < 0) {
                    p.skipChildren();
                } else {
                    readObject(p, f, inner);
                }
                continue;
            }
            if (v == JsonToken.START_ARRAY) {
                p.skipChildren();
                continue;
            }
            if (v == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (where) {
                case TOP -> {
                    if (name.equals("type")) {
                        f.type = p.getText();
                    } else if (name.equals("index")) {
                        f.index = p.getValueAsInt();
                    }
                }
                case MESSAGE -> {
                    if (name.equals("id")) {
                        f.messageId = p.getText();
                    } else if (name.equals("model")) {
                        f.messageModel = p.getText();
                    }
                }
                case BLOCK -> {
                    switch (name) {
                        case "type" -> f.blockType = p.getText();
                        case "id" -> f.blockId = p.getText();
                        case "name" -> f.blockName = p.getText();
                        case "text" -> f.blockText = p.getText();
                        default -> { }
                    }
                }
                case DELTA -> {
                    switch (name) {
                        case "type" -> f.deltaType = p.getText();
                        case "text" -> f.deltaText = p.getText();
                        case "partial_json" -> f.deltaPartialJson = p.getText();
                        case "thinking" -> f.deltaThinking = p.getText();
                        case "signature" -> f.deltaSignature = p.getText();
                        case "stop_reason" -> f.stopReason = p.getText();
                        default -> { }
                    }
                }
                case USAGE -> {
                    if (v == JsonToken.VALUE_NUMBER_INT) {
                        switch (name) {
                            case "input_tokens" -> f.input = p.getLongValue();
                            case "output_tokens" -> f.output = p.getLongValue();
                            case "cache_read_input_tokens" -> f.cacheRead = p.getLongValue();
                            case "cache_creation_input_tokens" -> f.cacheCreation = p.getLongValue();
                            default -> { }
                        }
                    }
                }
                case OUTPUT_DETAILS -> {
                    if (v == JsonToken.VALUE_NUMBER_INT && name.equals("thinking_tokens")) {
                        f.thinking = p.getLongValue();
                    }
                }
                case ERROR -> {
                    if (name.equals("type")) {
                        f.errorType = p.getText();
                    } else if (name.equals("message")) {
                        f.errorMessage = p.getText();
                    }
                }
                default -> { }
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unexpected " + t);
        }
    }

    /** Which nested objects matter: message, message.usage, content_block, delta, usage, error. */
    private static int child(int where, String name) {
        return switch (where) {
            case TOP -> switch (name) {
                case "message" -> MESSAGE;
                case "content_block" -> BLOCK;
                case "delta" -> DELTA;
                case "usage" -> USAGE;
                case "error" -> ERROR;
                default -> -1;
            };
            case MESSAGE -> name.equals("usage") ? USAGE : -1;
            case USAGE -> name.equals("output_tokens_details") ? OUTPUT_DETAILS : -1;
            default -> -1;
        };
    }
}

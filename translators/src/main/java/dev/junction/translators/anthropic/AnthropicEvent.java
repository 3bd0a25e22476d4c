package dev.junction.translators.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.JsonInput;
import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;

/**
 * The closed set of Anthropic stream events (wire-formats §2.4), decoded from one SSE event's
 * data. The JSON {@code type} is authoritative (it always equals the SSE {@code event} name).
 */
sealed interface AnthropicEvent {

    record MessageStart(String id, String model, AnthropicUsage usage) implements AnthropicEvent { }

    /**
     * {@code blockType} is text, tool_use, thinking, redacted_thinking or a newer type; {@code id} and
     * {@code name} are set for tool_use; {@code text} is the initial text of a text block.
     */
    record ContentBlockStart(int index, String blockType, String id, String name, String text)
            implements AnthropicEvent { }

    /** {@code deltaType} is text_delta, input_json_delta, thinking_delta, signature_delta, citations_delta...;
     * {@code value} is its text, partial_json, thinking or signature string (null for others). */
    record ContentBlockDelta(int index, String deltaType, String value) implements AnthropicEvent { }

    record ContentBlockStop(int index) implements AnthropicEvent { }

    /** {@code usage} is cumulative (wire-formats §2.4, §8 item 8). */
    record MessageDelta(String stopReason, AnthropicUsage usage) implements AnthropicEvent { }

    record MessageStop() implements AnthropicEvent { }

    record Ping() implements AnthropicEvent { }

    record Error(String errorType, String message) implements AnthropicEvent { }

    /** A type this translator does not know; ignored (wire-formats §2.3: do not crash on new types). */
    record Unknown(String type) implements AnthropicEvent { }

    /**
     * Decodes one event into a record (the stream translator reads the same {@link Parsing.Fields}
     * through {@link #read} without building one): with the hand-written {@link EventScanner} when
     * it can vouch for the bytes, else with a Jackson streaming parser (no tree). Field order is not
     * assumed; unknown fields and nested values are skipped.
     */
    static AnthropicEvent parse(SseEvent sse) {
        return parse(sse, true);
    }

    /**
     * @param fast whether the hand-written {@link EventScanner} may answer (false: always the Jackson
     *             pass; the scanner's tests compare both)
     */
    static AnthropicEvent parse(SseEvent sse, boolean fast) {
        Parsing.Fields f = new Parsing.Fields();
        String type = read(sse.event(), sse.data(), sse.data().readerIndex(), sse.data().readableBytes(), f, fast);
        switch (type) {
            case "message_start":
                return new MessageStart(f.messageId, f.messageModel, f.usage());
            case "content_block_start":
                return new ContentBlockStart(f.index, f.blockType, f.blockId, f.blockName, f.blockText);
            case "content_block_delta": {
                String deltaType = deltaType(f);
                return new ContentBlockDelta(f.index, deltaType, deltaValue(f, deltaType));
            }
            case "content_block_stop":
                return new ContentBlockStop(f.index);
            case "message_delta":
                return new MessageDelta(f.stopReason, f.usage());
            case "message_stop":
                return new MessageStop();
            case "ping":
                return new Ping();
            case "error":
                return new Error(errorType(f), errorMessage(f));
            default:
                return new Unknown(type);
        }
    }

    /**
     * Reads the event whose data is {@code src[index, index + length)} (not consumed, not kept) into
     * {@code f}, which is reset first, and returns its type: the JSON {@code type}, else the SSE
     * {@code name}, else "". This runs once per streamed token; the meaning of the fields per type is
     * that of the records above ({@link #deltaType}, {@link #deltaValue}, {@link #errorType},
     * {@link #errorMessage} give the defaults {@link #parse} applies).
     *
     * @throws IllegalArgumentException when the data is not a JSON object
     */
    static String read(String name, ByteBuf src, int index, int length, Parsing.Fields f, boolean fast) {
        f.reset();
        if (!fast || !EventScanner.get().scan(src, index, length, f)) {
            f.reset(); // a scan that gave up left the fields undefined
            readWithJackson(length == 0 ? Unpooled.EMPTY_BUFFER : src.slice(index, length), f);
        }
        return type(name, f);
    }

    /** The type of an event read into {@code f}: the JSON {@code type}, else the SSE {@code name}, else "". */
    static String type(String name, Parsing.Fields f) {
        return f.type != null ? f.type : name == null ? "" : name;
    }

    /** A content_block_delta's type, "" when absent. */
    static String deltaType(Parsing.Fields f) {
        return f.deltaType == null ? "" : f.deltaType;
    }

    /** A content_block_delta's text, partial_json, thinking or signature by its type; null for other types. */
    static String deltaValue(Parsing.Fields f, String deltaType) {
        return switch (deltaType) {
            case "text_delta" -> f.deltaText();
            case "input_json_delta" -> f.deltaPartialJson();
            case "thinking_delta" -> f.deltaThinking();
            case "signature_delta" -> f.deltaSignature;
            default -> null;
        };
    }

    static String errorType(Parsing.Fields f) {
        return f.errorType == null ? "api_error" : f.errorType;
    }

    static String errorMessage(Parsing.Fields f) {
        return f.errorMessage == null ? "" : f.errorMessage;
    }

    /** The Jackson pass: every event the scanner cannot vouch for (and the reference it is tested against). */
    static Parsing.Fields readWithJackson(SseEvent sse) {
        Parsing.Fields f = new Parsing.Fields();
        readWithJackson(sse.data(), f);
        return f;
    }

    /** The Jackson pass over {@code data}'s readable bytes (not consumed) into {@code f} (fresh). */
    static void readWithJackson(ByteBuf data, Parsing.Fields f) {
        try (JsonParser p = JsonInput.parser(Parsing.FACTORY, data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("Anthropic stream event is not a JSON object");
            }
            Parsing.readObject(p, f, 0);
        } catch (IOException e) {
            throw new IllegalArgumentException("Anthropic stream event is not JSON: " + e.getMessage(), e);
        }
    }
}

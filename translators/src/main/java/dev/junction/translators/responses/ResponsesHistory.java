package dev.junction.translators.responses;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.JsonInput;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Conversation state of the Responses door (SPEC §3.1): what Junction keeps of a response for
 * {@code store: true}, and how a later request's {@code previous_response_id} is resolved.
 *
 * <p><b>Gateway decision</b> (docs/api.md): Junction, not the vendor, is the store of record, so a
 * conversation can move between vendors from one turn to the next. A {@code previous_response_id}
 * is resolved for every vendor alike: the stored input items, then the stored response's output as
 * input items, then the request's own input become the new {@code input}, and the field is
 * removed. Output items become input as OpenAI accepts them back: {@code message} items keep their
 * role and content parts, {@code function_call} items keep {@code call_id}, {@code name} and
 * {@code arguments}; item ids and statuses are left out (a vendor other than the one that issued them
 * does not know them, and OpenAI refuses unknown ids), and {@code reasoning} items are left out
 * (their summaries are not the vendor's reasoning state, and OpenAI refuses reasoning items it did
 * not store). Other output item types (OpenAI's built-in tool calls) are kept as they are. As in
 * OpenAI's API, the earlier {@code instructions} are not carried over.
 */
public final class ResponsesHistory {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ResponsesHistory() {
    }

    /** The top-level facts of a Responses body the gateway acts on before decoding it. */
    public record Facts(String previousResponseId, boolean store, boolean stream) {
    }

    /**
     * One streaming pass over {@code body}'s top level (not consumed), skipping every subtree:
     * {@code previous_response_id}, {@code store} (true unless {@code false}, the API's default) and
     * {@code stream}. A body that is not a JSON object gives the defaults; the decoder reports it.
     */
    public static Facts facts(ByteBuf body) {
        String previous = null;
        boolean store = true;
        boolean stream = false;
        try (JsonParser p = JsonInput.parser(FACTORY, body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Facts(null, true, false);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "previous_response_id" -> previous = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "store" -> store = t != JsonToken.VALUE_FALSE;
                    case "stream" -> stream = t == JsonToken.VALUE_TRUE;
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return new Facts(null, true, false);
        }
        return new Facts(previous, store, stream);
    }

    /** The request's {@code input} as an array of items: a string is one user message. */
    public static ArrayNode inputItems(JsonNode request) {
        JsonNode input = request.get("input");
        ArrayNode out = F.arrayNode();
        if (input == null || input.isNull()) {
            return out;
        }
        if (input.isTextual()) {
            ObjectNode m = out.addObject().put("type", "message").put("role", "user");
            m.putArray("content").addObject().put("type", "input_text").put("text", input.asText());
            return out;
        }
        if (input.isArray()) {
            input.forEach(out::add);
        }
        return out;
    }

    /** A stored response's {@code output} as input items of the next turn (see the class comment). */
    public static ArrayNode outputAsInput(JsonNode response) {
        ArrayNode out = F.arrayNode();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asText()) {
                case "message" -> {
                    ObjectNode m = out.addObject().put("type", "message").put("role", item.path("role").asText("assistant"));
                    ArrayNode content = m.putArray("content");
                    for (JsonNode part : item.path("content")) {
                        if ("output_text".equals(part.path("type").asText())) {
                            content.addObject().put("type", "output_text").put("text", part.path("text").asText(""));
                        } else if ("refusal".equals(part.path("type").asText())) {
                            content.addObject().put("type", "refusal").put("refusal", part.path("refusal").asText(""));
                        }
                    }
                    if (content.isEmpty()) {
                        out.remove(out.size() - 1);
                    }
                }
                case "function_call" -> out.addObject().put("type", "function_call")
                        .put("call_id", item.path("call_id").asText())
                        .put("name", item.path("name").asText())
                        .put("arguments", item.path("arguments").asText("{}"));
                case "reasoning" -> { }
                default -> out.add(item);
            }
        }
        return out;
    }

    /**
     * The client's body with {@code previous_response_id} resolved: {@code storedInput} (a JSON array)
     * and {@code storedResponse}'s output before the request's own input, the field removed. The
     * result is a new buffer owned by the caller; {@code body} is not consumed.
     */
    public static ByteBuf expand(ByteBuf body, byte[] storedInput, byte[] storedResponse, ByteBufAllocator alloc) {
        ObjectNode request;
        try {
            JsonNode n = JSON.readTree((InputStream) new ByteBufInputStream(body.duplicate(), false));
            if (!(n instanceof ObjectNode o)) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_json", null,
                        "The request body must be a JSON object."));
            }
            request = o;
        } catch (IOException e) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_json", null,
                    "The request body is not valid JSON: " + e.getMessage()));
        }
        ArrayNode input = F.arrayNode();
        try {
            JSON.readTree(storedInput).forEach(input::add);
            input.addAll(outputAsInput(JSON.readTree(storedResponse)));
        } catch (IOException e) {
            throw new UncheckedIOException("a stored response is not JSON", e);
        }
        input.addAll(inputItems(request));
        request.remove("previous_response_id");
        request.set("input", input);
        return write(request, alloc);
    }

    /**
     * The input items to keep with a response: the (already expanded) request's input as items.
     * {@code body} is not consumed.
     */
    public static byte[] inputToKeep(ByteBuf body) {
        try {
            JsonNode n = JSON.readTree((InputStream) new ByteBufInputStream(body.duplicate(), false));
            return JSON.writeValueAsBytes(inputItems(n == null ? F.objectNode() : n));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteBuf write(JsonNode n, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer();
        try {
            JSON.writeValue((java.io.OutputStream) new ByteBufOutputStream(out), n);
            return out;
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        }
    }
}

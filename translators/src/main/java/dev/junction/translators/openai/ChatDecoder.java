package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolChoice;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.junction.translators.openai.JsonFields.positive;
import static dev.junction.translators.openai.JsonFields.range;
import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads one {@code POST /v1/chat/completions} body (wire-formats §1.2): the top-level sampling and
 * streaming fields itself, messages, tools and response format through their decoders. Fields the
 * canonical model does not cover are kept as trees in {@link ChatRequest#extra()}.
 */
final class ChatDecoder {

    private final JsonParser p;
    private final JsonFields json;
    private final MessageDecoder messages;
    private final ToolAndFormatDecoder tools;

    /** {@code body} is the buffer {@code p} reads; inline media spans point into it. */
    ChatDecoder(JsonParser p, ByteBuf body, JsonLimits limits) {
        this.p = p;
        this.json = new JsonFields(p);
        this.messages = new MessageDecoder(json, new ContentPartDecoder(json, new DataUrlLocator(p, body, limits)));
        this.tools = new ToolAndFormatDecoder(json);
    }

    ChatRequest chat() throws IOException {
        json.startBody();
        String model = null;
        List<Message> messageList = null;
        Double temperature = null;
        Double topP = null;
        Integer n = null;
        List<String> stop = null;
        Integer maxTokens = null;
        Integer maxCompletionTokens = null;
        Long seed = null;
        Double presence = null;
        Double frequency = null;
        List<Tool> toolList = null;
        ToolChoice toolChoice = null;
        Boolean parallel = null;
        ResponseFormat responseFormat = null;
        String effort = null;
        String user = null;
        Map<String, String> metadata = null;
        Boolean stream = null;
        Boolean includeUsage = null;
        Map<String, JsonNode> extra = new LinkedHashMap<>();
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "model" -> model = json.string("model");
                case "messages" -> messageList = messages.messages();
                case "temperature" -> temperature = range(json.number("temperature"), 0, 2, "temperature");
                case "top_p" -> topP = range(json.number("top_p"), 0, 1, "top_p");
                case "n" -> {
                    n = json.integer("n");
                    if (n != null && (n < 1 || n > 128)) {
                        throw invalid("invalid_value", "n", "'n' must be between 1 and 128, got " + n + ".");
                    }
                }
                case "stop" -> stop = stop();
                case "max_tokens" -> maxTokens = positive(json.integer("max_tokens"), "max_tokens");
                case "max_completion_tokens" ->
                        maxCompletionTokens = positive(json.integer("max_completion_tokens"), "max_completion_tokens");
                case "seed" -> seed = json.longValue("seed");
                case "presence_penalty" -> presence = range(json.number("presence_penalty"), -2, 2, "presence_penalty");
                case "frequency_penalty" ->
                        frequency = range(json.number("frequency_penalty"), -2, 2, "frequency_penalty");
                case "tools" -> toolList = tools.tools();
                case "tool_choice" -> toolChoice = tools.toolChoice();
                case "parallel_tool_calls" -> parallel = json.bool("parallel_tool_calls");
                case "response_format" -> responseFormat = tools.responseFormat();
                case "reasoning_effort" -> effort = json.string("reasoning_effort");
                case "user" -> user = json.string("user");
                case "metadata" -> metadata = json.stringMap("metadata");
                case "stream" -> stream = json.bool("stream");
                case "stream_options" -> includeUsage = streamOptions();
                default -> {
                    if (p.currentToken() == JsonToken.VALUE_NULL) {
                        break;
                    }
                    extra.put(field, p.readValueAsTree());
                }
            }
        }
        json.endBody();
        if (model == null) {
            throw invalid("missing_field", "model", "'model' is required: name the model alias to use.");
        }
        if (messageList == null) {
            throw invalid("missing_field", "messages", "'messages' is required: send at least one message.");
        }
        if (messageList.isEmpty()) {
            throw invalid("invalid_value", "messages", "'messages' must contain at least one message.");
        }
        if (includeUsage != null && !Boolean.TRUE.equals(stream)) {
            throw invalid("invalid_value", "stream_options",
                    "'stream_options' is only allowed when 'stream' is true.");
        }
        Integer max = maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
        String maxField = maxCompletionTokens != null ? "max_completion_tokens"
                : maxTokens != null ? "max_tokens" : null;
        return new ChatRequest(model, messageList, temperature, topP, n, stop, max, maxField, seed, presence,
                frequency, toolList, toolChoice, parallel, responseFormat, effort, user, metadata,
                Boolean.TRUE.equals(stream), Boolean.TRUE.equals(includeUsage), extra);
    }

    private List<String> stop() throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_STRING) {
            return List.of(p.getText());
        }
        if (t != JsonToken.START_ARRAY) {
            throw invalid("invalid_value", "stop", "'stop' must be a string or an array of strings.");
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("invalid_value", "stop[" + out.size() + "]", "Each 'stop' entry must be a string.");
            }
            out.add(p.getText());
        }
        return out;
    }

    /** {@code stream_options.include_usage}, false when absent; null when the object itself is JSON null. */
    private Boolean streamOptions() throws IOException {
        if (json.isNull()) {
            return null;
        }
        json.expectObject("stream_options");
        Boolean include = Boolean.FALSE;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            if (field.equals("include_usage")) {
                Boolean b = json.bool("stream_options.include_usage");
                include = b != null && b;
            } else {
                p.skipChildren();
            }
        }
        return include;
    }
}

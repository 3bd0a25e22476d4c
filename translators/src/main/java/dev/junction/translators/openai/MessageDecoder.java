package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ToolCall;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Reads {@code messages} (wire-formats §1.2): each message's role decides which content parts and
 * fields it may carry; assistant messages may carry {@code tool_calls}, tool messages answer one.
 */
final class MessageDecoder {

    private final JsonParser p;
    private final JsonFields json;
    private final ContentPartDecoder parts;

    MessageDecoder(JsonFields json, ContentPartDecoder parts) {
        this.p = json.parser();
        this.json = json;
        this.parts = parts;
    }

    List<Message> messages() throws IOException {
        json.expectArray("messages");
        List<Message> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(message("messages[" + out.size() + "]"));
        }
        return out;
    }

    private Message message(String param) throws IOException {
        json.expectObject(param);
        String role = null;
        List<ContentPart> content = null;
        boolean contentSent = false;
        String name = null;
        String refusal = null;
        String reasoning = null;
        String toolCallId = null;
        List<ToolCall> toolCalls = null;
        for (String field = json.nextField(); field != null; field = json.nextField()) {
            switch (field) {
                case "role" -> role = json.string(param + ".role");
                case "content" -> {
                    contentSent = p.currentToken() != JsonToken.VALUE_NULL;
                    content = parts.content(param + ".content");
                }
                case "name" -> name = json.string(param + ".name");
                case "refusal" -> refusal = json.string(param + ".refusal");
                case "reasoning_content" -> reasoning = json.string(param + ".reasoning_content");
                case "tool_call_id" -> toolCallId = json.string(param + ".tool_call_id");
                case "tool_calls" -> toolCalls = toolCalls(param + ".tool_calls");
                default -> p.skipChildren();
            }
        }
        if (role == null) {
            throw invalid("missing_field", param + ".role",
                    "'" + param + ".role' is required: one of developer, system, user, assistant, tool.");
        }
        List<ContentPart> parts = content == null ? List.of() : content;
        switch (role) {
            case "system", "developer" -> {
                requireContent(contentSent, param);
                onlyText(parts, param, role);
                return new Message.System(role.equals("developer"), parts, name);
            }
            case "user" -> {
                requireContent(contentSent, param);
                for (int i = 0; i < parts.size(); i++) {
                    if (parts.get(i) instanceof ContentPart.Refusal) {
                        throw invalid("invalid_value", param + ".content[" + i + "]",
                                "A user message cannot contain a 'refusal' part.");
                    }
                }
                return new Message.User(parts, name);
            }
            case "assistant" -> {
                List<ContentPart> all = new ArrayList<>(parts);
                for (int i = 0; i < parts.size(); i++) {
                    ContentPart part = parts.get(i);
                    if (!(part instanceof ContentPart.Text) && !(part instanceof ContentPart.Refusal)) {
                        throw invalid("invalid_value", param + ".content[" + i + "]",
                                "An assistant message may contain only 'text' and 'refusal' parts.");
                    }
                }
                if (refusal != null) {
                    all.add(new ContentPart.Refusal(refusal));
                }
                if (all.isEmpty() && (toolCalls == null || toolCalls.isEmpty())) {
                    throw invalid("missing_field", param + ".content",
                            "An assistant message needs 'content' or 'tool_calls'.");
                }
                return new Message.Assistant(all, toolCalls == null ? List.of() : toolCalls, reasoning, name);
            }
            case "tool" -> {
                if (toolCallId == null) {
                    throw invalid("missing_field", param + ".tool_call_id",
                            "A tool message needs 'tool_call_id': the id of the assistant tool call it answers.");
                }
                requireContent(contentSent, param);
                onlyText(parts, param, role);
                return new Message.Tool(toolCallId, parts);
            }
            case "function" -> throw invalid("invalid_value", param + ".role",
                    "The deprecated 'function' role is not supported: send tool results with role 'tool'.");
            default -> throw invalid("invalid_value", param + ".role", "'" + param + ".role' is '" + role
                    + "'; expected one of developer, system, user, assistant, tool.");
        }
    }

    private static void requireContent(boolean sent, String param) {
        if (!sent) {
            throw invalid("missing_field", param + ".content", "'" + param + ".content' is required.");
        }
    }

    private static void onlyText(List<ContentPart> parts, String param, String role) {
        for (int i = 0; i < parts.size(); i++) {
            if (!(parts.get(i) instanceof ContentPart.Text)) {
                throw invalid("invalid_value", param + ".content[" + i + "]",
                        "A " + role + " message may contain only 'text' parts.");
            }
        }
    }

    /** An assistant message's {@code tool_calls}, or null when it is JSON null. */
    private List<ToolCall> toolCalls(String param) throws IOException {
        if (json.isNull()) {
            return null;
        }
        json.expectArray(param);
        List<ToolCall> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String item = param + "[" + out.size() + "]";
            json.expectObject(item);
            String id = null;
            String type = "function";
            String name = null;
            String arguments = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "id" -> id = json.string(item + ".id");
                    case "type" -> type = json.string(item + ".type");
                    case "function" -> {
                        json.expectObject(item + ".function");
                        for (String f = json.nextField(); f != null; f = json.nextField()) {
                            switch (f) {
                                case "name" -> name = json.string(item + ".function.name");
                                case "arguments" -> arguments = json.string(item + ".function.arguments");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (!"function".equals(type)) {
                throw invalid("invalid_value", item + ".type", "Only 'function' tool calls are supported, got '"
                        + type + "'.");
            }
            if (id == null || name == null) {
                throw invalid("missing_field", id == null ? item + ".id" : item + ".function.name",
                        "A tool call needs 'id' and 'function.name'.");
            }
            out.add(new ToolCall(id, name, arguments == null || arguments.isEmpty() ? "{}" : arguments));
        }
        return out;
    }
}

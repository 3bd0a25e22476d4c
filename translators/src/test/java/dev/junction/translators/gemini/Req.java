package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test builder for canonical chat requests (the OpenAI codec builds them in production). */
final class Req {
    final List<Message> messages = new ArrayList<>();
    Double temperature;
    Double topP;
    Integer n;
    List<String> stop;
    Integer maxTokens;
    String maxTokensField;
    Long seed;
    Double presencePenalty;
    Double frequencyPenalty;
    List<Tool> tools;
    ToolChoice toolChoice;
    Boolean parallelToolCalls;
    ResponseFormat responseFormat;
    String reasoningEffort;
    String user;
    Map<String, String> metadata;
    boolean stream;
    boolean includeUsage;
    final Map<String, JsonNode> extra = new HashMap<>();

    static Req of() {
        return new Req();
    }

    Req system(String text) {
        messages.add(new Message.System(false, List.of(new ContentPart.Text(text)), null));
        return this;
    }

    Req developer(String text) {
        messages.add(new Message.System(true, List.of(new ContentPart.Text(text)), null));
        return this;
    }

    Req user(String text) {
        messages.add(new Message.User(List.of(new ContentPart.Text(text)), null));
        return this;
    }

    Req user(ContentPart... parts) {
        messages.add(new Message.User(List.of(parts), null));
        return this;
    }

    Req assistant(String text) {
        messages.add(new Message.Assistant(List.of(new ContentPart.Text(text)), List.of(), null, null));
        return this;
    }

    Req assistantCalls(ToolCall... calls) {
        messages.add(new Message.Assistant(List.of(), List.of(calls), null, null));
        return this;
    }

    Req tool(String id, String text) {
        messages.add(new Message.Tool(id, List.of(new ContentPart.Text(text))));
        return this;
    }

    ChatRequest build() {
        return new ChatRequest("chat", messages, temperature, topP, n, stop, maxTokens, maxTokensField, seed,
                presencePenalty, frequencyPenalty, tools, toolChoice, parallelToolCalls, responseFormat,
                reasoningEffort, user, metadata, stream, includeUsage, extra);
    }
}

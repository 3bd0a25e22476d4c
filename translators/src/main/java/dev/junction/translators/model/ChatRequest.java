package dev.junction.translators.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * A chat-completions request in canonical form. Null means "not sent by the client".
 *
 * @param model             the alias the client asked for
 * @param maxTokens         {@code max_completion_tokens}, else {@code max_tokens}
 * @param maxTokensField    which of the two the client used ("max_completion_tokens" | "max_tokens" | null)
 * @param includeUsage      {@code stream_options.include_usage}
 * @param topK              sample from the K most likely tokens (Anthropic {@code top_k}, Gemini {@code topK});
 *                          chat completions has no such field, so only other ingress shapes set it
 * @param reasoningBudget   a thinking budget in tokens (Anthropic {@code thinking.budget_tokens}); set instead
 *                          of {@code reasoningEffort} by an ingress that speaks in budgets
 * @param extra             top-level fields the codec does not model, kept for strict handling:
 *                          a vendor adapter rejects or drops-with-warning each one it cannot honour
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        Double temperature,
        Double topP,
        Integer n,
        List<String> stop,
        Integer maxTokens,
        String maxTokensField,
        Long seed,
        Double presencePenalty,
        Double frequencyPenalty,
        List<Tool> tools,
        ToolChoice toolChoice,
        Boolean parallelToolCalls,
        ResponseFormat responseFormat,
        String reasoningEffort,
        String user,
        Map<String, String> metadata,
        boolean stream,
        boolean includeUsage,
        Map<String, JsonNode> extra,
        Integer topK,
        Integer reasoningBudget) {

    public ChatRequest {
        messages = List.copyOf(messages);
        stop = stop == null ? null : List.copyOf(stop);
        tools = tools == null ? null : List.copyOf(tools);
        metadata = metadata == null ? null : Map.copyOf(metadata);
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** A request without the fields only non-chat ingress shapes carry ({@code topK}, {@code reasoningBudget}). */
    public ChatRequest(String model, List<Message> messages, Double temperature, Double topP, Integer n,
                       List<String> stop, Integer maxTokens, String maxTokensField, Long seed, Double presencePenalty,
                       Double frequencyPenalty, List<Tool> tools, ToolChoice toolChoice, Boolean parallelToolCalls,
                       ResponseFormat responseFormat, String reasoningEffort, String user, Map<String, String> metadata,
                       boolean stream, boolean includeUsage, Map<String, JsonNode> extra) {
        this(model, messages, temperature, topP, n, stop, maxTokens, maxTokensField, seed, presencePenalty,
                frequencyPenalty, tools, toolChoice, parallelToolCalls, responseFormat, reasoningEffort, user, metadata,
                stream, includeUsage, extra, null, null);
    }

    public int choices() {
        return n == null ? 1 : n;
    }

    /** This request with other messages (e.g. remote media replaced by fetched inline data). */
    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(model, newMessages, temperature, topP, n, stop, maxTokens, maxTokensField, seed,
                presencePenalty, frequencyPenalty, tools, toolChoice, parallelToolCalls, responseFormat, reasoningEffort,
                user, metadata, stream, includeUsage, extra, topK, reasoningBudget);
    }

    /** This request with another {@code n} (null: not sent), e.g. one sub-request of a fan-out (SPEC §3). */
    public ChatRequest withN(Integer newN) {
        return new ChatRequest(model, messages, temperature, topP, newN, stop, maxTokens, maxTokensField, seed,
                presencePenalty, frequencyPenalty, tools, toolChoice, parallelToolCalls, responseFormat, reasoningEffort,
                user, metadata, stream, includeUsage, extra, topK, reasoningBudget);
    }
}

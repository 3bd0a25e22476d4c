package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Warnings;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The declarative parameter table: what becomes of each OpenAI chat field on Anthropic's Messages
 * API (wire-formats §4.1). {@link Fate#MAPPED} fields are written by {@link AnthropicRequestWriter};
 * {@link Fate#UNSUPPORTED} ones are refused with {@code unsupported_capability}, or dropped with a
 * recorded warning when the provider option {@code unsupported = drop} (DESIGN house rule 6).
 * Never a silent clamp or rename.
 */
final class AnthropicParameters {

    enum Fate { MAPPED, UNSUPPORTED }

    /**
     * One row. {@code sent} says whether the client asked for something the row governs; for
     * unsupported fields a value equal to OpenAI's default (a penalty of 0) asks for nothing.
     */
    record Param(String openAi, Fate fate, String anthropic, Predicate<ChatRequest> sent) {
    }

    static final List<Param> TABLE = List.of(
            new Param("model", Fate.MAPPED, "model (the deployment's vendor model)", r -> true),
            new Param("messages", Fate.MAPPED, "system + messages (§4.4, §4.5)", r -> true),
            new Param("max_completion_tokens|max_tokens", Fate.MAPPED,
                    "max_tokens (required: client value, else option max-output, else 4096 with a warning)",
                    r -> r.maxTokens() != null),
            new Param("temperature", Fate.MAPPED, "temperature (Anthropic range 0..1; above 1 is invalid_value)",
                    r -> r.temperature() != null),
            new Param("top_p", Fate.MAPPED, "top_p", r -> r.topP() != null),
            new Param("top_k (other ingress shapes)", Fate.MAPPED, "top_k", r -> r.topK() != null),
            new Param("n", Fate.MAPPED, "none: n > 1 is unsupported_capability (the proxy fans out)",
                    r -> r.n() != null),
            new Param("stop", Fate.MAPPED, "stop_sequences", r -> r.stop() != null),
            new Param("tools", Fate.MAPPED, "tools[{name, description, input_schema}]", r -> r.tools() != null),
            new Param("tool_choice", Fate.MAPPED, "tool_choice auto|none|any|tool", r -> r.toolChoice() != null),
            new Param("parallel_tool_calls", Fate.MAPPED, "tool_choice.disable_parallel_tool_use",
                    r -> r.parallelToolCalls() != null),
            new Param("response_format", Fate.MAPPED,
                    "output_config.format (option json-schema = native) or a forced tool named \"json\"",
                    r -> r.responseFormat() != null),
            new Param("reasoning_effort", Fate.MAPPED,
                    "thinking {type: enabled, budget_tokens} (option reasoning = effort: output_config.effort)",
                    r -> r.reasoningEffort() != null),
            new Param("thinking budget (other ingress shapes)", Fate.MAPPED,
                    "thinking {type: enabled, budget_tokens} as given", r -> r.reasoningBudget() != null),
            new Param("user", Fate.MAPPED, "metadata.user_id", r -> r.user() != null),
            new Param("stream", Fate.MAPPED, "stream", r -> r.stream()),
            new Param("stream_options.include_usage", Fate.MAPPED,
                    "nothing to send: Anthropic always streams usage", r -> r.includeUsage()),
            new Param("seed", Fate.UNSUPPORTED, "none", r -> r.seed() != null),
            new Param("presence_penalty", Fate.UNSUPPORTED, "none", r -> nonZero(r.presencePenalty())),
            new Param("frequency_penalty", Fate.UNSUPPORTED, "none", r -> nonZero(r.frequencyPenalty())),
            new Param("metadata", Fate.UNSUPPORTED, "none (Anthropic metadata holds only user_id)",
                    r -> r.metadata() != null && !r.metadata().isEmpty()));

    /** Top-level fields the codec keeps in {@code extra} that Anthropic can honour. */
    static final Map<String, String> EXTRA_MAPPED = Map.of("safety_identifier", "metadata.user_id");

    /** Known OpenAI fields without an Anthropic equivalent, named here so the table is complete. */
    static final Set<String> EXTRA_KNOWN_UNSUPPORTED = Set.of("logit_bias", "logprobs", "top_logprobs", "store",
            "service_tier", "modalities", "audio", "prediction", "web_search_options", "verbosity",
            "prompt_cache_key", "prompt_cache_retention", "functions", "function_call");

    private AnthropicParameters() {
    }

    /**
     * Refuses (or, with {@code drop}, records a warning for) every unsupported field the client
     * sent: the table's {@link Fate#UNSUPPORTED} rows and every {@code extra} field that is not
     * mapped, unless its value is inert ({@code false}, {@code null}, an empty object or array).
     */
    static void enforce(ChatRequest r, boolean drop, Warnings warnings) {
        for (Param p : TABLE) {
            if (p.fate() == Fate.UNSUPPORTED && p.sent().test(r)) {
                unsupported(p.openAi(), drop, warnings);
            }
        }
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            if (!EXTRA_MAPPED.containsKey(e.getKey()) && !inert(e.getValue())) {
                unsupported(e.getKey(), drop, warnings);
            }
        }
    }

    static void unsupported(String field, boolean drop, Warnings warnings) {
        if (drop) {
            warnings.add("dropped '" + field + "': not supported by Anthropic");
            return;
        }
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", field,
                "'" + field + "' is not supported by the Anthropic provider. Remove it from the request, or set the"
                        + " provider option unsupported = drop to have Junction drop it with a warning."));
    }

    private static boolean inert(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.booleanValue())
                || (v.isContainerNode() && v.isEmpty());
    }

    private static boolean nonZero(Double d) {
        return d != null && d != 0.0;
    }
}

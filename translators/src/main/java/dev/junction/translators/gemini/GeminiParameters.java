package dev.junction.translators.gemini;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Warnings;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Which OpenAI request field becomes which Gemini field (wire-formats §4.1), as one table, and how
 * the fields Gemini cannot honour are handled (DESIGN house rule 6):
 * <ul>
 *   <li>{@link Support#MAPPED}: translated; the row's writer emits its {@code generationConfig}
 *       member (structural rows such as messages and tools are written by
 *       {@link GeminiRequestWriter} and listed here for completeness).</li>
 *   <li>{@link Support#UNSUPPORTED}: it would change the answer and Gemini has no equivalent:
 *       rejected with {@code unsupported_capability}, or dropped with a {@link Warnings} entry
 *       when the provider sets {@code unsupported = drop} ({@link Target#option}).</li>
 *   <li>{@link Support#NO_EFFECT}: Gemini has no equivalent but the field does not change the
 *       generated answer (end-user ids, metadata, storage and caching hints): always dropped, with a
 *       warning.</li>
 * </ul>
 * Values are never clamped: a value Gemini cannot take is {@code invalid_value}.
 *
 * <p>Decisions:
 * <ul>
 *   <li>{@code temperature} is forwarded unchanged, 0 included. Gemini's type documentation says
 *       "(0.0, 2.0]", but OpenAI's 0 means "as deterministic as possible", Gemini accepts 0.0, and
 *       rewriting it to some small positive number would be exactly the silent clamp the house rules
 *       forbid. Values outside OpenAI's own 0–2 are {@code invalid_value}.</li>
 *   <li>{@code reasoning_effort}: by default as {@code thinkingBudget}, which Gemini 2.5 needs and
 *       Gemini 3 still accepts; a provider with option {@code thinking = level} sends Gemini 3's
 *       {@code thinkingLevel} instead (never both: §3.2). Budgets follow Google's own OpenAI
 *       compatibility layer: none 0, minimal 512, low 1024, medium 8192, high 24576, xhigh/max
 *       32768 (Gemini 2.5 Pro's ceiling). Levels: minimal/low/medium/high map by name; none,
 *       xhigh and max have no level ({@code UNSUPPORTED}: Gemini 3 cannot turn thinking off).
 *       Whenever thinking is on, {@code includeThoughts} is set so the reasoning summary reaches
 *       the client as {@code reasoning_content}.</li>
 * </ul>
 */
final class GeminiParameters {

    enum Support { MAPPED, UNSUPPORTED, NO_EFFECT }

    /** Per-translation context handed to the row writers. */
    record Context(ChatRequest request, Target target, Warnings warnings) {
        boolean dropUnsupported() {
            return "drop".equals(target.option("unsupported"));
        }
    }

    @FunctionalInterface
    interface ConfigWriter {
        void write(Context ctx, JsonGenerator g) throws IOException;
    }

    /** One row: the OpenAI field, where it goes, how it is supported, when it is present. */
    record Row(String openAi, String gemini, Support support, Predicate<ChatRequest> present, ConfigWriter writer) {
    }

    static final List<Row> TABLE = List.of(
            new Row("messages", "contents / systemInstruction", Support.MAPPED, r -> true, null),
            new Row("tools", "tools[].functionDeclarations", Support.MAPPED, r -> r.tools() != null, null),
            new Row("tool_choice", "toolConfig.functionCallingConfig", Support.MAPPED, r -> r.toolChoice() != null, null),
            new Row("stream", "URL :streamGenerateContent?alt=sse", Support.MAPPED, r -> true, null),
            new Row("temperature", "generationConfig.temperature", Support.MAPPED, r -> r.temperature() != null,
                    (c, g) -> g.writeNumberField("temperature",
                            range("temperature", c.request().temperature(), 0, 2))),
            new Row("top_p", "generationConfig.topP", Support.MAPPED, r -> r.topP() != null,
                    (c, g) -> g.writeNumberField("topP", range("top_p", c.request().topP(), 0, 1))),
            new Row("top_k (other ingress shapes)", "generationConfig.topK", Support.MAPPED, r -> r.topK() != null,
                    (c, g) -> g.writeNumberField("topK", atLeast("top_k", c.request().topK(), 1))),
            new Row("n", "generationConfig.candidateCount", Support.MAPPED, r -> r.n() != null,
                    (c, g) -> g.writeNumberField("candidateCount", atLeast("n", c.request().n(), 1))),
            new Row("max_completion_tokens|max_tokens", "generationConfig.maxOutputTokens", Support.MAPPED,
                    r -> r.maxTokens() != null,
                    (c, g) -> g.writeNumberField("maxOutputTokens", atLeast(
                            c.request().maxTokensField() == null ? "max_completion_tokens" : c.request().maxTokensField(),
                            c.request().maxTokens(), 1))),
            new Row("stop", "generationConfig.stopSequences", Support.MAPPED,
                    r -> r.stop() != null && !r.stop().isEmpty(), GeminiParameters::writeStop),
            new Row("seed", "generationConfig.seed", Support.MAPPED, r -> r.seed() != null,
                    GeminiParameters::writeSeed),
            new Row("presence_penalty", "generationConfig.presencePenalty", Support.MAPPED,
                    r -> r.presencePenalty() != null,
                    (c, g) -> g.writeNumberField("presencePenalty",
                            range("presence_penalty", c.request().presencePenalty(), -2, 2))),
            new Row("frequency_penalty", "generationConfig.frequencyPenalty", Support.MAPPED,
                    r -> r.frequencyPenalty() != null,
                    (c, g) -> g.writeNumberField("frequencyPenalty",
                            range("frequency_penalty", c.request().frequencyPenalty(), -2, 2))),
            new Row("response_format", "generationConfig.responseMimeType + responseJsonSchema", Support.MAPPED,
                    r -> r.responseFormat() != null && !(r.responseFormat() instanceof ResponseFormat.Text),
                    GeminiParameters::writeResponseFormat),
            new Row("reasoning_effort", "generationConfig.thinkingConfig", Support.MAPPED,
                    r -> r.reasoningEffort() != null, GeminiParameters::writeThinking),
            new Row("thinking budget (other ingress shapes)", "generationConfig.thinkingConfig.thinkingBudget",
                    Support.MAPPED, r -> r.reasoningBudget() != null && r.reasoningEffort() == null,
                    GeminiParameters::writeThinkingBudget),
            new Row("parallel_tool_calls=false", null, Support.UNSUPPORTED,
                    r -> Boolean.FALSE.equals(r.parallelToolCalls()), null),
            new Row("user", null, Support.NO_EFFECT, r -> r.user() != null, null),
            new Row("metadata", null, Support.NO_EFFECT, r -> r.metadata() != null && !r.metadata().isEmpty(), null));

    /** Top-level fields the canonical request keeps in {@code extra}; anything else is UNSUPPORTED. */
    static final Map<String, Support> EXTRA = Map.ofEntries(
            Map.entry("store", Support.NO_EFFECT),
            Map.entry("service_tier", Support.NO_EFFECT),
            Map.entry("safety_identifier", Support.NO_EFFECT),
            Map.entry("prompt_cache_key", Support.NO_EFFECT),
            Map.entry("prompt_cache_retention", Support.NO_EFFECT),
            Map.entry("logprobs", Support.UNSUPPORTED),
            Map.entry("top_logprobs", Support.UNSUPPORTED),
            Map.entry("logit_bias", Support.UNSUPPORTED),
            Map.entry("modalities", Support.UNSUPPORTED),
            Map.entry("audio", Support.UNSUPPORTED),
            Map.entry("prediction", Support.UNSUPPORTED),
            Map.entry("web_search_options", Support.UNSUPPORTED),
            Map.entry("verbosity", Support.UNSUPPORTED),
            Map.entry("functions", Support.UNSUPPORTED),
            Map.entry("function_call", Support.UNSUPPORTED));

    private GeminiParameters() {
    }

    /** Rejects or records every present field Gemini cannot honour. Call before writing. */
    static void checkUnsupported(Context ctx) {
        for (Row row : TABLE) {
            if (row.support() != Support.MAPPED && row.present().test(ctx.request())) {
                unsupported(ctx, row.openAi(), row.support());
            }
        }
        // Sorted: the canonical request's map has no stable order, and errors and warnings must.
        Map<String, JsonNode> extra = ctx.request().extra();
        for (Map.Entry<String, JsonNode> e : extra.isEmpty() ? extra.entrySet() : new TreeMap<>(extra).entrySet()) {
            JsonNode v = e.getValue();
            if (v == null || v.isNull() || (v.isBoolean() && !v.booleanValue())) {
                continue;
            }
            unsupported(ctx, e.getKey(), EXTRA.getOrDefault(e.getKey(), Support.UNSUPPORTED));
        }
    }

    static void unsupported(Context ctx, String field, Support support) {
        if (support == Support.NO_EFFECT || ctx.dropUnsupported()) {
            ctx.warnings().add("gemini: dropped '" + field + "' (no Gemini equivalent)");
            return;
        }
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", field,
                "Gemini has no equivalent of '" + field + "'. Remove it, or configure the provider with "
                        + "unsupported = drop to have it dropped with a warning."));
    }

    /** True when at least one {@code generationConfig} row is present. */
    static boolean hasGenerationConfig(ChatRequest r) {
        for (Row row : TABLE) {
            if (row.writer() != null && row.present().test(r)) {
                return true;
            }
        }
        return false;
    }

    static void writeGenerationConfig(Context ctx, JsonGenerator g) throws IOException {
        for (Row row : TABLE) {
            if (row.writer() != null && row.present().test(ctx.request())) {
                row.writer().write(ctx, g);
            }
        }
    }

    private static void writeStop(Context c, JsonGenerator g) throws IOException {
        List<String> stop = c.request().stop();
        if (stop.size() > 5) {
            throw invalid("stop", "Gemini accepts at most 5 stop sequences; got " + stop.size() + ".");
        }
        g.writeArrayFieldStart("stopSequences");
        for (String s : stop) {
            g.writeString(s);
        }
        g.writeEndArray();
    }

    private static void writeSeed(Context c, JsonGenerator g) throws IOException {
        long seed = c.request().seed();
        if (seed < Integer.MIN_VALUE || seed > Integer.MAX_VALUE) {
            throw invalid("seed", "Gemini's seed is a 32-bit integer; " + seed + " is out of range.");
        }
        g.writeNumberField("seed", (int) seed);
    }

    private static void writeResponseFormat(Context c, JsonGenerator g) throws IOException {
        g.writeStringField("responseMimeType", "application/json");
        if (c.request().responseFormat() instanceof ResponseFormat.JsonSchema s && s.schema() != null) {
            g.writeFieldName("responseJsonSchema");
            g.writeTree(s.schema());
        }
    }

    private static void writeThinking(Context c, JsonGenerator g) throws IOException {
        String effort = c.request().reasoningEffort();
        boolean level = "level".equals(c.target().option("thinking"));
        if (level) {
            String value = switch (effort) {
                case "minimal" -> "MINIMAL";
                case "low" -> "LOW";
                case "medium" -> "MEDIUM";
                case "high" -> "HIGH";
                case "none", "xhigh", "max" -> null;
                default -> throw invalidEffort(effort);
            };
            if (value == null) {
                unsupported(c, "reasoning_effort=" + effort, Support.UNSUPPORTED);
                return;
            }
            g.writeObjectFieldStart("thinkingConfig");
            g.writeStringField("thinkingLevel", value);
            g.writeBooleanField("includeThoughts", true);
            g.writeEndObject();
            return;
        }
        int budget = switch (effort) {
            case "none" -> 0;
            case "minimal" -> 512;
            case "low" -> 1024;
            case "medium" -> 8192;
            case "high" -> 24576;
            case "xhigh", "max" -> 32768;
            default -> throw invalidEffort(effort);
        };
        g.writeObjectFieldStart("thinkingConfig");
        g.writeNumberField("thinkingBudget", budget);
        if (budget > 0) {
            g.writeBooleanField("includeThoughts", true);
        }
        g.writeEndObject();
    }

    /** A budget in tokens, as given: Gemini 2.5 takes one natively (0 turns thinking off). */
    private static void writeThinkingBudget(Context c, JsonGenerator g) throws IOException {
        int budget = c.request().reasoningBudget();
        g.writeObjectFieldStart("thinkingConfig");
        g.writeNumberField("thinkingBudget", atLeast("thinking.budget_tokens", budget, 0));
        if (budget > 0) {
            g.writeBooleanField("includeThoughts", true);
        }
        g.writeEndObject();
    }

    private static TranslationException invalidEffort(String effort) {
        return invalid("reasoning_effort", "Unknown reasoning_effort '" + effort
                + "'; use none, minimal, low, medium, high, xhigh or max.");
    }

    private static double range(String field, double v, double min, double max) {
        if (v < min || v > max || Double.isNaN(v)) {
            throw invalid(field, field + " must be between " + min + " and " + max + "; got " + v + ".");
        }
        return v;
    }

    private static int atLeast(String field, int v, int min) {
        if (v < min) {
            throw invalid(field, field + " must be at least " + min + "; got " + v + ".");
        }
        return v;
    }

    static TranslationException invalid(String param, String message) {
        return new TranslationException(GatewayError.invalidRequest("invalid_value", param, message));
    }
}

package dev.junction.translators.gemini;

import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.spi.TranslationException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** Pure conversions from Gemini answers to canonical values (wire-formats §3.3, §4.2, §4.3). */
public final class GeminiResponses {

    private GeminiResponses() {
    }

    /**
     * Gemini {@code finishReason} → OpenAI (wire-formats §4.2). {@code STOP} becomes
     * {@code tool_calls} when the candidate called a function, because Gemini has no such value
     * (§8 item 1). {@code RECITATION} is {@code content_filter}: the output was cut for policy
     * reasons, which is what the client must learn. Tool-call failures and unknown or future
     * values map to {@code stop}: no OpenAI value fits and the answer did end.
     */
    public static FinishReason finishReason(String gemini, boolean calledTools) {
        if (gemini == null) {
            return calledTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
        return switch (gemini) {
            case "STOP" -> calledTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
            case "MAX_TOKENS" -> FinishReason.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE",
                 "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }

    /**
     * {@code usageMetadata} → OpenAI accounting (wire-formats §4.3). {@code promptTokenCount}
     * already includes cached tokens. {@code toolUsePromptTokenCount} (tokens of built-in tool
     * results fed back to the model) is input, so it is added to the prompt; with it, prompt +
     * completion equals Gemini's {@code totalTokenCount} (§3.3). {@code candidatesTokenCount}
     * excludes thinking, so thoughts are added to completion and reported as reasoning (§8 item 7).
     */
    public static Usage usage(GeminiEvent.UsageMetadata u) {
        if (u == null) {
            return Usage.ZERO;
        }
        return new Usage(u.promptTokenCount() + u.toolUsePromptTokenCount(),
                u.candidatesTokenCount() + u.thoughtsTokenCount(), u.cachedContentTokenCount(), 0,
                u.thoughtsTokenCount());
    }

    /**
     * The error for a prompt Gemini refused outright: HTTP 200, {@code promptFeedback.blockReason}
     * and no candidates (§3.3). SPEC §4 row "vendor rejected the prompt outright": 400
     * {@code content_filter}; another deployment would judge the same prompt the same way.
     */
    public static GatewayError promptBlocked(String blockReason) {
        return GatewayError.invalidRequest("content_filter", "messages",
                "Gemini blocked the prompt (promptFeedback.blockReason " + blockReason
                        + ") and produced no output. Rephrase the request.");
    }

    /** A tool call id for a Gemini function call, carrying its thought signature (§3.7). */
    static String toolCallId(Supplier<String> ids, String thoughtSignature) {
        return ThoughtSignatures.encode(ids.get(), thoughtSignature);
    }

    /** A whole {@code generateContent} answer → canonical response; ids come from {@code ids}. */
    public static ChatResponse chatResponse(GeminiEvent.Chunk chunk, Supplier<String> ids) {
        if (chunk.candidates().isEmpty() && chunk.blockReason() != null) {
            throw new TranslationException(promptBlocked(chunk.blockReason()));
        }
        List<ChatResponse.Choice> choices = new ArrayList<>(chunk.candidates().size());
        for (GeminiEvent.Candidate c : chunk.candidates()) {
            StringBuilder content = new StringBuilder();
            StringBuilder reasoning = null;
            List<ToolCall> calls = new ArrayList<>(0);
            for (GeminiEvent.Part p : c.parts()) {
                if (p instanceof GeminiEvent.Text t) {
                    if (t.thought()) {
                        reasoning = reasoning == null ? new StringBuilder() : reasoning;
                        reasoning.append(t.text());
                    } else {
                        content.append(t.text());
                    }
                } else if (p instanceof GeminiEvent.FunctionCall f) {
                    calls.add(new ToolCall(toolCallId(ids, f.thoughtSignature()), f.name(), f.argsJson()));
                }
            }
            String text = calls.isEmpty() || content.length() > 0 ? content.toString() : null;
            choices.add(new ChatResponse.Choice(c.index(), text, null,
                    reasoning == null ? null : reasoning.toString(), calls,
                    finishReason(c.finishReason(), !calls.isEmpty())));
        }
        if (choices.isEmpty()) {
            throw GeminiEvents.malformed("the answer has no candidates and no promptFeedback.blockReason");
        }
        return new ChatResponse(chunk.responseId(), chunk.modelVersion(), choices, usage(chunk.usage()));
    }
}

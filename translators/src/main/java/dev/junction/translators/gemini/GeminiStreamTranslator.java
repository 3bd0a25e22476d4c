package dev.junction.translators.gemini;

import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.TranslationException;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Gemini {@code streamGenerateContent?alt=sse} → canonical stream events (wire-formats §3.4, §4.6).
 * Each SSE {@code data} is a whole {@code GenerateContentResponse} with only the new parts:
 * <ul>
 *   <li>the first chunk emits {@link StreamEvent.Start}; a first chunk with
 *       {@code promptFeedback.blockReason} and no candidates emits only an
 *       {@link StreamEvent.Error} {@code content_filter} (SPEC §4: nothing was produced, so the
 *       proxy can still answer with that error's status);</li>
 *   <li>text parts → {@link StreamEvent.TextDelta}, {@code thought:true} parts →
 *       {@link StreamEvent.ReasoningDelta};</li>
 *   <li>each {@code functionCall} part (always whole) → {@link StreamEvent.ToolCallStart} with the
 *       next tool ordinal of its choice and a generated id carrying the thought signature (§3.7),
 *       then one {@link StreamEvent.ToolCallArguments} with the complete JSON ({@code "{}"} when
 *       Gemini sent no {@code args});</li>
 *   <li>a candidate's {@code finishReason} → {@link StreamEvent.Finish} ({@code STOP} after a
 *       call → {@code tool_calls});</li>
 *   <li>{@code usageMetadata} is cumulative: the last one is reported in {@link #onEnd}, because
 *       Gemini has no terminator event;</li>
 *   <li>{@code {"error":...}} → {@link StreamEvent.Error}; nothing is emitted after an error.</li>
 * </ul>
 * End of stream before every expected choice finished is {@code stream_interrupted} (SPEC §5:
 * a truncated stream is never ended as if complete); the usage seen so far is reported first so the
 * tokens are still accounted. Thought signatures on text parts (e.g. the trailing empty part of a
 * Gemini 3 answer, §3.3) are not carried: Gemini requires them back only on function calls (§3.7).
 * Not thread-safe; one per upstream response.
 */
public final class GeminiStreamTranslator implements StreamTranslator {

    private final int expectedChoices;
    private final Supplier<String> ids;
    private boolean started;
    private boolean failed;
    private GeminiEvent.UsageMetadata lastUsage;
    private final int[] toolOrdinals;
    private final boolean[] finished;
    private int finishedCount;

    public GeminiStreamTranslator(int expectedChoices, Supplier<String> ids) {
        this.expectedChoices = Math.max(1, expectedChoices);
        this.ids = ids;
        this.toolOrdinals = new int[this.expectedChoices];
        this.finished = new boolean[this.expectedChoices];
    }

    @Override
    public void onEvent(SseEvent event, Consumer<StreamEvent> out) {
        if (failed || event.data() == null || !event.data().isReadable()) {
            return;
        }
        GeminiEvent parsed;
        try {
            parsed = GeminiEvents.parse(event.data());
        } catch (TranslationException e) {
            fail(e.error(), out);
            return;
        }
        translate(parsed, out);
    }

    /** The pure part: one parsed vendor event in, canonical events out. */
    public void translate(GeminiEvent event, Consumer<StreamEvent> out) {
        if (failed) {
            return;
        }
        if (event instanceof GeminiEvent.Failure f) {
            fail(GeminiErrors.map(f), out);
            return;
        }
        GeminiEvent.Chunk chunk = (GeminiEvent.Chunk) event;
        if (chunk.usage() != null) {
            lastUsage = chunk.usage();
        }
        if (chunk.candidates().isEmpty() && chunk.blockReason() != null) {
            fail(GeminiResponses.promptBlocked(chunk.blockReason()), out);
            return;
        }
        if (!started) {
            started = true;
            out.accept(new StreamEvent.Start(chunk.responseId(), chunk.modelVersion()));
        }
        for (GeminiEvent.Candidate c : chunk.candidates()) {
            int choice = c.index();
            if (choice < 0 || choice >= expectedChoices) {
                fail(GeminiEvents.malformed("candidate index " + choice + " outside the "
                        + expectedChoices + " requested").error(), out);
                return;
            }
            for (GeminiEvent.Part p : c.parts()) {
                if (p instanceof GeminiEvent.Text t) {
                    if (!t.text().isEmpty()) {
                        out.accept(t.thought() ? new StreamEvent.ReasoningDelta(choice, t.text())
                                : new StreamEvent.TextDelta(choice, t.text()));
                    }
                } else if (p instanceof GeminiEvent.FunctionCall f) {
                    int ordinal = toolOrdinals[choice]++;
                    out.accept(new StreamEvent.ToolCallStart(choice, ordinal,
                            GeminiResponses.toolCallId(ids, f.thoughtSignature()), f.name()));
                    out.accept(new StreamEvent.ToolCallArguments(choice, ordinal, f.argsJson()));
                }
            }
            if (c.finishReason() != null && !finished[choice]) {
                finished[choice] = true;
                finishedCount++;
                FinishReason reason = GeminiResponses.finishReason(c.finishReason(), toolOrdinals[choice] > 0);
                out.accept(new StreamEvent.Finish(choice, reason));
            }
        }
    }

    @Override
    public void onEnd(Consumer<StreamEvent> out) {
        if (failed) {
            return;
        }
        if (lastUsage != null) {
            out.accept(new StreamEvent.UsageReport(GeminiResponses.usage(lastUsage)));
        }
        if (finishedCount < expectedChoices) {
            fail(GatewayError.streamInterrupted(
                    "Gemini closed the stream before it finished (" + finishedCount + " of " + expectedChoices
                            + " choices complete). The answer is incomplete; retry the request."), out);
        }
    }

    private void fail(GatewayError error, Consumer<StreamEvent> out) {
        failed = true;
        out.accept(new StreamEvent.Error(error));
    }
}

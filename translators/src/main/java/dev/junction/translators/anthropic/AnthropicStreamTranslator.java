package dev.junction.translators.anthropic;

import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.spi.StreamTranslator;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Anthropic stream (wire-formats §2.4) → canonical events (§4.6). One instance per stream.
 *
 * <ul>
 *   <li>{@code message_start} → {@link StreamEvent.Start}; its usage is the base of the report.</li>
 *   <li>{@code content_block_start} tool_use → {@link StreamEvent.ToolCallStart} with the next tool
 *       ordinal (not the block index, which also counts text and thinking blocks);
 *       {@code input_json_delta} → {@link StreamEvent.ToolCallArguments}, empty fragments skipped
 *       (a no-argument call therefore has a start and no arguments; the chunk writer emits "{}").</li>
 *   <li>{@code text_delta} → {@link StreamEvent.TextDelta}; {@code thinking_delta} →
 *       {@link StreamEvent.ReasoningDelta}; {@code signature_delta} → {@link StreamEvent.ReasoningSignature};
 *       citation deltas, {@code ping} and unknown events are ignored.</li>
 *   <li>With the forced "json" tool of {@code response_format} (see
 *       {@link AnthropicResponseReader#jsonToolMode}), that tool's input fragments are the answer's
 *       text, and its {@code tool_use} stop reason is a normal stop.</li>
 *   <li>{@code message_delta} → {@link StreamEvent.Finish} (when it carries a stop reason) and a
 *       {@link StreamEvent.UsageReport} with the cumulative usage merged over message_start's.</li>
 *   <li>{@code message_stop} ends the stream; {@code error} → {@link StreamEvent.Error} mapped per
 *       §5.1; an end without {@code message_stop} → {@code stream_interrupted}.</li>
 * </ul>
 */
final class AnthropicStreamTranslator implements StreamTranslator {

    private static final int CHOICE = 0;

    /** A tool_use block: its ordinal, or -1 for the forced "json" tool whose input is text. */
    private final Map<Integer, Integer> toolOrdinalByBlock = new HashMap<>();
    private final boolean jsonMode;
    private int nextOrdinal;
    private boolean jsonToolUsed;
    private AnthropicUsage usage = AnthropicUsage.NONE;
    private boolean started;
    private boolean done;

    AnthropicStreamTranslator(boolean jsonMode) {
        this.jsonMode = jsonMode;
    }

    @Override
    public void onEvent(SseEvent event, Consumer<StreamEvent> out) {
        if (done) {
            return;
        }
        AnthropicEvent e;
        try {
            e = AnthropicEvent.parse(event);
        } catch (IllegalArgumentException bad) {
            done = true;
            out.accept(new StreamEvent.Error(interrupted("Anthropic sent a malformed stream event: " + bad.getMessage())));
            return;
        }
        convert(e, out);
    }

    /** The pure step: one vendor event in, zero or more canonical events out. */
    void convert(AnthropicEvent e, Consumer<StreamEvent> out) {
        if (e instanceof AnthropicEvent.MessageStart s) {
            if (!started) {
                started = true;
                usage = usage.overwrite(s.usage());
                out.accept(new StreamEvent.Start(s.id(), s.model()));
            }
        } else if (e instanceof AnthropicEvent.ContentBlockStart b) {
            startIfNeeded(out);
            if ("tool_use".equals(b.blockType())) {
                if (jsonMode && AnthropicRequestWriter.JSON_TOOL.equals(b.name())) {
                    toolOrdinalByBlock.put(b.index(), -1);
                    jsonToolUsed = true;
                } else {
                    int ordinal = nextOrdinal++;
                    toolOrdinalByBlock.put(b.index(), ordinal);
                    out.accept(new StreamEvent.ToolCallStart(CHOICE, ordinal, b.id(), b.name()));
                }
            } else if ("text".equals(b.blockType()) && b.text() != null && !b.text().isEmpty()) {
                out.accept(new StreamEvent.TextDelta(CHOICE, b.text()));
            }
        } else if (e instanceof AnthropicEvent.ContentBlockDelta d) {
            startIfNeeded(out);
            String v = d.value();
            if (v == null || v.isEmpty()) {
                return;
            }
            switch (d.deltaType()) {
                case "text_delta" -> out.accept(new StreamEvent.TextDelta(CHOICE, v));
                case "thinking_delta" -> out.accept(new StreamEvent.ReasoningDelta(CHOICE, v));
                case "signature_delta" -> out.accept(new StreamEvent.ReasoningSignature(CHOICE, v));
                case "input_json_delta" -> {
                    Integer ordinal = toolOrdinalByBlock.get(d.index());
                    if (ordinal == null) {
                        return;
                    }
                    out.accept(ordinal < 0 ? new StreamEvent.TextDelta(CHOICE, v)
                            : new StreamEvent.ToolCallArguments(CHOICE, ordinal, v));
                }
                default -> { }
            }
        } else if (e instanceof AnthropicEvent.MessageDelta m) {
            startIfNeeded(out);
            usage = usage.overwrite(m.usage());
            if (m.stopReason() != null) {
                out.accept(new StreamEvent.Finish(CHOICE, AnthropicStopReasons.map(m.stopReason(), jsonToolUsed)));
            }
            out.accept(new StreamEvent.UsageReport(usage.toOpenAi()));
        } else if (e instanceof AnthropicEvent.MessageStop) {
            done = true;
        } else if (e instanceof AnthropicEvent.Error err) {
            done = true;
            out.accept(new StreamEvent.Error(AnthropicErrors.fromStream(err.errorType(), err.message())));
        }
        // ContentBlockStop, Ping and Unknown carry nothing for the client.
    }

    private void startIfNeeded(Consumer<StreamEvent> out) {
        if (!started) {
            started = true;
            out.accept(new StreamEvent.Start(null, null));
        }
    }

    @Override
    public void onEnd(Consumer<StreamEvent> out) {
        if (!done) {
            done = true;
            out.accept(new StreamEvent.Error(interrupted(
                    "The Anthropic stream ended before its message_stop event; the answer is incomplete.")));
        }
    }

    private static GatewayError interrupted(String message) {
        return GatewayError.streamInterrupted(message);
    }
}

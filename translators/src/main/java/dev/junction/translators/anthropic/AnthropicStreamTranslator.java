package dev.junction.translators.anthropic;

import dev.junction.stream.GatewayError;
import dev.junction.stream.JsonTextSink;
import dev.junction.stream.ScannedLine;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;

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
 *
 * <p>Fast path: the decoder's line scanner ({@link #lineScanner()}) reads each data line's event
 * while finding the line's end, and a text, thinking or tool-argument fragment the scanner read is
 * offered as its JSON string bytes to a consumer that takes them ({@link JsonTextSink}, the
 * translated stream), which writes it without decoding; otherwise (declined, read by Jackson, or
 * another consumer) it is decoded and sent as its event.
 */
final class AnthropicStreamTranslator implements StreamTranslator {

    private static final int CHOICE = 0;

    /** A tool_use block: its ordinal, or -1 for the forced "json" tool whose input is text. */
    private final Map<Integer, Integer> toolOrdinalByBlock = new HashMap<>();
    private final boolean jsonMode;
    private final boolean fast;
    private int nextOrdinal;
    private boolean jsonToolUsed;
    private AnthropicUsage usage = AnthropicUsage.NONE;
    private boolean started;
    private boolean done;
    /** The fields of the event being converted (one instance per stream, reset per event). */
    private final Parsing.Fields fields = new Parsing.Fields();

    AnthropicStreamTranslator(boolean jsonMode) {
        this(jsonMode, true);
    }

    /**
     * @param fast false: the reference path the fast one is tested against — no line scanner (the
     *             decoder finds line ends), each event read by Jackson, every fragment decoded and
     *             sent as its event
     */
    AnthropicStreamTranslator(boolean jsonMode, boolean fast) {
        this.jsonMode = jsonMode;
        this.fast = fast;
    }

    @Override
    public void onEvent(SseEvent event, Consumer<StreamEvent> out) {
        ByteBuf data = event.data();
        onEvent(event.event(), data, data.readerIndex(), data.readableBytes(), out);
    }

    /**
     * The event is read into this stream's one {@link Parsing.Fields} (reset per event; it keeps
     * strings only, never the bytes) and converted from there: no event object per token.
     */
    @Override
    public void onEvent(String name, ByteBuf src, int index, int length, Consumer<StreamEvent> out) {
        if (done) {
            scanned.forget();
            return;
        }
        String type;
        try {
            type = scanned.matches(src, index, length) ? AnthropicEvent.type(name, fields)
                    : AnthropicEvent.read(name, src, index, length, fields, fast);
        } catch (IllegalArgumentException bad) {
            done = true;
            out.accept(new StreamEvent.Error(interrupted("Anthropic sent a malformed stream event: " + bad.getMessage())));
            return;
        }
        convert(type, fields, out);
    }

    /**
     * The decoder's line scanner: each {@code data:} line is read into {@link #fields} while its end
     * is looked for ({@link EventScanner#scanLine}), and the event that line makes is converted
     * from those fields without reading its bytes again.
     */
    @Override
    public SseDecoder.LineScanner lineScanner() {
        return fast ? this::lineEnd : null;
    }

    private int lineEnd(byte[] bytes, int from, int to) {
        if (done) {
            scanned.forget();
            return -1;
        }
        fields.reset();
        int eol = EventScanner.get().scanLine(bytes, from, to, fields);
        scanned.remember(bytes, from, eol);
        return eol;
    }

    /** The bytes {@link #lineEnd} last read into {@link #fields}. */
    private final ScannedLine scanned = new ScannedLine();

    /** The pure step: one vendor event (its type and fields, as {@link AnthropicEvent} reads them) in, zero or more canonical events out. */
    void convert(String type, Parsing.Fields f, Consumer<StreamEvent> out) {
        switch (type) {
            case "content_block_delta" -> {
                startIfNeeded(out);
                String deltaType = AnthropicEvent.deltaType(f);
                switch (deltaType) {
                    case "text_delta" -> {
                        if (!offered(JsonTextSink.Kind.TEXT, 0, f, f.rawText, out)) {
                            String v = f.deltaText();
                            if (v != null && !v.isEmpty()) {
                                out.accept(new StreamEvent.TextDelta(CHOICE, v));
                            }
                        }
                    }
                    case "thinking_delta" -> {
                        if (!offered(JsonTextSink.Kind.REASONING, 0, f, f.rawThinking, out)) {
                            String v = f.deltaThinking();
                            if (v != null && !v.isEmpty()) {
                                out.accept(new StreamEvent.ReasoningDelta(CHOICE, v));
                            }
                        }
                    }
                    case "signature_delta" -> {
                        String v = f.deltaSignature;
                        if (v != null && !v.isEmpty()) {
                            out.accept(new StreamEvent.ReasoningSignature(CHOICE, v));
                        }
                    }
                    case "input_json_delta" -> {
                        int ordinal = toolOrdinal(f.index);
                        if (ordinal == NO_TOOL) {
                            return;
                        }
                        JsonTextSink.Kind kind = ordinal < 0 ? JsonTextSink.Kind.TEXT : JsonTextSink.Kind.TOOL_ARGUMENTS;
                        if (!offered(kind, ordinal, f, f.rawPartialJson, out)) {
                            String v = f.deltaPartialJson();
                            if (v != null && !v.isEmpty()) {
                                out.accept(ordinal < 0 ? new StreamEvent.TextDelta(CHOICE, v)
                                        : new StreamEvent.ToolCallArguments(CHOICE, ordinal, v));
                            }
                        }
                    }
                    default -> { }
                }
            }
            case "message_start" -> {
                if (!started) {
                    started = true;
                    usage = usage.overwrite(f.usage());
                    out.accept(new StreamEvent.Start(f.messageId, f.messageModel));
                }
            }
            case "content_block_start" -> {
                startIfNeeded(out);
                if ("tool_use".equals(f.blockType)) {
                    if (jsonMode && AnthropicRequestWriter.JSON_TOOL.equals(f.blockName)) {
                        toolOrdinalByBlock.put(f.index, -1);
                        jsonToolUsed = true;
                    } else {
                        int ordinal = nextOrdinal++;
                        toolOrdinalByBlock.put(f.index, ordinal);
                        out.accept(new StreamEvent.ToolCallStart(CHOICE, ordinal, f.blockId, f.blockName));
                    }
                } else if ("text".equals(f.blockType) && f.blockText != null && !f.blockText.isEmpty()) {
                    out.accept(new StreamEvent.TextDelta(CHOICE, f.blockText));
                }
            }
            case "message_delta" -> {
                startIfNeeded(out);
                usage = usage.overwrite(f.usage());
                if (f.stopReason != null) {
                    out.accept(new StreamEvent.Finish(CHOICE, AnthropicStopReasons.map(f.stopReason, jsonToolUsed)));
                }
                out.accept(new StreamEvent.UsageReport(usage.toOpenAi()));
            }
            case "message_stop" -> done = true;
            case "error" -> {
                done = true;
                out.accept(new StreamEvent.Error(AnthropicErrors.fromStream(AnthropicEvent.errorType(f),
                        AnthropicEvent.errorMessage(f))));
            }
            default -> { } // content_block_stop, ping and unknown types carry nothing for the client
        }
    }

    /**
     * Hands a fragment the scanner kept as bytes ({@code r}) to a consumer that takes JSON text
     * ({@link JsonTextSink}, the translated stream): true when that is done (an empty fragment is
     * done with nothing, as its event would be skipped), false when the event must be sent (the
     * fragment was read by Jackson, the consumer takes events only, or it declined the bytes).
     */
    private boolean offered(JsonTextSink.Kind kind, int toolIndex, Parsing.Fields f, Parsing.Fields.RawString r,
            Consumer<StreamEvent> out) {
        if (!fast || r.from < 0 || !(out instanceof JsonTextSink sink)) {
            return false;
        }
        return r.from == r.to || sink.jsonText(kind, CHOICE, toolIndex, f.raw, r.from, r.to);
    }

    /** The tool ordinal of a tool_use block, -1 for the forced "json" tool, {@link #NO_TOOL} for another block. */
    private int toolOrdinal(int block) {
        Integer ordinal = toolOrdinalByBlock.get(block);
        return ordinal == null ? NO_TOOL : ordinal;
    }

    private static final int NO_TOOL = Integer.MIN_VALUE;

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
